package org.securefhir.interceptors.authorization;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.securefhir.smart.SmartScope;

/**
 * The effective permissions of one access token: its role policy ∩ its SMART scopes ∩ its patient
 * context (<a href="https://hl7.org/fhir/smart-app-launch/STU2.2/scopes-and-launch-context.html">SMART
 * App Launch 2.2 §3</a>). An interaction on a type is granted only when one of the token's roles
 * grants it and one of its scopes covers it; a {@code patient/} scope pins the grant to the
 * token's patient compartment, a role grant marked own-compartment to the user's own Patient, and
 * a granular scope ({@code ?category=…}) adds its filter. Nothing else is granted.
 */
public final class Permissions {

    private static final Permissions NONE =
            new Permissions(List.of(), Map.of(), Map.of(), List.of(), Optional.empty(), Set.of(), Optional.empty());

    private final List<Grant> grants;
    /** The operations the token's roles name, with what each needs of its scopes. */
    private final Map<String, OperationRule> operations;

    private final Map<String, Set<String>> hiddenElements;
    /** The token's scopes that reach anything (a patient/ scope only with a patient in context). */
    private final List<SmartScope> scopes;

    private final Optional<Instant> authTime;
    private final Set<PurposeOfUse> allowedPurposes;
    private final Optional<PurposeOfUse> defaultPurpose;

    private Permissions(
            List<Grant> grants,
            Map<String, OperationRule> operations,
            Map<String, Set<String>> hiddenElements,
            List<SmartScope> scopes,
            Optional<Instant> authTime,
            Set<PurposeOfUse> allowedPurposes,
            Optional<PurposeOfUse> defaultPurpose) {
        this.allowedPurposes = Set.copyOf(allowedPurposes);
        this.defaultPurpose = defaultPurpose;
        this.grants = List.copyOf(grants);
        this.operations = Map.copyOf(operations);
        this.hiddenElements = Map.copyOf(hiddenElements);
        this.scopes = List.copyOf(scopes);
        this.authTime = authTime;
    }

    /** Nothing but the CapabilityStatement (requests without a token). */
    public static Permissions none() {
        return NONE;
    }

    public static Permissions of(AccessPolicy policy, AccessToken token) {
        Set<Grant> grants = new LinkedHashSet<>();
        Map<String, OperationRule> operations = new java.util.HashMap<>();
        List<RolePolicy> roles = token.roles().stream()
                .sorted()
                .map(policy::role)
                .flatMap(Optional::stream)
                .toList();
        for (RolePolicy role : roles) {
            for (RolePolicy.RoleGrant roleGrant : role.grants()) {
                for (SmartScope scope : token.scopes()) {
                    intersect(roleGrant, scope, token).forEach(grants::add);
                }
            }
        }
        if (!grants.isEmpty()) {
            roles.forEach(role -> role.operations()
                    .forEach(name -> policy.operation(name).ifPresent(rule -> operations.put(name, rule))));
        }
        List<SmartScope> usable = token.scopes().stream()
                .filter(scope -> scope.context() != SmartScope.Context.PATIENT
                        || token.patient().isPresent())
                .toList();
        Set<PurposeOfUse> allowed = new java.util.HashSet<>();
        Set<PurposeOfUse> defaults = new java.util.HashSet<>();
        roles.forEach(role -> {
            allowed.addAll(role.purposes().allowed());
            defaults.add(role.purposes().defaultPurpose());
        });
        return new Permissions(
                new ArrayList<>(grants),
                operations,
                hidden(roles),
                usable,
                token.authTime(),
                allowed,
                defaults.size() == 1 ? Optional.of(defaults.iterator().next()) : Optional.empty());
    }

    private static List<Grant> intersect(RolePolicy.RoleGrant roleGrant, SmartScope scope, AccessToken token) {
        Optional<String> compartment = Optional.empty();
        if (scope.context() == SmartScope.Context.PATIENT) {
            if (token.patient().isEmpty()) {
                return List.of(); // a patient/ scope without a patient in context reaches nothing
            }
            compartment = token.patient();
        }
        if (roleGrant.ownCompartment()) {
            Optional<String> own = token.ownPatient();
            if (own.isEmpty() || (compartment.isPresent() && !compartment.equals(own))) {
                return List.of();
            }
            compartment = own;
        }
        List<Grant> grants = new ArrayList<>();
        for (String roleType : roleGrant.resourceTypes()) {
            String type;
            if (scope.resourceType().equals("*")) {
                type = roleType;
            } else if (roleType.equals("*") || roleType.equals(scope.resourceType())) {
                type = scope.resourceType();
            } else {
                continue;
            }
            for (Interaction interaction : roleGrant.interactions()) {
                if (interaction.coveredBy(scope.permissions())) {
                    grants.add(new Grant(type, interaction, compartment, scope.query()));
                }
            }
        }
        return grants;
    }

    /** Per type, the elements hidden by every role that may read the type (a role that shows them wins). */
    private static Map<String, Set<String>> hidden(List<RolePolicy> roles) {
        Set<String> types = new HashSet<>();
        roles.forEach(role -> types.addAll(role.hiddenElements().keySet()));
        Map<String, Set<String>> hidden = new java.util.HashMap<>();
        for (String type : types) {
            Set<String> elements = null;
            for (RolePolicy role : roles) {
                boolean reads = role.grants().stream()
                        .anyMatch(grant -> (grant.resourceTypes().contains(type)
                                        || grant.resourceTypes().contains("*"))
                                && grant.interactions().stream().anyMatch(Interaction::isRead));
                if (!reads) {
                    continue;
                }
                Set<String> roleHides = role.hiddenElements().getOrDefault(type, Set.of());
                if (elements == null) {
                    elements = new HashSet<>(roleHides);
                } else {
                    elements.retainAll(roleHides);
                }
            }
            if (elements != null && !elements.isEmpty()) {
                hidden.put(type, Set.copyOf(elements));
            }
        }
        return hidden;
    }

    public List<Grant> grants() {
        return grants;
    }

    public boolean isEmpty() {
        return grants.isEmpty();
    }

    public boolean allows(String type, Interaction interaction) {
        return grants.stream().anyMatch(grant -> grant.interaction() == interaction && grant.appliesTo(type));
    }

    /** Whether a grant without compartment pin or filter allows it (e.g. to run a match URL as it is). */
    public boolean allowsUnrestricted(String type, Interaction interaction) {
        return grants.stream()
                .anyMatch(grant -> grant.interaction() == interaction
                        && grant.appliesTo(type)
                        && grant.compartment().isEmpty()
                        && grant.filter().isEmpty());
    }

    /** Whether the token is a backend service's: every scope it has is a {@code system/} scope. */
    public boolean isBackendService() {
        return !scopes.isEmpty() && scopes.stream().allMatch(scope -> scope.context() == SmartScope.Context.SYSTEM);
    }

    public boolean allowsOnAnyType(Interaction interaction) {
        return grants.stream().anyMatch(grant -> grant.interaction() == interaction);
    }

    /** Whether a server-level invocation of the operation is allowed (see {@link #allowsOperation(String, Optional)}). */
    public boolean allowsOperation(String name) {
        return allowsOperation(name, Optional.empty());
    }

    /**
     * Whether one of the token's roles names the operation and one of its scopes covers what the
     * policy says the operation needs, invoked on the type (empty: at server level).
     */
    public boolean allowsOperation(String name, Optional<String> type) {
        return operationRule(name)
                .filter(rule -> rule.anyOf().stream()
                        .anyMatch(need -> scopes.stream()
                                // an irreversible operation is never covered by a scope pinned to one
                                // patient: it would reach any patient's instance, not only that one
                                .filter(scope -> !rule.stepUp() || scope.context() != SmartScope.Context.PATIENT)
                                .anyMatch(scope -> need.coveredBy(scope, type))))
                .isPresent();
    }

    /** Whether the operation is irreversible, so that it needs a recent second factor. */
    public boolean needsStepUp(String name) {
        return operationRule(name).map(OperationRule::stepUp).orElse(false);
    }

    /** The purposes of use the token's roles may state. */
    public Set<PurposeOfUse> allowedPurposes() {
        return allowedPurposes;
    }

    /** The purpose of use of requests that state none, when the token's roles agree on one. */
    public Optional<PurposeOfUse> defaultPurpose() {
        return defaultPurpose;
    }

    /** When the user last entered their second factor, if the token says. */
    public Optional<Instant> authTime() {
        return authTime;
    }

    /** What the operation (named with or without {@code $}) needs of the token's scopes. */
    Optional<OperationRule> operationRule(String name) {
        return Optional.ofNullable(operations.get(OperationRule.policyName(name)));
    }

    /** The elements removed from this type's resources in responses. */
    public Set<String> hiddenElements(String type) {
        return hiddenElements.getOrDefault(type, Set.of());
    }

    /**
     * The patient whose compartment every grant is pinned to, if they all are pinned to the same
     * one: searches are then narrowed to it before they run (so counts and totals disclose nothing).
     */
    public Optional<String> onlyCompartment() {
        Set<Optional<String>> compartments = new HashSet<>();
        grants.forEach(grant -> compartments.add(grant.compartment()));
        return compartments.size() == 1 ? compartments.iterator().next() : Optional.empty();
    }

    /**
     * The filters a search of this type must be narrowed with: empty when a grant without a filter
     * allows the search; otherwise the granular-scope filters, any of which may match.
     */
    public List<String> searchFilters(String type) {
        List<Grant> searchGrants = grants.stream()
                .filter(grant -> grant.interaction() == Interaction.SEARCH && grant.appliesTo(type))
                .toList();
        if (searchGrants.stream().anyMatch(grant -> grant.filter().isEmpty())) {
            return List.of();
        }
        return searchGrants.stream()
                .map(grant -> grant.filter().orElseThrow())
                .distinct()
                .toList();
    }
}
