package org.securefhir.interceptors.authorization;

import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.securefhir.smart.SmartScope;
import org.securefhir.smart.SmartScope.Permission;

/**
 * What a served {@code $operation} needs besides a role that names it: a SMART scope of the
 * token covering one of {@link #anyOf} (so an app granted {@code user/Organization.rs} cannot
 * shred a patient's keys however privileged its user), and, for an irreversible operation, a
 * second factor entered in the last minutes ({@link #stepUp}, judged from the token's {@code
 * auth_time}).
 *
 * @param name the operation's name without {@code $}
 * @param anyOf the scope needs, any one of which suffices
 * @param stepUp whether the user must have entered their second factor recently
 */
public record OperationRule(String name, List<ScopeNeed> anyOf, boolean stepUp) {

    public OperationRule {
        anyOf = List.copyOf(anyOf);
    }

    /**
     * The policy's name of an operation: without {@code $}; the status and file operations of a
     * Bulk Data export ({@code $export-poll-status}, {@code $export-download}) are part of
     * {@code export}, so a role granted export can follow its own exports to the end.
     */
    static String policyName(String operation) {
        String bare = operation.startsWith("$") ? operation.substring(1) : operation;
        return switch (bare) {
            case "export-poll-status", "export-download" -> "export";
            default -> bare;
        };
    }

    /**
     * One scope need: a resource type ({@value #REQUEST_TYPE} = the type the operation is invoked
     * on; {@code *} only for server-level invocations) and the SMART permissions a single scope
     * must grant on it, written {@code Patient.d} or {@code {type}.r}.
     */
    public record ScopeNeed(String resourceType, Set<Permission> permissions) {

        /** Placeholder for the type the operation is invoked on. */
        public static final String REQUEST_TYPE = "{type}";

        /**
         * Placeholder for any one resource type: the operation itself narrows what it does to the
         * types the token's scopes grant (a Bulk Data export of the types a client may search).
         */
        public static final String ANY_TYPE = "{any}";

        private static final Pattern SYNTAX =
                Pattern.compile("(\\{type}|\\{any}|\\*|[A-Z][A-Za-z]{1,63})\\.([cruds]{1,5})");

        public ScopeNeed {
            permissions = Set.copyOf(EnumSet.copyOf(permissions));
        }

        /** {@code Patient.rs}, {@code {type}.c}. */
        static ScopeNeed parse(String text) {
            Matcher matcher = SYNTAX.matcher(text);
            Optional<SmartScope> scope = matcher.matches()
                    ? SmartScope.parse("system/" + (matcher.group(1).startsWith("{") ? "*" : matcher.group(1)) + "."
                            + matcher.group(2))
                    : Optional.empty();
            if (scope.isEmpty()) {
                throw new IllegalArgumentException(
                        "'" + text + "' is not Type.permissions (e.g. Patient.rs, {type}.c)");
            }
            return new ScopeNeed(matcher.group(1), scope.get().permissions());
        }

        /** Whether one scope grants every needed permission on the needed type. */
        boolean coveredBy(SmartScope scope, Optional<String> requestType) {
            if (resourceType.equals(ANY_TYPE)) {
                return scope.query().isEmpty() && scope.permissions().containsAll(permissions);
            }
            String needed = resourceType.equals(REQUEST_TYPE) ? requestType.orElse("*") : resourceType;
            return (scope.resourceType().equals("*") || scope.resourceType().equals(needed))
                    && scope.query().isEmpty()
                    && scope.permissions().containsAll(permissions);
        }

        @Override
        public String toString() {
            StringBuilder letters = new StringBuilder();
            for (Permission permission : EnumSet.copyOf(permissions)) {
                letters.append(
                        switch (permission) {
                            case CREATE -> 'c';
                            case READ -> 'r';
                            case UPDATE -> 'u';
                            case DELETE -> 'd';
                            case SEARCH -> 's';
                        });
            }
            return resourceType + "." + letters;
        }
    }
}
