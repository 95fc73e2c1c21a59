package org.securefhir.server.audit;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the audit trail ({@code audit.*}).
 *
 * @param enabled {@code false} only to measure what auditing costs (bench/); refused in {@code prod}
 * @param nodeId this node's name in the audit trail (one hash chain per node); empty = host name
 * @param checkpointKeyBase64 the 256-bit key that signs chain checkpoints; required in {@code prod},
 *     otherwise a generated development key under {@code <data-dir>/keys}
 * @param commitTimeout how long a request waits for its audit record to commit before it fails
 *     closed with 503
 */
@ConfigurationProperties("audit")
public record AuditProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("") String nodeId,
        @DefaultValue("") String checkpointKeyBase64,
        @DefaultValue("5s") Duration commitTimeout) {}
