package org.securefhir.server.export;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Bulk Data export ({@code fhir.bulk-export.*}).
 *
 * @param fileLifetime how long a finished export's files may be downloaded; then they are deleted
 *     with their key
 * @param maxDuration an export still running after this long fails (its token's authority does not
 *     last for ever)
 * @param resourcesPerFile the most resources in one NDJSON file (a type with more gets several)
 * @param maxRunningPerClient how many exports one client may have running (429 beyond)
 * @param workers exports run at the same time on this node
 * @param retryAfter what the status answer asks the client to wait before polling again
 */
@Validated
@ConfigurationProperties("fhir.bulk-export")
public record BulkExportProperties(
        @DefaultValue("1h") @NotNull Duration fileLifetime,
        @DefaultValue("1h") @NotNull Duration maxDuration,
        @DefaultValue("10000") @Min(1) @Max(1_000_000) int resourcesPerFile,
        @DefaultValue("2") @Min(1) @Max(100) int maxRunningPerClient,
        @DefaultValue("2") @Min(1) @Max(32) int workers,
        @DefaultValue("2s") @NotNull Duration retryAfter) {

    public BulkExportProperties {
        if (fileLifetime.isNegative() || fileLifetime.isZero()) {
            throw new IllegalArgumentException("fhir.bulk-export.file-lifetime must be positive");
        }
        if (maxDuration.isNegative() || maxDuration.isZero()) {
            throw new IllegalArgumentException("fhir.bulk-export.max-duration must be positive");
        }
    }
}
