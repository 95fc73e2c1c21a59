package org.securefhir.server.fhir;

import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which FHIR {@code $operations} the server serves. Deny by default: an operation that is not
 * named here is refused, even when a HAPI provider implements it (e.g. {@code $expunge},
 * {@code $reindex}, {@code $export}, {@code $graphql}).
 */
public final class OperationAllowList {

    private final Set<String> allowed;

    public OperationAllowList(Set<String> allowed) {
        this.allowed = allowed.stream().map(OperationAllowList::normalize).collect(Collectors.toUnmodifiableSet());
    }

    /** @param operationName with or without the leading {@code $} */
    public boolean allows(String operationName) {
        return operationName != null && allowed.contains(normalize(operationName));
    }

    private static String normalize(String name) {
        String trimmed = name.trim();
        return (trimmed.startsWith("$") ? trimmed.substring(1) : trimmed).toLowerCase(Locale.ROOT);
    }
}
