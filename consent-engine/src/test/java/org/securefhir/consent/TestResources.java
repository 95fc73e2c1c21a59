package org.securefhir.consent;

import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Reference;

/** R4 resources as the store returns them: with an id and a version. */
final class TestResources {

    static final String ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode";

    private TestResources() {}

    /** Version 1 of a patient's Observation, with security labels (codes such as {@code PSY}). */
    static Observation observation(String id, String patient, String... labels) {
        Observation observation = new Observation();
        observation.setId(new IdType("Observation", id, "1"));
        observation.setStatus(Observation.ObservationStatus.FINAL);
        observation.setSubject(new Reference("Patient/" + patient));
        for (String label : labels) {
            observation.getMeta().addSecurity(new Coding(ACT_CODE, label, null));
        }
        return observation;
    }

    /** An Observation about one patient performed by another (in both patients' compartments). */
    static Observation sharedObservation(String id, String patient, String otherPatient) {
        Observation observation = observation(id, patient);
        observation.addPerformer(new Reference("Patient/" + otherPatient));
        return observation;
    }

    static Practitioner practitioner(String id) {
        Practitioner practitioner = new Practitioner();
        practitioner.setId(new IdType("Practitioner", id, "1"));
        return practitioner;
    }

    /** A Binary whose owner cannot be decided (its securityContext names no Patient). */
    static Binary unattributedBinary(String id) {
        Binary binary = new Binary();
        binary.setId(new IdType("Binary", id, "1"));
        binary.setContentType("text/plain");
        return binary;
    }
}
