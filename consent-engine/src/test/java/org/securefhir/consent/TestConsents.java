package org.securefhir.consent;

import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Reference;

/** Builds R4 Consents as patients and front-desk staff write them. */
final class TestConsents {

    /** Consent.provision.actor.role is required in R4: the actor receives the information. */
    static final CodeableConcept RECIPIENT = new CodeableConcept(
            new Coding("http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "IRCP", "information recipient"));

    private final Consent consent = new Consent();
    private final List<Consent.ProvisionComponent> nested = new ArrayList<>();

    private TestConsents(String id, String patient, String category, Consent.ConsentProvisionType type) {
        consent.setId(id);
        consent.setStatus(Consent.ConsentState.ACTIVE);
        consent.setScope(new CodeableConcept(new Coding(ConsentDirectives.SCOPE_SYSTEM, "patient-privacy", null)));
        consent.addCategory(new CodeableConcept(new Coding(ConsentCategoryCodes.DEFAULT_SYSTEM, category, null)));
        consent.setPatient(new Reference("Patient/" + patient));
        consent.getProvision().setType(type);
    }

    static TestConsents permit(String id, String patient, String category) {
        return new TestConsents(id, patient, category, Consent.ConsentProvisionType.PERMIT);
    }

    static TestConsents deny(String id, String patient, String category) {
        return new TestConsents(id, patient, category, Consent.ConsentProvisionType.DENY);
    }

    TestConsents actor(String reference) {
        consent.getProvision().addActor().setRole(RECIPIENT).setReference(new Reference(reference));
        return this;
    }

    /** A nested exception to the root rule. */
    TestConsents except(Consent.ConsentProvisionType type, String actor, String resourceType, String label) {
        Consent.ProvisionComponent provision =
                consent.getProvision().addProvision().setType(type);
        if (actor != null) {
            provision.addActor().setRole(RECIPIENT).setReference(new Reference(actor));
        }
        if (resourceType != null) {
            provision.addClass_(new Coding(ConsentDirectives.RESOURCE_TYPES, resourceType, null));
        }
        if (label != null) {
            provision.addSecurityLabel(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", label, null));
        }
        return this;
    }

    Consent build() {
        return consent;
    }
}
