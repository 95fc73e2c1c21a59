package org.securefhir.auth.user;

import java.util.Optional;
import java.util.Set;

/**
 * A person who logs in. Accounts are personal (no shared accounts) and their id is never reused.
 *
 * @param fhirUser the FHIR resource that represents the user ({@code Practitioner/…} for clinical
 *     staff, {@code Patient/…} for patients), the SMART {@code fhirUser} claim
 */
public record UserAccount(
        String id, String username, String displayName, Optional<String> fhirUser, Set<Role> roles, boolean enabled) {

    public UserAccount {
        roles = Set.copyOf(roles);
    }
}
