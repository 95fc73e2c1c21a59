package org.securefhir.auth.smart;

import java.util.Optional;
import java.util.Set;
import org.securefhir.auth.user.UserAccount;
import org.securefhir.auth.user.UserAccounts;

/**
 * Works out the launch context of an authorization from its user and granted scopes. A patient
 * user who grants {@code launch/patient} in a standalone launch gets their own Patient in context.
 * (Clinicians will choose a patient in a picker, and EHR launches carry theirs: not yet built.)
 */
public final class LaunchContextResolver {

    private final UserAccounts users;

    public LaunchContextResolver(UserAccounts users) {
        this.users = users;
    }

    public LaunchContext resolve(String principalName, Set<String> scopes) {
        Optional<UserAccount> user = users.findById(principalName);
        if (user.isEmpty()) {
            return LaunchContext.NONE; // a client acting for itself (client_credentials)
        }
        Optional<String> fhirUser = user.get().fhirUser();
        Optional<String> patient = Optional.empty();
        if (scopes.contains("launch/patient")) {
            patient = fhirUser.filter(ref -> ref.startsWith("Patient/")).map(ref -> ref.substring("Patient/".length()));
        }
        return new LaunchContext(fhirUser, patient, Optional.empty());
    }
}
