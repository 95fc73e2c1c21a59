package org.securefhir.interceptors.authorization;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one role may do, as written in the access policy file.
 *
 * @param grants the role's permissions (anything not granted is denied)
 * @param operations the {@code $operations} the role may invoke, by name without {@code $}
 * @param hiddenElements per resource type, the top-level elements removed from every response to
 *     this role (minimum necessary); they are kept as stored when the role updates the resource
 */
public record RolePolicy(
        String code,
        String description,
        List<RoleGrant> grants,
        Set<String> operations,
        Map<String, Set<String>> hiddenElements) {

    public RolePolicy {
        grants = List.copyOf(grants);
        operations = Set.copyOf(operations);
        hiddenElements = Map.copyOf(hiddenElements);
    }

    /**
     * Interactions on resource types ({@code *} = every served type).
     *
     * @param ownCompartment the grant reaches only the compartment of the user's own Patient
     *     resource ({@code fhirUser}); for a user who is not a patient it reaches nothing
     */
    public record RoleGrant(Set<String> resourceTypes, Set<Interaction> interactions, boolean ownCompartment) {

        public RoleGrant {
            resourceTypes = Set.copyOf(resourceTypes);
            interactions = Set.copyOf(interactions);
        }
    }
}
