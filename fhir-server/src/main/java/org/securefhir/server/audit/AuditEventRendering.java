package org.securefhir.server.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.securefhir.interceptors.audit.AuditRecord;

/**
 * Renders a stored audit record as a FHIR R4 AuditEvent at query time, in the shape of the IHE BALP
 * profiles: type {@code rest} with the FHIR interaction as subtype (security events: DICOM "User
 * Authentication" / "Security Alert"), the user and the app as agents, every patient as an entity
 * of role Patient, the resource and the query as further entities.
 */
final class AuditEventRendering {

    static final String AUDIT_EVENT_TYPE = "http://terminology.hl7.org/CodeSystem/audit-event-type";
    static final String DICOM = "http://dicom.nema.org/resources/ontology/DCM";
    static final String RESTFUL_INTERACTION = "http://hl7.org/fhir/restful-interaction";
    static final String SECURITY_EVENT = "urn:securefhir:security-event";
    static final String OBJECT_ROLE = "http://terminology.hl7.org/CodeSystem/object-role";
    static final String USER_ID_SYSTEM = "urn:securefhir:user";
    static final String CLIENT_ID_SYSTEM = "urn:securefhir:client";

    static final String PURPOSE_OF_USE = "http://terminology.hl7.org/CodeSystem/v3-ActReason";
    static final String RESOURCE_TYPES = "http://hl7.org/fhir/resource-types";

    private AuditEventRendering() {}

    /**
     * @param patientView the patient whose view this is (a patient reading their own audit trail):
     *     only their own patient entity is shown, the resource and consent decisions only when the
     *     record names no other patient, never the raw query, network addresses, token or user ids,
     *     nor error texts (which can name other patients' resources); empty for auditors
     */
    static AuditEvent render(long id, String content, java.util.Optional<String> patientView) {
        AuditRecord record;
        try {
            record = JdbcAuditStore.CANONICAL.readValue(content, AuditRecord.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable audit record " + id, e);
        }
        AuditEvent event = new AuditEvent();
        event.setId(Long.toString(id));
        boolean rest = "rest".equals(record.category());
        if (rest) {
            event.setType(new Coding(AUDIT_EVENT_TYPE, "rest", "Restful Operation"));
            event.addSubtype(new Coding(RESTFUL_INTERACTION, record.subtype(), null));
        } else {
            boolean authentication = record.subtype().startsWith("login")
                    || record.subtype().startsWith("logout")
                    || record.subtype().startsWith("mfa");
            event.setType(
                    authentication
                            ? new Coding(DICOM, "110114", "User Authentication")
                            : new Coding(DICOM, "110113", "Security Alert"));
            event.addSubtype(new Coding(SECURITY_EVENT, record.subtype(), null));
        }
        event.setAction(AuditEvent.AuditEventAction.fromCode(record.action()));
        event.setRecordedElement(new InstantType(Date.from(Instant.parse(record.recorded()))));
        event.setOutcome(AuditEvent.AuditEventOutcome.fromCode(record.outcome()));
        boolean restricted = patientView.isPresent();
        String own = "Patient/" + patientView.orElse("");
        boolean onlyOwn = !restricted || record.patients().equals(java.util.List.of(own));
        if (record.outcomeDetail() != null && !restricted) {
            event.setOutcomeDesc(record.outcomeDetail());
        } else if (record.status() != null) {
            event.setOutcomeDesc(Integer.toString(record.status()));
        }
        if (record.purposeOfUse() != null) {
            CodeableConcept purpose = new CodeableConcept().setText(record.purposeOfUse());
            for (String code : record.purposeOfUse().split(" ")) {
                if (code.matches("[A-Z]{2,12}")) {
                    purpose.addCoding(new Coding(PURPOSE_OF_USE, code, null));
                }
            }
            event.addPurposeOfEvent(purpose);
        }
        if (record.userId() != null || record.fhirUser() != null) {
            AuditEvent.AuditEventAgentComponent user = event.addAgent().setRequestor(true);
            Reference who = new Reference();
            if (record.fhirUser() != null) {
                who.setReference(relative(record.fhirUser()));
            }
            if (record.userId() != null && !restricted) {
                who.setIdentifier(new Identifier().setSystem(USER_ID_SYSTEM).setValue(record.userId()));
                user.setAltId(record.userId());
            }
            user.setWho(who);
            record.roles().forEach(role -> user.addRole(new CodeableConcept().setText(role)));
            if (record.tokenId() != null && !restricted) {
                user.addPolicy(record.tokenId());
            }
            if (record.sourceIp() != null && !restricted) {
                user.getNetwork()
                        .setAddress(record.sourceIp())
                        .setType(
                                record.sourceIp().contains(":")
                                        ? AuditEvent.AuditEventAgentNetworkType._5
                                        : AuditEvent.AuditEventAgentNetworkType._2);
            }
        }
        if (record.clientId() != null) {
            event.addAgent()
                    .setRequestor(record.userId() == null)
                    .setType(new CodeableConcept(new Coding(DICOM, "110150", "Application")))
                    .setWho(new Reference()
                            .setIdentifier(
                                    new Identifier().setSystem(CLIENT_ID_SYSTEM).setValue(record.clientId())));
        }
        event.getSource().setSite("Secure FHIR Server").setObserver(new Reference().setDisplay(record.node()));
        for (String patient : record.patients()) {
            if (restricted && !patient.equals(own)) {
                continue;
            }
            event.addEntity().setWhat(new Reference(patient)).setRole(new Coding(OBJECT_ROLE, "1", "Patient"));
        }
        if (record.resourceType() != null && record.resourceId() != null && onlyOwn) {
            String reference = record.resourceType() + "/" + record.resourceId()
                    + (record.versionId() != null ? "/_history/" + record.versionId() : "");
            event.addEntity()
                    .setWhat(new Reference(reference))
                    .setRole(new Coding(OBJECT_ROLE, "4", "Domain Resource"));
        }
        if (record.query() != null && !restricted) {
            event.addEntity()
                    .setRole(new Coding(OBJECT_ROLE, "24", "Query"))
                    .setQuery(record.query().getBytes(StandardCharsets.UTF_8))
                    .setDescription(record.resourceType());
        }
        if (record.consent() != null && onlyOwn) {
            // consent decisions (BALP AuthZconsent): permit or deny, and the Consent that decided
            for (String decision : record.consent()) {
                AuditEvent.AuditEventEntityComponent entity = event.addEntity()
                        .setType(new Coding(RESOURCE_TYPES, "Consent", "Consent"))
                        .setDescription(decision);
                for (String word : decision.split(" ")) {
                    if (word.startsWith("Consent/")) {
                        entity.setWhat(new Reference(word));
                    }
                }
                entity.addDetail().setType("consent-decision").setValue(new StringType(decision));
            }
        }
        if (record.operation() != null) {
            event.addEntity().setRole(new Coding(OBJECT_ROLE, "24", "Query")).setName(record.operation());
        }
        return event;
    }

    private static String relative(String fhirUser) {
        String[] parts = fhirUser.split("/");
        return parts.length >= 2 ? parts[parts.length - 2] + "/" + parts[parts.length - 1] : fhirUser;
    }
}
