package org.securefhir.server.audit;

import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.OptionalParam;
import ca.uhn.fhir.rest.annotation.Read;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.annotation.Sort;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.SortOrderEnum;
import ca.uhn.fhir.rest.api.SortSpec;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.param.DateRangeParam;
import ca.uhn.fhir.rest.param.ReferenceOrListParam;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.IdType;

/**
 * AuditEvent through the FHIR API, read-only: read by id and search by patient, agent, entity,
 * date, action, outcome, type and subtype, newest first by default ({@code _sort=date} for oldest
 * first). Rendered from the audit store at query time; there is no create, update or delete.
 */
final class AuditEventProvider implements IResourceProvider {

    private final AuditTrail trail;

    AuditEventProvider(AuditTrail trail) {
        this.trail = trail;
    }

    @Override
    public Class<? extends IBaseResource> getResourceType() {
        return AuditEvent.class;
    }

    @Read
    public AuditEvent read(@IdParam IdType id) {
        try {
            return trail.read(Long.parseLong(id.getIdPart())).orElseThrow(() -> new ResourceNotFoundException(id));
        } catch (NumberFormatException e) {
            throw new ResourceNotFoundException(id);
        }
    }

    @Search(allowUnknownParams = false)
    public IBundleProvider search(
            @OptionalParam(name = "patient") ReferenceOrListParam patient,
            @OptionalParam(name = "agent") ReferenceOrListParam agent,
            @OptionalParam(name = "entity") ReferenceOrListParam entity,
            @OptionalParam(name = "date") DateRangeParam date,
            @OptionalParam(name = "action") TokenOrListParam action,
            @OptionalParam(name = "outcome") TokenOrListParam outcome,
            @OptionalParam(name = "type") TokenOrListParam type,
            @OptionalParam(name = "subtype") TokenOrListParam subtype,
            @Sort SortSpec sort,
            RequestDetails request) {
        boolean ascending = false;
        if (sort != null) {
            if (!"date".equals(sort.getParamName()) || sort.getChain() != null) {
                throw new InvalidRequestException("AuditEvent can be sorted by date only (_sort=date or _sort=-date)");
            }
            ascending = sort.getOrder() != SortOrderEnum.DESC;
        }
        AuditQuery query = new AuditQuery(
                references(patient, "Patient"),
                agents(agent),
                references(entity, null),
                codes(action),
                codes(outcome),
                categories(type),
                codes(subtype),
                date == null || date.getLowerBoundAsInstant() == null
                        ? null
                        : date.getLowerBoundAsInstant().toInstant(),
                date == null || date.getUpperBoundAsInstant() == null
                        ? null
                        : date.getUpperBoundAsInstant().toInstant(),
                ascending,
                0);
        // _summary=count asks for the total whatever it costs; otherwise only selective queries count
        String[] summary = request.getParameters().get(Constants.PARAM_SUMMARY);
        boolean countAsked = summary != null && Arrays.asList(summary).contains("count");
        return trail.search(query, countAsked || query.selective());
    }

    private static List<String> references(ReferenceOrListParam param, String defaultType) {
        List<String> values = new ArrayList<>();
        if (param != null) {
            for (ReferenceParam reference : param.getValuesAsQueryTokens()) {
                String type = reference.getResourceType() != null ? reference.getResourceType() : defaultType;
                if (type == null) {
                    throw new InvalidRequestException("entity needs a typed reference, e.g. entity=Patient/123");
                }
                values.add(type + "/" + reference.getIdPart());
            }
        }
        return values;
    }

    private static List<String> agents(ReferenceOrListParam param) {
        List<String> values = new ArrayList<>();
        if (param != null) {
            for (ReferenceParam reference : param.getValuesAsQueryTokens()) {
                values.add(reference.getIdPart());
            }
        }
        return values;
    }

    private static List<String> codes(TokenOrListParam param) {
        List<String> values = new ArrayList<>();
        if (param != null) {
            for (TokenParam token : param.getValuesAsQueryTokens()) {
                values.add(token.getValue());
            }
        }
        return values;
    }

    private static List<String> categories(TokenOrListParam param) {
        List<String> values = new ArrayList<>();
        for (String code : codes(param)) {
            switch (code.toLowerCase(Locale.ROOT)) {
                case "rest" -> values.add("rest");
                case "110114" -> values.add("security");
                case "110113" -> values.addAll(List.of("security", "alert"));
                default -> values.add("none");
            }
        }
        return values;
    }
}
