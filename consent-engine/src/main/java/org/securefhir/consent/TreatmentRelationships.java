package org.securefhir.consent;

/**
 * Whether a practitioner treats a patient: a member of one of the patient's CareTeams, a
 * participant in one of the patient's Encounters, or the patient's general practitioner.
 */
@FunctionalInterface
public interface TreatmentRelationships {

    /**
     * @param practitioner {@code Practitioner/<id>}
     * @param patient the patient's id
     */
    boolean treats(String practitioner, String patient);
}
