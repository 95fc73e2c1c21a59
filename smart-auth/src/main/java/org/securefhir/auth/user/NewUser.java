package org.securefhir.auth.user;

import java.util.Optional;
import java.util.Set;

/** What an administrator (or the bootstrap) supplies to create an account. */
public record NewUser(String username, String displayName, Optional<String> fhirUser, Set<Role> roles) {

    public NewUser {
        if (username == null || !username.matches("[A-Za-z0-9._@-]{3,128}")) {
            throw new IllegalArgumentException("username must be 3-128 characters of letters, digits and . _ @ -");
        }
        if (displayName == null || displayName.isBlank()) {
            throw new IllegalArgumentException("displayName is required");
        }
        if (roles == null || roles.isEmpty()) {
            throw new IllegalArgumentException("at least one role is required");
        }
        roles = Set.copyOf(roles);
        if (roles.contains(Role.PATIENT)
                && !fhirUser.map(ref -> ref.startsWith("Patient/")).orElse(false)) {
            throw new IllegalArgumentException("a patient user must be linked to a Patient (fhirUser Patient/…)");
        }
        boolean clinical = roles.stream().anyMatch(role -> role == Role.PHYSICIAN || role == Role.NURSE);
        if (clinical && !fhirUser.map(ref -> ref.startsWith("Practitioner/")).orElse(false)) {
            throw new IllegalArgumentException(
                    "a clinical user must be linked to a Practitioner (fhirUser Practitioner/…)");
        }
    }
}
