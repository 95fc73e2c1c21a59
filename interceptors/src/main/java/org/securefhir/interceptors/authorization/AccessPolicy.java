package org.securefhir.interceptors.authorization;

import ca.uhn.fhir.context.FhirContext;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Optional;

/**
 * The role-based access policy: for each role, the resource types and interactions it may use,
 * the operations it may invoke and the elements hidden from it; for each operation, the SMART
 * scopes it needs ({@link OperationRule}). Deny by default: a role, type,
 * interaction or operation not named is refused. Loaded from a versioned YAML file (see {@code
 * docs/access-control.md} and {@link AccessPolicyFile}).
 *
 * @param version the policy's version, recorded with every decision it makes
 */
public record AccessPolicy(String version, Map<String, RolePolicy> roles, Map<String, OperationRule> operations) {

    public AccessPolicy {
        roles = Map.copyOf(roles);
        operations = Map.copyOf(operations);
    }

    /** What an operation needs of a token's scopes; empty for an operation the policy does not declare. */
    public Optional<OperationRule> operation(String name) {
        return Optional.ofNullable(operations.get(name.startsWith("$") ? name.substring(1) : name));
    }

    public Optional<RolePolicy> role(String code) {
        return Optional.ofNullable(roles.get(code));
    }

    /** Reads and validates a policy file against the resource types and elements of FHIR R4. */
    public static AccessPolicy read(InputStream yaml, FhirContext fhir) throws IOException {
        return AccessPolicyFile.read(yaml, fhir);
    }

    /** The policy shipped with the server ({@code access-policy.yaml}, documented in docs/access-control.md). */
    public static AccessPolicy defaults(FhirContext fhir) {
        try (InputStream yaml = AccessPolicy.class.getResourceAsStream("/access-policy.yaml")) {
            if (yaml == null) {
                throw new IllegalStateException("access-policy.yaml is missing from the classpath");
            }
            return read(yaml, fhir);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the default access policy", e);
        }
    }
}
