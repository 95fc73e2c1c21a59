package org.securefhir.auth.smart;

import java.util.Optional;
import java.util.Set;
import org.securefhir.smart.SmartScope;

/**
 * Which requested scopes a client may have: a scope registered for the client exactly, or a SMART
 * resource scope covered by one of its registered resource scopes (a client registered for
 * {@code patient/*.rs} may ask for {@code patient/Observation.rs?category=…|laboratory} or the v1
 * {@code patient/Observation.read}).
 */
public final class SmartScopeValidation {

    private SmartScopeValidation() {}

    public static boolean allowed(String requested, Set<String> registered) {
        if (registered.contains(requested)) {
            return true;
        }
        Optional<SmartScope> scope = SmartScope.parse(requested);
        return scope.isPresent()
                && registered.stream()
                        .map(SmartScope::parse)
                        .flatMap(Optional::stream)
                        .anyMatch(candidate -> candidate.covers(scope.get()));
    }
}
