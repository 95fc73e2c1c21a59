package org.securefhir.server.encryption;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.SecretKey;
import javax.sql.DataSource;
import org.securefhir.auth.keys.SecretKeys;
import org.securefhir.interceptors.audit.QueryProtection;
import org.securefhir.interceptors.encryption.BlindIndex;
import org.securefhir.interceptors.encryption.BlindSearch;
import org.securefhir.interceptors.encryption.EncryptedFields;
import org.securefhir.interceptors.encryption.EncryptionInterceptor;
import org.securefhir.interceptors.encryption.EncryptionStorageInterceptor;
import org.securefhir.interceptors.encryption.ResourceProtection;
import org.securefhir.interceptors.encryption.SearchProtection;
import org.securefhir.interceptors.ownership.PatientOwnership;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/** Field-level encryption of PHI at rest: keys, the interceptors, and what the endpoint serves of it. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(EncryptionProperties.class)
public class EncryptionConfig {

    private static final Logger log = LoggerFactory.getLogger(EncryptionConfig.class);

    @Bean
    KeyProvider keyProvider(
            EncryptionProperties properties, SecureRandom random, @Value("${fhir.data-dir:data}") Path dataDir) {
        Map<String, SecretKey> keys = new TreeMap<>(LocalKeyProvider.configured(properties));
        if (keys.isEmpty() && properties.keyStore() != null) {
            throw new IllegalStateException("crypto.key-store holds no secret key (docs/encryption.md)");
        }
        if (keys.isEmpty()) {
            // only outside 'prod': ProductionGuard refuses a configuration without a key
            Path file = dataDir.resolve("keys").resolve("encryption-kek-1.key");
            log.warn(
                    "No key-encryption key configured: using the generated DEVELOPMENT key {} (refused in prod)", file);
            keys.put("1", SecretKeys.developmentKey(file, random));
        }
        return new LocalKeyProvider(keys, properties.currentKeyVersion());
    }

    @Bean(destroyMethod = "close")
    KeyCreationConnections keyCreationConnections(DataSource dataSource) {
        return KeyCreationConnections.like(dataSource);
    }

    @Bean
    JdbcDataKeys dataKeys(
            JdbcTemplate jdbc,
            KeyCreationConnections creation,
            KeyProvider provider,
            SecureRandom random,
            Clock clock,
            EncryptionProperties properties) {
        return new JdbcDataKeys(
                jdbc, creation.jdbc(), provider, random, clock, Duration.ofSeconds(properties.keyCacheSeconds()));
    }

    @Bean
    BlindIndexSearchParameter blindIndexSearchParameter(
            DaoRegistry daos, ISearchParamRegistry registry, EncryptionProperties properties) {
        return new BlindIndexSearchParameter(daos, registry, properties);
    }

    @Bean
    EncryptedFields encryptedFields(EncryptionProperties properties, FhirContext fhir) {
        return EncryptedFields.of(fhir, properties.fields(), properties.narrative());
    }

    @Bean
    BlindIndex blindIndex(JdbcDataKeys keys) {
        return new BlindIndex(keys.blindIndexKey());
    }

    @Bean
    ResourceProtection resourceProtection(
            FhirContext fhir, PatientOwnership ownership, EncryptedFields fields, BlindIndex index, JdbcDataKeys keys) {
        return new ResourceProtection(fhir, ownership, fields, index, keys);
    }

    @Bean(destroyMethod = "close")
    KeyRotation keyRotation(
            JdbcTemplate jdbc,
            TransactionTemplate transactions,
            JdbcDataKeys keys,
            EncryptionProperties properties,
            Clock clock) {
        return new KeyRotation(jdbc, transactions, keys, Duration.ofSeconds(properties.keyCacheSeconds()), clock);
    }

    /** Resumes (or starts, after a new key-encryption key version) the re-encryption when ready. */
    @Bean
    ApplicationListener<ApplicationReadyEvent> keyRotationAtStartUp(
            KeyRotation rotation, EncryptionProperties properties) {
        return event -> {
            if (properties.enabled()) {
                rotation.resumeIfNeeded();
            }
        };
    }

    /** Static: a post-processor is created before the other beans of this class. */
    @Bean
    static PatchBaseDecryption patchBaseDecryption(ObjectProvider<ResourceProtection> protection) {
        return new PatchBaseDecryption(protection);
    }

    /** What the FHIR endpoint and the audit trail need of field encryption. */
    @Bean
    FhirEncryption fhirEncryption(
            EncryptionProperties properties,
            FhirContext fhir,
            EncryptedFields fields,
            BlindIndex index,
            ResourceProtection protection,
            JdbcDataKeys keys,
            JdbcTemplate jdbc,
            TransactionTemplate transactions,
            KeyRotation rotation,
            KeyProvider provider) {
        SearchProtection searches = new SearchProtection(new BlindSearch(fhir, fields, index));
        FhirEncryption encryption = new FhirEncryption(
                properties.enabled(),
                new EncryptionInterceptor(protection, searches),
                new EncryptionStorageInterceptor(protection),
                protection,
                searches,
                new KeyErasureOperation(keys, jdbc, transactions),
                new EncryptionOperations(rotation, provider));
        return encryption;
    }

    /**
     * The encryption parts of the FHIR endpoint (interceptors registered by {@code FhirInterceptors}
     * only when {@code enabled}; {@code crypto.enabled=false} is for benchmarks, refused in
     * {@code prod}).
     */
    public record FhirEncryption(
            boolean enabled,
            EncryptionInterceptor interceptor,
            EncryptionStorageInterceptor storage,
            ResourceProtection protection,
            SearchProtection searches,
            KeyErasureOperation erasure,
            EncryptionOperations operations) {

        /** The parameters of a search made inside the server (not through the endpoint). */
        public Map<String, String[]> searchParameters(String resourceType, Map<String, String[]> parameters) {
            return enabled ? searches.rewrite(resourceType, parameters) : parameters;
        }

        /** Decrypts a resource loaded inside the server, for a caller allowed to see it. */
        public void open(org.hl7.fhir.instance.model.api.IBaseResource resource) {
            if (enabled) {
                protection.openAllOrFail(resource);
            }
        }

        /** What the audit trail may keep of searches. */
        public QueryProtection queryProtection() {
            if (!enabled) {
                return QueryProtection.NONE;
            }
            return new QueryProtection() {
                @Override
                public Map<String, String[]> parameters(String resourceType, Map<String, String[]> parameters) {
                    return searches.forRecords(resourceType, parameters);
                }

                @Override
                public String query(String resourceType, String query) {
                    return searches.forRecords(resourceType, query);
                }
            };
        }
    }
}
