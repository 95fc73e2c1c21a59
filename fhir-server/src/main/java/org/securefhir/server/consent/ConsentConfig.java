package org.securefhir.server.consent;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.time.Clock;
import java.util.Optional;
import javax.sql.DataSource;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.IdType;
import org.securefhir.consent.CareRegistration;
import org.securefhir.consent.ConsentCategoryCodes;
import org.securefhir.consent.ConsentDirectives;
import org.securefhir.consent.ConsentEnforcement;
import org.securefhir.consent.ConsentEngine;
import org.securefhir.consent.ConsentSettings;
import org.securefhir.interceptors.authorization.AccessTokens;
import org.securefhir.interceptors.encryption.ResourceProtection;
import org.securefhir.interceptors.ownership.PatientOwnership;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Consent enforcement (docs/consent.md): the consent engine behind HAPI's consent interceptor,
 * node-local caches kept true by the change feed, break-glass declarations and their review, and
 * validation of Consents on every write.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ConsentProperties.class)
public class ConsentConfig {

    private static final Logger log = LoggerFactory.getLogger(ConsentConfig.class);

    @Bean
    ConsentDirectives consentDirectives(FhirContext fhir, ConsentProperties properties) {
        return new ConsentDirectives(fhir, new ConsentCategoryCodes(properties.categorySystem()));
    }

    @Bean(destroyMethod = "close")
    ConsentChangeFeed consentChangeFeed(DataSource dataSource, JdbcTemplate jdbc, ConsentProperties properties) {
        ConsentChangeFeed feed = new ConsentChangeFeed(dataSource, jdbc, Clock.systemUTC(), properties.maxStaleness());
        feed.start();
        return feed;
    }

    @Bean
    JdbcBreakGlass breakGlassStore(JdbcTemplate jdbc) {
        return new JdbcBreakGlass(jdbc, Clock.systemUTC());
    }

    /** Whom the SMART patient picker and EHR launches offer a user (treated patients for clinicians). */
    @Bean
    LaunchablePatients launchablePatients(
            ConsentProperties properties, DaoRegistry daos, ConsentDirectives parser, JdbcBreakGlass breakGlass) {
        return new LaunchablePatients(properties, new JpaConsentFacts(daos, parser, Clock.systemUTC()), breakGlass);
    }

    @Bean
    FhirConsent fhirConsent(
            ConsentProperties properties,
            AccessTokens tokens,
            ConsentDirectives parser,
            ConsentChangeFeed feed,
            JdbcBreakGlass breakGlass,
            DaoRegistry daos,
            FhirContext fhir,
            JdbcTemplate jdbc,
            PatientOwnership ownership,
            ResourceProtection protection) {
        BreakGlassOperations operations =
                new BreakGlassOperations(breakGlass, feed, tokens, daos, properties.breakGlassDuration());
        if (!properties.enabled()) {
            // only outside 'prod' (ProductionGuard); FhirInterceptors warns
            return new FhirConsent(null, null, new ConsentStorageInterceptor(parser, feed), operations);
        }
        JpaConsentFacts store = new JpaConsentFacts(daos, parser, Clock.systemUTC());
        JdbcConsentDirectives directives = new JdbcConsentDirectives(jdbc, fhir, parser, store);
        CachedConsentFacts facts = new CachedConsentFacts(
                directives, directives::all, store, breakGlass::unexpired, feed, properties.cacheSize());
        ConsentSettings settings = new ConsentSettings(
                properties.permittedByDefault(),
                properties.sensitiveLabels(),
                properties.clearances(),
                properties.treatmentRelationship(),
                properties.relationshipRoles(),
                properties.patientRoles(),
                properties.exemptRoles(),
                properties.exemptTypes());
        // contained resources are sealed at rest until the response is decrypted (after consent)
        ConsentEngine engine = new ConsentEngine(
                tokens,
                settings,
                facts,
                facts,
                facts,
                fhir,
                ownership,
                new JdbcLabelHistory(jdbc),
                protection::containedOf,
                Clock.systemUTC());
        return new FhirConsent(
                new ConsentEnforcement(
                        engine, new JdbcFoundResources(jdbc, fhir, ownership), (type, id) -> stored(daos, type, id)),
                new CareRegistration(engine),
                new ConsentStorageInterceptor(parser, feed),
                operations);
    }

    /** A stored resource, read as the system; empty when absent or deleted. */
    private static Optional<IBaseResource> stored(DaoRegistry daos, String type, String id) {
        if (!daos.isResourceTypeSupported(type)) {
            return Optional.empty();
        }
        try {
            return Optional.of(daos.getResourceDao(type).read(new IdType(type, id), new SystemRequestDetails()));
        } catch (ResourceNotFoundException | ResourceGoneException | InvalidRequestException e) {
            return Optional.empty();
        }
    }

    /**
     * The consent parts of the FHIR endpoint (interceptors registered by {@code FhirInterceptors}):
     * {@code enforcement} and {@code registration} are {@code null} only when
     * {@code consent.enabled=false} (benchmarks; refused in {@code prod}); the storage interceptor
     * (Consents validated as written, changes announced to every node) is always there.
     */
    public record FhirConsent(
            ConsentEnforcement enforcement,
            CareRegistration registration,
            ConsentStorageInterceptor storage,
            BreakGlassOperations operations) {

        public boolean enforced() {
            return enforcement != null;
        }
    }
}
