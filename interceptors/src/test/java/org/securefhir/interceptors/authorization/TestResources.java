package org.securefhir.interceptors.authorization;

import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;

/** R4 resources the authorization tests judge. */
final class TestResources {

    private TestResources() {}

    static Patient patient(String id) {
        Patient patient = new Patient();
        patient.setId("Patient/" + id);
        return patient;
    }

    /** An Observation about the patient; {@code id} null for one not stored yet. */
    static Observation observationOf(String patient, String id) {
        Observation observation = new Observation();
        if (id != null) {
            observation.setId("Observation/" + id);
        }
        observation.setSubject(new Reference("Patient/" + patient));
        return observation;
    }
}
