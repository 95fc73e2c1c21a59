package org.securefhir.server.audit;

import java.time.Duration;
import java.time.LocalTime;
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
 * @param retention how long records are kept (HIPAA: six years); older ones are purged daily, as
 *     a prefix of each chain, and the purge is audited; {@code 0} keeps everything. Where the
 *     server sets up the audit schema itself, this is also the minimum age below which the
 *     database's purge function refuses to remove a record
 * @param schemaAdmin a database role that may create roles and schemas, for setting up the audit
 *     schema at start-up on an external database; empty = the schema is set up by a DBA with
 *     the scripts of {@code db/audit} (docs/audit.md). Never the server's own login role
 */
@ConfigurationProperties("audit")
public record AuditProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("") String nodeId,
        @DefaultValue("") String checkpointKeyBase64,
        @DefaultValue("5s") Duration commitTimeout,
        @DefaultValue("2190d") Duration retention,
        @DefaultValue Alerts alerts,
        @DefaultValue Forward forward,
        @DefaultValue SchemaAdmin schemaAdmin) {

    /** Credentials of the audit schema's administrator ({@code audit.schema-admin.*}). */
    public record SchemaAdmin(
            @DefaultValue("") String username,
            @DefaultValue("") String password) {

        @Override
        public String toString() {
            return "SchemaAdmin[username=" + username + ", password=" + (password.isEmpty() ? "" : "***") + "]";
        }
    }

    /**
     * Alert rules ({@code audit.alerts.*}).
     *
     * @param webhookUrl an https URL that gets every alert as JSON; empty = none
     */
    public record Alerts(
            @DefaultValue("50") int maxPatientsPerHour,
            @DefaultValue("10") int maxDenialsPerTenMinutes,
            @DefaultValue("20") int maxPatientsAfterHours,
            @DefaultValue("07:00") LocalTime workdayStart,
            @DefaultValue("19:00") LocalTime workdayEnd,
            @DefaultValue("UTC") String zone,
            @DefaultValue("") String webhookUrl) {}

    /**
     * Forwarding to a SIEM ({@code audit.forward.*}), from the durable store.
     *
     * @param syslog {@code host:port} of an RFC 5424 syslog receiver over TCP; empty = none
     * @param syslogTls whether that connection uses TLS (RFC 5425), trusted by the JDK's CAs
     * @param file a file to append JSON lines to; empty = none
     */
    public record Forward(
            @DefaultValue("") String syslog,
            @DefaultValue("true") boolean syslogTls,
            @DefaultValue("") String file) {}
}
