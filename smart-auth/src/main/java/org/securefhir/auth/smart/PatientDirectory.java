package org.securefhir.auth.smart;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Where the patient picker finds patients: the FHIR server's Patient records. Provided by the host
 * (the FHIR server, when co-hosted); an authorization server running on its own has no picker.
 */
public interface PatientDirectory {

    /** One patient as the picker shows it: id, display name, birth date. */
    record PatientChoice(String id, String name, String birthDate) {}

    /** Patients whose name matches the text (as FHIR's {@code Patient?name=} does), at most {@code limit}. */
    List<PatientChoice> search(String name, int limit);

    Optional<PatientChoice> find(String id);

    /**
     * Whether the user may open this patient's record through a launch (the picker, an EHR
     * launch): e.g. a clinician bound by the treatment relationship only patients they treat, or
     * have declared break-glass for.
     *
     * @param userId the user's account id
     * @param fhirUser the user's own FHIR resource ({@code Practitioner/x}), if any
     * @param roles the user's role codes
     */
    boolean offers(String userId, Optional<String> fhirUser, Set<String> roles, String patientId);
}
