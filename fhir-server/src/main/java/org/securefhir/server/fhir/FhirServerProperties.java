package org.securefhir.server.fhir;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.PositiveOrZero;
import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Settings of the FHIR endpoint ({@code fhir.server.*}).
 *
 * @param defaultPageSize search page size when the client sends no {@code _count}
 * @param maxPageSize largest {@code _count} honoured
 * @param maxRequestSize largest request body accepted; larger ones get 413
 * @param maxTransactionSize largest batch or transaction body (POST to the FHIR base, with a
 *     declared Content-Length) accepted from a token of one of {@code largeTransactionRoles}: a
 *     Synthea patient's history can be 35 MB; HAPI holds the parsed bundle in memory
 * @param largeTransactionRoles the roles that may send transactions above {@code maxRequestSize}
 * @param largeTransactionsAtOnce how many transactions above {@code maxRequestSize} one node
 *     processes at the same time (each needs about ten times its size of heap)
 * @param largeTransactionWait how long one more large transaction waits for its turn (then 503)
 * @param reuseCachedSearchResultsMillis how long an identical search may reuse cached results (0 = never)
 * @param serverAddress absolute base URL to put in links (empty = derived from the request)
 * @param allowedOperations the only {@code $operations} served; every other one is refused with 403
 * @param schemaMigration whether HAPI's schema migrations run at start-up (create or upgrade)
 * @param resourceTypes the resource types served; {@code *} (the default) is every R4 type but
 *     {@link #NEVER_SERVED}; a list serves only those, the others get 404
 */
@Validated
@ConfigurationProperties("fhir.server")
public record FhirServerProperties(
        @DefaultValue("20") @Min(1) @Max(1000) int defaultPageSize,
        @DefaultValue("200") @Min(1) @Max(1000) int maxPageSize,
        @DefaultValue("10MB") @NotNull DataSize maxRequestSize,
        @DefaultValue("64MB") @NotNull DataSize maxTransactionSize,
        @DefaultValue("integration") Set<String> largeTransactionRoles,
        @DefaultValue("1") @Min(1) @Max(64) int largeTransactionsAtOnce,
        @DefaultValue("60s") @NotNull java.time.Duration largeTransactionWait,
        @DefaultValue("0") @PositiveOrZero long reuseCachedSearchResultsMillis,
        @DefaultValue("") String serverAddress,

        @DefaultValue({
            "everything",
            "validate",
            "meta",
            "expand",
            "lookup",
            "validate-code",
            "access-report",
            "verify-audit-chain",
            "erase-keys",
            "rotate-data-keys",
            "encryption-status",
            "break-glass",
            "break-glass-review",
            "export",
            "export-poll-status",
            "export-download"
        })
        Set<String> allowedOperations,

        @DefaultValue("true") boolean schemaMigration,

        @DefaultValue("*") Set<String> resourceTypes) {

    public FhirServerProperties {
        allowedOperations = Set.copyOf(allowedOperations);
        largeTransactionRoles = Set.copyOf(largeTransactionRoles);
        if (maxTransactionSize.toBytes() < maxRequestSize.toBytes()) {
            throw new IllegalArgumentException(
                    "fhir.server.max-transaction-size must be >= fhir.server.max-request-size");
        }
        resourceTypes = served(resourceTypes);
        if (maxPageSize < defaultPageSize) {
            throw new IllegalArgumentException("fhir.server.max-page-size must be >= fhir.server.default-page-size");
        }
    }

    /**
     * Not served even with {@code *}: a stored Subscription would have the server send data to a
     * URL of the subscriber's choosing, outside every request's authorization, consent and audit.
     */
    public static final Set<String> NEVER_SERVED = Set.of("Subscription");

    private static Set<String> served(Set<String> configured) {
        configured.stream().filter(NEVER_SERVED::contains).findFirst().ifPresent(type -> {
            throw new IllegalArgumentException("fhir.server.resource-types: " + type + " is never served");
        });
        if (!configured.contains("*")) {
            return Set.copyOf(configured);
        }
        Set<String> all = new java.util.TreeSet<>(
                ca.uhn.fhir.context.FhirContext.forR4Cached().getResourceTypes());
        all.removeAll(NEVER_SERVED);
        return Set.copyOf(all);
    }
}
