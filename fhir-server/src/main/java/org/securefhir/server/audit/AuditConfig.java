package org.securefhir.server.audit;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.IPagingProvider;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import javax.crypto.SecretKey;
import javax.sql.DataSource;
import org.securefhir.auth.event.SecurityEventStore;
import org.securefhir.auth.keys.SecretKeys;
import org.securefhir.interceptors.audit.AuditInterceptor;
import org.securefhir.interceptors.audit.AuditRecords;
import org.securefhir.interceptors.audit.AuditSink;
import org.securefhir.interceptors.audit.AuditUnavailableException;
import org.securefhir.interceptors.authorization.Interaction;
import org.securefhir.interceptors.authorization.Permissions;
import org.securefhir.interceptors.authorization.RequestPermissions;
import org.securefhir.interceptors.ownership.PatientOwnership;
import org.securefhir.server.ProductionGuard;
import org.securefhir.server.authorization.AuthorizationProperties;
import org.securefhir.server.database.DatabaseAdministrator;
import org.securefhir.server.database.SchemaMigration;
import org.securefhir.server.encryption.EncryptionConfig.FhirEncryption;
import org.securefhir.server.identity.RejectedRequests;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The audit trail: its store (schema {@code audit}), the interceptor that records every FHIR
 * interaction, the AuditEvent API and operations, and the authorization server's security events.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(AuditProperties.class)
public class AuditConfig {

    private static final Logger log = LoggerFactory.getLogger(AuditConfig.class);

    @Bean
    AuditChain auditChain(
            AuditProperties properties, SecureRandom random, @Value("${fhir.data-dir:data}") Path dataDir) {
        SecretKey key;
        if (!properties.checkpointKeyBase64().isBlank()) {
            key = SecretKeys.fromBase64(properties.checkpointKeyBase64());
        } else { // only outside 'prod' (ProductionGuard)
            key = SecretKeys.developmentKey(dataDir.resolve("keys").resolve("audit-checkpoint.key"), random);
        }
        return new AuditChain(key);
    }

    @Bean(destroyMethod = "close")
    AuditPipeline auditPipeline(
            JdbcTemplate jdbc,
            TransactionTemplate transactions,
            AuditChain chain,
            AuditProperties properties,
            Environment environment,
            Clock clock) {
        checkSchema(jdbc, environment);
        return new AuditPipeline(jdbc, transactions, chain, properties, nodeId(properties), clock);
    }

    /**
     * The audit schema's migrations, run with an administrator's connection where the server has
     * one (the embedded superuser, {@code audit.schema-admin.*}, or its own login role only if that
     * is a superuser outside {@code prod}); otherwise a DBA runs them and {@link #checkSchema} says
     * whether they did.
     */
    @Bean
    SchemaMigration auditSchemaMigration(
            DataSource dataSource,
            ObjectProvider<DatabaseAdministrator> administrator,
            AuditProperties properties,
            @Value("${spring.datasource.url:}") String url) {
        return new SchemaMigration(SchemaMigration.AUDIT, "audit", () -> {
            JdbcTemplate app = new JdbcTemplate(dataSource);
            String appRole = AuditSchema.currentRole(app);
            DataSource admin;
            if (administrator.getIfAvailable() != null) {
                admin = administrator.getIfAvailable().dataSource();
            } else if (!properties.schemaAdmin().username().isBlank()) {
                admin = new DriverManagerDataSource(
                        url,
                        properties.schemaAdmin().username(),
                        properties.schemaAdmin().password());
            } else if (AuditSchema.isSuperuser(app)) {
                admin = dataSource;
            } else {
                log.info(
                        "No administrator connection: the audit schema is expected to be set up by a DBA (docs/audit.md)");
                return;
            }
            AuditSchema.migration(admin, appRole, properties.retention())
                    .migrate()
                    .run();
        });
    }

    /**
     * Refuses to start if the server's login role could remove or rewrite audit records (or the
     * schema is missing or old); {@code prod} refuses a superuser login outright.
     */
    private static void checkSchema(JdbcTemplate jdbc, Environment environment) {
        boolean superuser = AuditSchema.isSuperuser(jdbc);
        ProductionGuard.refuseSuperuserLogin(environment, superuser);
        if (superuser) {
            log.warn("The server logs in to the database as a superuser, which could remove audit records;"
                    + " 'prod' refuses this (docs/audit.md)");
            return;
        }
        List<String> problems = AuditSchema.problems(jdbc);
        if (!problems.isEmpty()) {
            throw new IllegalStateException("The audit trail is not protected from the server's own database role: "
                    + String.join("; ", problems)
                    + ". Run the scripts of db/audit as an administrator or set audit.schema-admin.* (docs/audit.md)");
        }
    }

    @Bean
    AuditTrail auditTrail(JdbcTemplate jdbc, RequestPermissions permissions) {
        return new AuditTrail(jdbc, () -> {
            Permissions viewer = permissions.current();
            if (viewer.allowsUnrestricted("AuditEvent", Interaction.SEARCH)) {
                return Optional.empty(); // an auditor: the whole record
            }
            return Optional.of(viewer.onlyCompartment().orElse(""));
        });
    }

    @Bean
    SecurityEventStore auditSecurityEvents(AuditPipeline store, AuditProperties properties) {
        return new AuditSecurityEvents(store, nodeId(properties));
    }

    /** What the FHIR endpoint needs of the audit trail. */
    @Bean
    FhirAudit fhirAudit(
            AuditPipeline store,
            AuditTrail trail,
            AuditChain chain,
            JdbcTemplate jdbc,
            FhirContext fhir,
            AuditProperties properties,
            AuthorizationProperties authorization,
            FhirEncryption encryption,
            PatientOwnership ownership,
            Clock clock) {
        AuditRecords records = new AuditRecords(
                fhir,
                ownership,
                new JwtAuditAgents(authorization.rolesClaim()),
                nodeId(properties),
                clock,
                encryption.queryProtection());
        return new FhirAudit(
                properties.enabled(),
                new AuditInterceptor(records, store, store.intents()),
                new AuditEventProvider(trail),
                new AuditOperations(trail, new AuditChainVerifier(jdbc, chain, store::liveHead)),
                trail,
                records,
                store);
    }

    /**
     * The audit parts of the FHIR endpoint (the interceptor registered by {@code FhirInterceptors},
     * only when {@code enabled}; {@code audit.enabled=false} is for benchmarks, refused in {@code prod}).
     */
    public record FhirAudit(
            boolean enabled,
            AuditInterceptor interceptor,
            AuditEventProvider provider,
            AuditOperations operations,
            AuditTrail trail,
            AuditRecords records,
            AuditSink store) {

        public IPagingProvider paging(IPagingProvider delegate) {
            return new AuditPagingProvider(delegate, trail);
        }
    }

    /** Every 401 of the FHIR API into the audit trail (logged, not failed, if the store is down). */
    @Bean
    RejectedRequests auditedRejections(FhirAudit audit) {
        return (request, reason) -> {
            if (!audit.enabled()) {
                return;
            }
            String path =
                    request.getRequestURI().substring(request.getContextPath().length());
            path = path.startsWith("/fhir") ? path.substring("/fhir".length()) : path;
            try {
                audit.store()
                        .append(audit.records()
                                .unauthenticated(
                                        request.getMethod(),
                                        path,
                                        request.getQueryString(),
                                        request.getRemoteAddr(),
                                        request.getHeader("User-Agent"),
                                        reason));
            } catch (AuditUnavailableException e) {
                log.error("Audit record of a refused request could not be committed");
            }
        };
    }

    static String nodeId(AuditProperties properties) {
        if (!properties.nodeId().isBlank()) {
            return properties.nodeId();
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "node";
        }
    }
}
