package org.securefhir.interceptors.audit;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.securefhir.interceptors.authorization.RequestPurpose;
import org.securefhir.interceptors.ownership.PatientOwnership;

/**
 * Builds audit records from what a request did: its agent, its interaction, and every patient
 * whose data it returned or changed (found from the resources themselves by {@link
 * PatientOwnership}), also inside bundles and {@code Parameters}.
 */
public final class AuditRecords {

    static final int MAX_ENTITIES = 100;

    /** The request header that states the purpose of use (consent validates it; the audit records it). */
    public static final String PURPOSE_OF_USE_HEADER = RequestPurpose.HEADER;

    private final FhirContext fhir;
    private final AuditAgent.Source agents;
    private final String node;
    private final Clock clock;
    private final QueryProtection protection;
    private final PatientOwnership ownership;

    public AuditRecords(
            FhirContext fhir,
            PatientOwnership ownership,
            AuditAgent.Source agents,
            String node,
            Clock clock,
            QueryProtection protection) {
        this.protection = protection;
        this.ownership = ownership;
        this.fhir = fhir;
        this.agents = agents;
        this.node = node;
        this.clock = clock;
    }

    /** A record of this request, before its outcome is known. */
    Draft start(RequestDetails request) {
        Draft draft = new Draft();
        draft.recorded = clock.instant().truncatedTo(ChronoUnit.MILLIS).toString();
        agents.current().ifPresent(agent -> {
            draft.userId = agent.userId();
            draft.fhirUser = agent.fhirUser().orElse(null);
            draft.roles = agent.roles().stream().sorted().toList();
            draft.clientId = agent.clientId();
            draft.tokenId = agent.tokenId().orElse(null);
            draft.purposeOfUse = agent.purposeOfUse().orElse(null);
        });
        String stated = request.getHeader(PURPOSE_OF_USE_HEADER);
        if (draft.purposeOfUse == null && stated != null) {
            // a code of the value set, or only that something else was stated (never the text:
            // the request is refused for it, and audit rows are append-only)
            draft.purposeOfUse = org.securefhir.interceptors.authorization.PurposeOfUse.fromCode(stated)
                    .map(Enum::name)
                    .orElse("(invalid)");
        }
        RestOperationTypeEnum operation = request.getRestOperationType();
        draft.subtype = operation == null ? "unknown" : subtype(operation);
        draft.action = action(operation);
        draft.resourceType = request.getResourceName();
        IIdType id = request.getId();
        if (id != null) {
            draft.resourceType = id.hasResourceType() ? id.getResourceType() : draft.resourceType;
            draft.resourceId = id.getIdPart();
            draft.versionId = id.getVersionIdPart();
            if ("Patient".equals(draft.resourceType) && id.hasIdPart()) {
                draft.patients.add("Patient/" + id.getIdPart());
            }
        }
        if (request.getOperation() != null && request.getOperation().startsWith("$")) {
            draft.operation = request.getOperation();
        }
        String searched = request.getCompartmentName() != null ? request.getCompartmentName() : draft.resourceType;
        draft.query = request.getParameters() == null
                ? null
                : query(protection.parameters(searched, request.getParameters()));
        if (request instanceof ServletRequestDetails servlet && servlet.getServletRequest() != null) {
            draft.sourceIp = servlet.getServletRequest().getRemoteAddr();
        }
        draft.userAgent = request.getHeader("User-Agent");
        draft.node = node;
        draft.requestId = request.getRequestId();
        return draft;
    }

    /** Adds the patients and entities of resources the request returned or changed. */
    void addResources(Draft draft, IBaseResource resource) {
        if (resource == null || resource instanceof OperationOutcome) {
            return;
        }
        if (resource instanceof Bundle bundle) {
            for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
                addResources(draft, entry.getResource());
            }
            return;
        }
        if (resource instanceof Parameters parameters) {
            parameters.getParameter().forEach(parameter -> addResources(draft, parameter.getResource()));
            return;
        }
        String type = fhir.getResourceType(resource);
        IIdType id = resource.getIdElement();
        if (id != null && id.hasIdPart()) {
            draft.entity(type + "/" + id.getIdPart());
        }
        ownership.patients(resource).forEach(patient -> draft.patients.add("Patient/" + patient));
    }

    /** The resource acted on, from the response, when the request did not name it (create). */
    void identify(Draft draft, IBaseResource resource) {
        String type = fhir.getResourceType(resource);
        if (type.equals("OperationOutcome") || type.equals("Parameters")) {
            return;
        }
        if (draft.resourceId == null || type.equals(draft.resourceType)) {
            draft.resourceType = type;
            draft.resourceId =
                    draft.resourceId == null ? resource.getIdElement().getIdPart() : draft.resourceId;
            if (draft.versionId == null
                    && resource.getIdElement().hasVersionIdPart()
                    && !"read".equals(draft.subtype)
                    && !"operation".equals(draft.subtype)) {
                draft.versionId = resource.getIdElement().getVersionIdPart();
            }
        }
    }

    /** Takes in what other defences noted about the request (purpose of use in force, consent decisions). */
    void annotate(Draft draft, RequestDetails request) {
        RequestPurpose.of(request)
                .ifPresent(resolved -> draft.purposeOfUse = resolved.purpose().name());
        AuditNotes.find(request).ifPresent(notes -> {
            notes.purposeOfUse().ifPresent(purpose -> draft.purposeOfUse = purpose);
            draft.consent = notes.decisions();
            draft.patients.addAll(notes.patients());
        });
    }

    AuditRecord success(Draft draft, int status) {
        draft.status = status;
        draft.outcome = status >= 500
                ? AuditRecord.SERIOUS_FAILURE
                : status >= 400 ? AuditRecord.MINOR_FAILURE : AuditRecord.SUCCESS;
        return draft.build();
    }

    /**
     * The record of one change about to commit, kept with it in its transaction: the request's
     * agent, this resource's version and patients. It enters the trail only if the request's own
     * record never does, hence its note.
     */
    AuditRecord written(Draft parent, String subtype, String action, IBaseResource resource) {
        Draft draft = copyAgent(parent);
        draft.subtype = subtype;
        draft.action = action;
        draft.resourceType = fhir.getResourceType(resource);
        IIdType id = resource.getIdElement();
        draft.resourceId = id.getIdPart();
        draft.versionId = id.getVersionIdPart();
        draft.query = null;
        addResources(draft, resource);
        draft.outcomeDetail = RECOVERED;
        return draft.build();
    }

    /** The note of a record recovered from a write intent. */
    public static final String RECOVERED = "recovered: the change committed but its request's own record was not"
            + " written (the process stopped or the audit store failed in between); the client may have had no answer";

    AuditRecord failure(Draft draft, BaseServerResponseException exception) {
        draft.status = exception.getStatusCode();
        draft.outcome = exception.getStatusCode() >= 500 ? AuditRecord.SERIOUS_FAILURE : AuditRecord.MINOR_FAILURE;
        draft.outcomeDetail = FailureDetail.of(exception.getStatusCode(), exception.getMessage());
        return draft.build();
    }

    /**
     * One record per entry of a batch or transaction: its own interaction, resource, patients and
     * outcome (from the entry's response status).
     */
    List<AuditRecord> entries(Draft parent, Bundle request, Bundle response) {
        List<AuditRecord> records = new ArrayList<>();
        for (int i = 0; i < request.getEntry().size(); i++) {
            Bundle.BundleEntryComponent entry = request.getEntry().get(i);
            Bundle.BundleEntryComponent result =
                    response != null && i < response.getEntry().size()
                            ? response.getEntry().get(i)
                            : null;
            Draft draft = copyAgent(parent);
            String method = entry.getRequest().getMethod() == null
                    ? "GET"
                    : entry.getRequest().getMethod().toCode();
            String url = entry.getRequest().getUrl() == null
                    ? ""
                    : entry.getRequest().getUrl();
            String path = url.contains("?") ? url.substring(0, url.indexOf('?')) : url;
            String[] parts = path.split("/");
            draft.resourceType = parts.length > 0 && !parts[0].isEmpty() ? parts[0] : null;
            draft.resourceId =
                    parts.length > 1 && !parts[1].startsWith("$") && !parts[1].startsWith("_") ? parts[1] : null;
            draft.query = url.contains("?")
                    ? protection.query(draft.resourceType, url.substring(url.indexOf('?') + 1))
                    : null;
            draft.subtype = entrySubtype(method, parts);
            draft.action = methodAction(method, parts);
            if ("Patient".equals(draft.resourceType) && draft.resourceId != null) {
                draft.patients.add("Patient/" + draft.resourceId);
            }
            addResources(draft, entry.getResource());
            int status = 200;
            if (result != null) {
                addResources(draft, result.getResource());
                if (result.hasResponse()) {
                    String code = result.getResponse().getStatus();
                    status = code == null || code.length() < 3 ? 200 : Integer.parseInt(code.substring(0, 3));
                    if (result.getResponse().getLocation() != null) {
                        String[] location = result.getResponse().getLocation().split("/");
                        if (location.length >= 2 && draft.resourceId == null) {
                            draft.resourceId = location[1];
                        }
                        if (location.length >= 4) {
                            draft.versionId = location[3];
                        }
                    }
                    addResources(draft, result.getResponse().getOutcome());
                }
            }
            records.add(success(draft, status));
        }
        return records;
    }

    /**
     * A request refused before it reached the FHIR endpoint because it had no valid token (401): no
     * agent, and the interaction as far as the URL tells.
     *
     * @param path the path below the FHIR base, e.g. {@code /Patient/123}
     */
    public AuditRecord unauthenticated(
            String method, String path, String query, String sourceIp, String userAgent, String reason) {
        Draft draft = new Draft();
        draft.recorded = clock.instant().truncatedTo(ChronoUnit.MILLIS).toString();
        String[] parts = (path.startsWith("/") ? path.substring(1) : path).split("/");
        draft.subtype = entrySubtype(method, parts);
        draft.action = methodAction(method, parts);
        draft.resourceType = parts.length > 0 && !parts[0].isEmpty() && !parts[0].startsWith("$") ? parts[0] : null;
        draft.resourceId = parts.length > 1 && !parts[1].startsWith("$") && !parts[1].startsWith("_") ? parts[1] : null;
        String kept = query == null ? null : protection.query(draft.resourceType, query);
        draft.query = kept == null || kept.length() <= 2000 ? kept : kept.substring(0, 2000);
        draft.sourceIp = sourceIp;
        draft.userAgent = userAgent;
        draft.node = node;
        draft.status = 401;
        draft.outcome = AuditRecord.MINOR_FAILURE;
        draft.outcomeDetail = "401 " + (reason.length() > 300 ? reason.substring(0, 300) : reason);
        return draft.build();
    }

    private Draft copyAgent(Draft parent) {
        Draft draft = new Draft();
        draft.recorded = parent.recorded;
        draft.userId = parent.userId;
        draft.fhirUser = parent.fhirUser;
        draft.roles = parent.roles;
        draft.clientId = parent.clientId;
        draft.tokenId = parent.tokenId;
        draft.purposeOfUse = parent.purposeOfUse;
        draft.sourceIp = parent.sourceIp;
        draft.userAgent = parent.userAgent;
        draft.node = parent.node;
        draft.requestId = parent.requestId;
        return draft;
    }

    /** The AuditEvent action of an HTTP method on a path (C, R, U, D; E for an operation). */
    private static String methodAction(String method, String[] parts) {
        boolean operation = parts.length > 0 && parts[parts.length - 1].startsWith("$");
        return switch (method) {
            case "POST" -> operation ? "E" : "C";
            case "PUT", "PATCH" -> "U";
            case "DELETE" -> "D";
            default -> "R";
        };
    }

    private static String entrySubtype(String method, String[] parts) {
        boolean operation = parts.length > 0 && parts[parts.length - 1].startsWith("$");
        if (operation) {
            return "operation";
        }
        return switch (method) {
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> "delete";
            default ->
                parts.length >= 2 && parts[parts.length - 1].equals("_history")
                        ? (parts.length == 3 ? "history-instance" : "history-type")
                        : parts.length >= 4
                                ? "vread"
                                : parts.length == 2 ? "read" : "search-type"; // Type/id?_elements=… is a read
        };
    }

    static String subtype(RestOperationTypeEnum operation) {
        return switch (operation) {
            case EXTENDED_OPERATION_SERVER, EXTENDED_OPERATION_TYPE, EXTENDED_OPERATION_INSTANCE -> "operation";
            case METADATA -> "capabilities";
            default -> operation.getCode().toLowerCase(Locale.ROOT);
        };
    }

    static String action(RestOperationTypeEnum operation) {
        if (operation == null) {
            return "E";
        }
        return switch (operation) {
            case CREATE -> "C";
            case UPDATE, PATCH, META_ADD, META_DELETE -> "U";
            case DELETE -> "D";
            case READ,
                    VREAD,
                    SEARCH_TYPE,
                    SEARCH_SYSTEM,
                    HISTORY_INSTANCE,
                    HISTORY_TYPE,
                    HISTORY_SYSTEM,
                    GET_PAGE,
                    METADATA,
                    META -> "R";
            default -> "E";
        };
    }

    private static String query(Map<String, String[]> parameters) {
        if (parameters == null || parameters.isEmpty()) {
            return null;
        }
        StringBuilder query = new StringBuilder();
        new TreeMap<>(parameters).forEach((name, values) -> {
            for (String value : values) {
                if (query.length() > 0) {
                    query.append('&');
                }
                query.append(name).append('=').append(value);
            }
        });
        return query.length() > 2000 ? query.substring(0, 2000) : query.toString();
    }
}
