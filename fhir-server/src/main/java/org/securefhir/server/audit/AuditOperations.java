package org.securefhir.server.audit;

import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.param.DateParam;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.StringType;

/**
 * Audit operations: {@code $verify-audit-chain} (is the trail intact, and where does it first
 * break) and {@code Patient/{id}/$access-report} (HIPAA §164.528 accounting: who accessed or changed
 * this patient's record in a period, as a FHIR Bundle of AuditEvents or, with {@code format=csv},
 * as CSV).
 */
final class AuditOperations {

    static final int MAX_REPORT = 10_000;

    private final AuditTrail trail;
    private final AuditChainVerifier verifier;

    AuditOperations(AuditTrail trail, AuditChainVerifier verifier) {
        this.trail = trail;
        this.verifier = verifier;
    }

    @Operation(name = "$verify-audit-chain", idempotent = true)
    public Parameters verifyAuditChain() {
        AuditChainVerifier.Verification result = verifier.verify();
        Parameters parameters = new Parameters();
        parameters.addParameter().setName("intact").setValue(new BooleanType(result.intact()));
        parameters.addParameter().setName("checked").setValue(new IntegerType(Math.toIntExact(result.checked())));
        result.firstBroken()
                .ifPresent(broken ->
                        parameters.addParameter().setName("firstBroken").setValue(new StringType(broken)));
        result.findings()
                .forEach(finding -> parameters.addParameter().setName("finding").setValue(new StringType(finding)));
        return parameters;
    }

    @Operation(name = "$access-report", type = Patient.class, idempotent = true)
    public IBaseResource accessReport(
            @IdParam IdType patient,
            @OperationParam(name = "start") DateParam start,
            @OperationParam(name = "end") DateParam end,
            @OperationParam(name = "format") StringType format) {
        Instant from = start == null ? null : start.getValue().toInstant();
        Instant to = end == null ? null : end.getValue().toInstant();
        AuditQuery query = new AuditQuery(
                List.of("Patient/" + patient.getIdPart()),
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                List.of("rest"),
                List.of(),
                from,
                to,
                false,
                0);
        AuditTrail.Results results = trail.search(query, true);
        if (results.size() > MAX_REPORT) {
            throw new InvalidRequestException("More than " + MAX_REPORT + " accesses in this period: narrow start/end");
        }
        List<AuditEvent> events = results.getResources(0, results.size()).stream()
                .map(AuditEvent.class::cast)
                .toList();
        if (format != null && "csv".equalsIgnoreCase(format.getValue())) {
            Binary csv = new Binary();
            csv.setContentType("text/csv");
            csv.setData(csv(events).getBytes(StandardCharsets.UTF_8));
            return csv;
        }
        if (format != null && !"fhir".equalsIgnoreCase(format.getValue())) {
            throw new InvalidRequestException("format must be csv or fhir");
        }
        Bundle bundle = new Bundle().setType(Bundle.BundleType.COLLECTION);
        bundle.setTotal(events.size());
        events.forEach(event -> bundle.addEntry().setResource(event));
        return bundle;
    }

    static String csv(List<AuditEvent> events) {
        StringBuilder csv = new StringBuilder(
                "recorded,action,interaction,outcome,user,fhir_user,roles,client,resource,source_ip,purpose\r\n");
        for (AuditEvent event : events) {
            AuditEvent.AuditEventAgentComponent user = event.getAgent().stream()
                    .filter(AuditEvent.AuditEventAgentComponent::getRequestor)
                    .findFirst()
                    .orElse(new AuditEvent.AuditEventAgentComponent());
            String client = event.getAgent().stream()
                    .map(agent -> agent.getWho().getIdentifier())
                    .filter(identifier -> AuditEventRendering.CLIENT_ID_SYSTEM.equals(identifier.getSystem()))
                    .map(identifier -> identifier.getValue())
                    .findFirst()
                    .orElse("");
            String resource = event.getEntity().stream()
                    .filter(entity -> "4".equals(entity.getRole().getCode()))
                    .map(entity -> entity.getWhat().getReference())
                    .findFirst()
                    .orElse("");
            csv.append(String.join(
                            ",",
                            cell(event.getRecordedElement().getValueAsString()),
                            cell(
                                    event.getAction() == null
                                            ? ""
                                            : event.getAction().toCode()),
                            cell(event.getSubtypeFirstRep().getCode()),
                            cell(
                                    event.getOutcome() == null
                                            ? ""
                                            : event.getOutcome().toCode()),
                            cell(user.getAltId()),
                            cell(user.getWho().getReference()),
                            cell(user.getRole().stream()
                                    .map(role -> role.getText())
                                    .collect(Collectors.joining(" "))),
                            cell(client),
                            cell(resource),
                            cell(user.getNetwork().getAddress()),
                            cell(event.getPurposeOfEventFirstRep().getText())))
                    .append("\r\n");
        }
        return csv.toString();
    }

    /** RFC 4180 quoting; a leading = + - @ is neutralised so spreadsheets do not run it as a formula. */
    static String cell(String value) {
        if (value == null) {
            return "";
        }
        String text = value;
        if (!text.isEmpty() && "=+-@".indexOf(text.charAt(0)) >= 0) {
            text = "'" + text;
        }
        if (text.contains(",") || text.contains("\"") || text.contains("\n") || text.contains("\r")) {
            text = "\"" + text.replace("\"", "\"\"") + "\"";
        }
        return text;
    }
}
