package org.securefhir.interceptors.authorization;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeResourceDefinition;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The YAML form of the {@link AccessPolicy}, read strictly: unknown keys, unknown resource types,
 * interactions, groups or elements, and malformed role or operation names are errors that stop
 * the server from starting, never silently ignored.
 *
 * <pre>
 * version: "2026-11-25"
 * groups:                      # named sets of resource types (lower-case names)
 *   billing: [Claim, Coverage]
 * operations:                  # every operation a role names: the scopes it needs (any one)
 *   validate:
 *     scopes: ["{type}.c", "{type}.u"]   # {type}: the type it is invoked on
 *   erase-keys:
 *     scopes: [Patient.d]
 *     step-up: true             # irreversible: second factor in the last 5 minutes
 * roles:
 *   billing:
 *     description: Billing staff
 *     grants:
 *       - types: [billing]        # groups, resource types or *
 *         interactions: [read, vread, search, history, create, update, patch]
 *       - types: [Patient]
 *         interactions: [read, search]
 *         own-compartment: false   # true: only the user's own (Patient) compartment
 *     operations: [validate]
 *     hidden:                    # minimum necessary: top-level elements removed from responses
 *       Patient: [text]
 *     purposes:                  # X-Purpose-Of-Use it may state (v3 ActReason), and its default
 *       default: HPAYMT
 *       allowed: [HPAYMT, COVERAGE]
 * </pre>
 */
final class AccessPolicyFile {

    private static final Pattern ROLE = Pattern.compile("[a-z][a-z0-9-]{0,63}");
    private static final Pattern GROUP = Pattern.compile("[a-z][a-z0-9-]{0,63}");
    private static final Pattern OPERATION = Pattern.compile("[a-z][a-zA-Z0-9-]{0,63}");
    /** Elements a response cannot do without. */
    private static final Set<String> UNHIDEABLE = Set.of("id", "meta", "resourceType");

    private AccessPolicyFile() {}

    record PolicyYaml(
            String version,
            Map<String, List<String>> groups,
            Map<String, OperationYaml> operations,
            Map<String, RoleYaml> roles) {}

    record OperationYaml(
            List<String> scopes, @JsonProperty("step-up") Boolean stepUp) {}

    record RoleYaml(
            String description,
            List<GrantYaml> grants,
            List<String> operations,
            Map<String, List<String>> hidden,
            PurposesYaml purposes) {}

    record PurposesYaml(@JsonProperty("default") String defaultPurpose, List<String> allowed) {}

    record GrantYaml(
            List<String> types,
            List<String> interactions,
            @JsonProperty("own-compartment") Boolean ownCompartment) {}

    static AccessPolicy read(InputStream yaml, FhirContext fhir) throws IOException {
        PolicyYaml file;
        try {
            file = YAMLMapper.builder()
                    .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                    .build()
                    .readValue(yaml, PolicyYaml.class);
        } catch (JsonMappingException e) {
            throw new IllegalArgumentException("access policy: " + e.getOriginalMessage(), e);
        }
        if (file == null || file.version() == null || file.version().isBlank()) {
            throw new IllegalArgumentException("access policy: version is required");
        }
        if (file.roles() == null || file.roles().isEmpty()) {
            throw new IllegalArgumentException("access policy: no roles");
        }
        Set<String> types = fhir.getResourceTypes();
        Map<String, Set<String>> groups = new HashMap<>();
        if (file.groups() != null) {
            file.groups().forEach((name, members) -> {
                require(GROUP.matcher(name).matches(), "group name '" + name + "' must be lower-case");
                for (String member : members) {
                    require(types.contains(member), "group " + name + ": unknown resource type '" + member + "'");
                }
                groups.put(name, Set.copyOf(members));
            });
        }
        Map<String, OperationRule> operations = new HashMap<>();
        if (file.operations() != null) {
            file.operations().forEach((name, operation) -> operations.put(name, operation(name, operation)));
        }
        Map<String, RolePolicy> roles = new HashMap<>();
        file.roles().forEach((code, role) -> roles.put(code, role(code, role, groups, fhir)));
        roles.values()
                .forEach(role -> role.operations()
                        .forEach(name -> require(
                                operations.containsKey(name),
                                "role " + role.code() + ": operation '" + name
                                        + "' is not declared under operations")));
        return new AccessPolicy(file.version(), roles, operations);
    }

    private static OperationRule operation(String name, OperationYaml operation) {
        require(OPERATION.matcher(name).matches(), "operation '" + name + "' (names without $)");
        require(
                operation != null
                        && operation.scopes() != null
                        && !operation.scopes().isEmpty(),
                "operation " + name + ": scopes are required");
        List<OperationRule.ScopeNeed> needs = new java.util.ArrayList<>();
        for (String scope : operation.scopes()) {
            try {
                needs.add(OperationRule.ScopeNeed.parse(scope));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("access policy: operation " + name + ": " + e.getMessage(), e);
            }
        }
        return new OperationRule(name, needs, Boolean.TRUE.equals(operation.stepUp()));
    }

    private static RolePolicy role(String code, RoleYaml role, Map<String, Set<String>> groups, FhirContext fhir) {
        require(ROLE.matcher(code).matches(), "role '" + code + "': role codes are a-z, 0-9 and -");
        require(role != null && role.grants() != null, "role " + code + ": grants are required");
        List<RolePolicy.RoleGrant> grants = role.grants().stream()
                .map(grant -> grant(code, grant, groups, fhir.getResourceTypes()))
                .toList();
        Set<String> operations = new TreeSet<>();
        if (role.operations() != null) {
            for (String operation : role.operations()) {
                require(
                        OPERATION.matcher(operation).matches(),
                        "role " + code + ": operation '" + operation + "' (names without $)");
                operations.add(operation);
            }
        }
        Map<String, Set<String>> hidden = new HashMap<>();
        if (role.hidden() != null) {
            role.hidden().forEach((type, elements) -> {
                require(fhir.getResourceTypes().contains(type), "role " + code + ": unknown type '" + type + "'");
                RuntimeResourceDefinition definition = fhir.getResourceDefinition(type);
                for (String element : elements) {
                    require(
                            !UNHIDEABLE.contains(element) && definition.getChildByName(element) != null,
                            "role " + code + ": " + type + " has no hideable top-level element '" + element + "'");
                }
                hidden.put(type, Set.copyOf(elements));
            });
        }
        return new RolePolicy(
                code,
                role.description() == null ? "" : role.description(),
                grants,
                operations,
                hidden,
                purposes(code, role));
    }

    private static RolePolicy.Purposes purposes(String code, RoleYaml role) {
        PurposesYaml purposes = role.purposes();
        require(
                purposes != null && purposes.defaultPurpose() != null && purposes.allowed() != null,
                "role " + code + ": purposes (default and allowed) are required");
        try {
            Set<PurposeOfUse> allowed = new LinkedHashSet<>();
            for (String purpose : purposes.allowed()) {
                allowed.add(purpose(code, purpose));
            }
            return new RolePolicy.Purposes(purpose(code, purposes.defaultPurpose()), allowed);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("access policy: role " + code + ": " + e.getMessage(), e);
        }
    }

    private static PurposeOfUse purpose(String role, String code) {
        return PurposeOfUse.fromCode(code)
                .orElseThrow(() -> new IllegalArgumentException("unknown purpose of use '" + code + "'"));
    }

    private static RolePolicy.RoleGrant grant(
            String role, GrantYaml grant, Map<String, Set<String>> groups, Set<String> types) {
        require(grant.types() != null && !grant.types().isEmpty(), "role " + role + ": every grant needs types");
        require(
                grant.interactions() != null && !grant.interactions().isEmpty(),
                "role " + role + ": every grant needs interactions");
        Set<String> resourceTypes = new LinkedHashSet<>();
        for (String name : grant.types()) {
            if (name.equals("*") || types.contains(name)) {
                resourceTypes.add(name);
            } else {
                require(groups.containsKey(name), "role " + role + ": unknown type or group '" + name + "'");
                resourceTypes.addAll(groups.get(name));
            }
        }
        Set<Interaction> interactions = new LinkedHashSet<>();
        for (String code : grant.interactions()) {
            try {
                interactions.add(Interaction.fromCode(code));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("access policy: role " + role + ": " + e.getMessage(), e);
            }
        }
        return new RolePolicy.RoleGrant(resourceTypes, interactions, Boolean.TRUE.equals(grant.ownCompartment()));
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException("access policy: " + message);
        }
    }
}
