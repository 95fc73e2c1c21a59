package org.securefhir.interceptors.authorization;

import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Whether the effective {@link Permissions} allow a request's interaction, before anything runs:
 * read, vread, search, history, create, update, patch and delete per type as the role policy and
 * scopes grant them; conditional create/update/patch/delete also need search (their match URL is a
 * search, unrestricted: HAPI runs it before authorization could narrow it, and its outcome (no match,
 * one, several) would disclose data outside a compartment); operations only by name; GraphQL and
 * anything unknown never.
 */
final class InteractionCheck {

    private InteractionCheck() {}

    /**
     * @param type the request's resource type, if any
     * @param operation the {@code $operation} name, for operation requests
     * @param conditional whether a write carries a match URL
     * @return why the request is refused, or empty when it is allowed
     */
    static Optional<String> denial(
            Permissions permissions,
            RestOperationTypeEnum restOperation,
            Optional<String> type,
            Optional<String> operation,
            boolean conditional) {
        if (restOperation == null) {
            return Optional.of("unknown interaction");
        }
        List<Interaction> needed = new ArrayList<>();
        switch (restOperation) {
            case METADATA, GET_PAGE -> {
                return Optional.empty(); // pages: see SearchPaging
            }
            case TRANSACTION, BATCH -> {
                return permissions.isEmpty() ? Optional.of("no access") : Optional.empty();
            }
            case SEARCH_SYSTEM -> {
                return allowedOnAnyType(permissions, Interaction.SEARCH);
            }
            case HISTORY_SYSTEM -> {
                return allowedOnAnyType(permissions, Interaction.HISTORY);
            }
            case EXTENDED_OPERATION_SERVER, EXTENDED_OPERATION_TYPE, EXTENDED_OPERATION_INSTANCE -> {
                return operation(permissions, operation.orElse("?"), type);
            }
            case VALIDATE -> {
                return operation(permissions, "validate", type);
            }
            case META -> {
                return operation(permissions, "meta", type);
            }
            case META_ADD, META_DELETE -> {
                if (!permissions.allowsOperation("meta", type)) {
                    return operation(permissions, "meta", type);
                }
                needed.add(Interaction.UPDATE);
            }
            case READ -> needed.add(Interaction.READ);
            case VREAD -> needed.add(Interaction.VREAD);
            case SEARCH_TYPE -> needed.add(Interaction.SEARCH);
            case HISTORY_INSTANCE, HISTORY_TYPE -> needed.add(Interaction.HISTORY);
            case CREATE -> needed.add(Interaction.CREATE);
            case UPDATE -> needed.add(Interaction.UPDATE);
            case PATCH -> needed.add(Interaction.PATCH);
            case DELETE -> needed.add(Interaction.DELETE);
            default -> {
                return Optional.of(restOperation.getCode() + " is not served");
            }
        }
        if (type.isEmpty()) {
            return Optional.of("no resource type");
        }
        if (conditional && !permissions.allowsUnrestricted(type.get(), Interaction.SEARCH)) {
            return Optional.of("conditional " + needed.get(0).code() + " needs search of every " + type.get());
        }
        for (Interaction interaction : needed) {
            if (!permissions.allows(type.get(), interaction)) {
                return Optional.of(interaction.code() + " of " + type.get() + " is not allowed");
            }
        }
        return Optional.empty();
    }

    private static Optional<String> allowedOnAnyType(Permissions permissions, Interaction interaction) {
        return permissions.allowsOnAnyType(interaction)
                ? Optional.empty()
                : Optional.of(interaction.code() + " is not allowed");
    }

    private static Optional<String> operation(Permissions permissions, String name, Optional<String> type) {
        String bare = OperationRule.policyName(name);
        if (permissions.allowsOperation(bare, type)) {
            return Optional.empty();
        }
        return Optional.of(permissions
                .operationRule(bare)
                .map(rule -> "operation $" + bare + " needs a scope granting one of " + rule.anyOf()
                        + type.map(" on "::concat).orElse(""))
                .orElse("operation $" + bare + " is not allowed"));
    }

    /**
     * Whether an irreversible operation may run now: the user entered their second factor within
     * {@code maxAge} of {@code now} (the token's {@code auth_time}).
     *
     * @return why it may not, or empty
     */
    static Optional<String> stepUpDenial(
            Permissions permissions, String operation, java.time.Instant now, java.time.Duration maxAge) {
        if (!permissions.needsStepUp(operation)) {
            return Optional.empty();
        }
        boolean recent = permissions
                .authTime()
                .filter(time ->
                        !time.isAfter(now.plusSeconds(60)) && !time.plus(maxAge).isBefore(now))
                .isPresent();
        return recent
                ? Optional.empty()
                : Optional.of(
                        "$" + permissions.operationRule(operation).orElseThrow().name()
                                + " cannot be undone: it needs a second factor entered in the last "
                                + maxAge.toMinutes() + " minutes; sign in again and retry");
    }
}
