package org.securefhir.auth.smart;

import java.util.List;
import java.util.Optional;

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
}
