package org.securefhir.server.audit;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.IPagingProvider;
import ca.uhn.fhir.rest.server.RestfulServer;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Optional;
import javax.crypto.SecretKey;
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
import org.securefhir.server.authorization.AuthorizationProperties;
import org.securefhir.server.encryption.EncryptionConfig.FhirEncryption;
import org.securefhir.server.security.RejectedRequests;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.env.Profiles;
import org.springframework.jdbc.core.JdbcTemplate;
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
            AuditProperties properties,
            Environment environment,
            SecureRandom random,
            @Value("${fhir.data-dir:data}") Path dataDir) {
        boolean production = environment.acceptsProfiles(Profiles.of("prod"));
        if (production && !properties.enabled()) {
            throw new IllegalStateException("audit.enabled=false is refused in the 'prod' profile");
        }
        SecretKey key;
        if (!properties.checkpointKeyBase64().isBlank()) {
            key = SecretKeys.fromBase64(properties.checkpointKeyBase64());
        } else if (production) {
            throw new IllegalStateException("The 'prod' profile requires audit.checkpoint-key-base64");
        } else {
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
            Clock clock) {
        return new AuditPipeline(jdbc, transactions, chain, properties, nodeId(properties), clock);
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
                new AuditInterceptor(records, store),
                new AuditEventProvider(trail),
                new AuditOperations(trail, new AuditChainVerifier(jdbc, chain)),
                trail,
                records,
                store);
    }

    /** The audit parts of the FHIR endpoint, registered on it in one call. */
    public record FhirAudit(
            boolean enabled,
            AuditInterceptor interceptor,
            AuditEventProvider provider,
            AuditOperations operations,
            AuditTrail trail,
            AuditRecords records,
            AuditSink store) {

        public void registerOn(RestfulServer server) {
            server.registerProvider(provider);
            server.registerProvider(operations);
            if (enabled) {
                server.registerInterceptor(interceptor);
            } else {
                log.warn("audit.enabled=false: FHIR REQUESTS ARE NOT AUDITED (benchmarks only)");
            }
        }

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
