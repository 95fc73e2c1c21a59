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
 * @param purposes the purposes of use the role may state, and the one assumed when it states none
 */
public record RolePolicy(
        String code,
        String description,
        List<RoleGrant> grants,
        Set<String> operations,
        Map<String, Set<String>> hiddenElements,
        Purposes purposes) {

    /**
     * The purposes of use ({@code X-Purpose-Of-Use}) a role may state, and its default: billing
     * states payment, clinicians treatment; anything else is refused.
     */
    public record Purposes(PurposeOfUse defaultPurpose, Set<PurposeOfUse> allowed) {

        public Purposes {
            allowed = Set.copyOf(allowed);
            if (!allowed.contains(defaultPurpose)) {
                throw new IllegalArgumentException("the default purpose " + defaultPurpose + " is not allowed");
            }
            if (allowed.contains(PurposeOfUse.BTG)) {
                throw new IllegalArgumentException("BTG is never stated: break-glass is declared with $break-glass");
            }
        }
    }

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
