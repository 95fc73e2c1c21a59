package org.securefhir.server.database;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Embedded PostgreSQL settings ({@code fhir.embedded-db.*}), used only when no
 * {@code spring.datasource.url} is configured.
 *
 * @param dataDir the server's state directory; the cluster lives in {@code <data-dir>/postgres}
 * @param port TCP port on 127.0.0.1; 0 picks a free one
 */
@Validated
@ConfigurationProperties("fhir.embedded-db")
public record EmbeddedDatabaseProperties(
        @DefaultValue("data") @NotNull Path dataDir,
        @DefaultValue("0") @Min(0) @Max(65535) int port) {}
