package org.securefhir.auth.web;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.securefhir.auth.smart.PatientDirectory;
import org.securefhir.auth.smart.PatientDirectory.PatientChoice;
import org.securefhir.auth.smart.PickedPatients;
import org.securefhir.auth.user.Role;
import org.securefhir.auth.user.UserAccount;
import org.securefhir.auth.user.UserAccounts;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * The patient picker of a clinician's standalone launch with {@code launch/patient} (SMART App
 * Launch: "the authorization server may ask the user to choose a patient"): search the FHIR
 * server's patients by name, choose one, and the token response names it. Patients (patient users)
 * never pick: their own record is their context. Without a {@link PatientDirectory} (authorization
 * server running on its own) there is no picker.
 */
@Component
final class PatientPicker {

    static final int MAX_MATCHES = 20;

    private final UserAccounts users;
    private final ObjectProvider<PatientDirectory> directory;
    private final PickedPatients picked;

    PatientPicker(UserAccounts users, ObjectProvider<PatientDirectory> directory, PickedPatients picked) {
        this.users = users;
        this.directory = directory;
        this.picked = picked;
    }

    /** The roles that work with patients' records and so may look patients up. */
    static final Set<Role> PICKING_ROLES = Set.of(Role.PHYSICIAN, Role.NURSE, Role.FRONT_DESK, Role.BILLING);

    /**
     * Whether this user chooses a patient for {@code launch/patient}: staff whose role works with
     * patients' records. Administrators and auditors see no patient list (they read no PHI), patients
     * have their own record.
     */
    boolean needed(String userId) {
        if (directory.getIfAvailable() == null) {
            return false;
        }
        Optional<UserAccount> user = users.findById(userId);
        return user.isPresent()
                && user.get()
                        .fhirUser()
                        .filter(ref -> ref.startsWith("Patient/"))
                        .isEmpty()
                && user.get().roles().stream().anyMatch(PICKING_ROLES::contains);
    }

    /** Patients matching the name that the user may open (e.g. only those they treat). */
    List<PatientChoice> search(String name, String userId) {
        String text = name.strip();
        Optional<UserAccount> user = users.findById(userId);
        if (text.length() < 2 || text.length() > 100 || user.isEmpty()) {
            return List.of();
        }
        return directory.getObject().search(text, MAX_MATCHES * 5).stream()
                .filter(choice -> offers(user.get(), choice.id()))
                .limit(MAX_MATCHES)
                .toList();
    }

    private boolean offers(UserAccount user, String patientId) {
        return directory
                .getObject()
                .offers(
                        user.id(),
                        user.fhirUser(),
                        user.roles().stream().map(Role::code).collect(java.util.stream.Collectors.toSet()),
                        patientId);
    }

    Optional<PatientChoice> picked(String authorizationId) {
        return picked.find(authorizationId).flatMap(id -> directory.getObject().find(id));
    }

    /** Records the choice if the patient exists; false otherwise. */
    boolean pick(String authorizationId, String patientId, String userId) {
        if (!needed(userId)
                || directory.getObject().find(patientId).isEmpty()
                || !offers(users.findById(userId).orElseThrow(), patientId)) {
            return false;
        }
        picked.pick(authorizationId, patientId, userId);
        return true;
    }
}
