package org.securefhir.server.fhir;

import ca.uhn.fhir.batch2.jobs.config.Batch2JobsConfig;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.config.ThreadPoolFactoryConfig;
import ca.uhn.fhir.jpa.batch2.JpaBatch2Config;
import ca.uhn.fhir.jpa.config.r4.JpaR4Config;
import ca.uhn.fhir.jpa.config.util.HapiEntityManagerFactoryUtil;
import ca.uhn.fhir.jpa.model.config.PartitionSettings;
import ca.uhn.fhir.jpa.model.dialect.HapiFhirPostgresDialect;
import ca.uhn.fhir.jpa.subscription.channel.config.SubscriptionChannelConfig;
import jakarta.persistence.EntityManagerFactory;
import java.util.Properties;
import javax.sql.DataSource;
import org.securefhir.server.database.DatabaseSchemas;
import org.securefhir.server.database.SchemaMigration;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.orm.jpa.LocalContainerEntityManagerFactoryBean;
import org.springframework.transaction.annotation.EnableTransactionManagement;

/**
 * Wires HAPI FHIR's JPA storage (R4) onto the application's {@link DataSource}.
 *
 * <p>HAPI's own configuration classes are imported as they are; this class supplies only what
 * they expect the host application to decide: storage settings, the entity manager factory and the
 * transaction manager. Anything that is dangerous without authorization (expunge, delete-expunge,
 * multiple delete, external references) stays off.
 */
@Configuration(proxyBeanMethods = false)
@EnableTransactionManagement
@Import({
    JpaR4Config.class,
    ca.uhn.fhir.jpa.config.HapiJpaConfig.class,
    ThreadPoolFactoryConfig.class,
    JpaBatch2Config.class,
    SubscriptionChannelConfig.class,
    Batch2JobsConfig.class
})
public final class FhirStorageConfig {

    /** Static: a registry post-processor runs before this configuration class is instantiated. */
    @Bean
    static UnservedResourceTypeBeans unservedResourceTypeBeans() {
        return new UnservedResourceTypeBeans();
    }

    @Bean
    JpaStorageSettings jpaStorageSettings(FhirServerProperties properties) {
        JpaStorageSettings settings = new JpaStorageSettings();
        // Random (UUID) ids: not enumerable, and known before a resource is stored, so that a new
        // Patient is encrypted under its own data key (field encryption, crypto-shredding).
        settings.setResourceServerIdStrategy(JpaStorageSettings.IdStrategyEnum.UUID);
        // Server-assigned ids being UUIDs, a client's id can never collide with one: any valid id
        // is kept as the client chose it (an EHR's numeric ids, the HL7 examples' Organization/1).
        settings.setResourceClientIdStrategy(JpaStorageSettings.ClientIdStrategyEnum.ANY);
        settings.setExpungeEnabled(false);
        settings.setDeleteExpungeEnabled(false);
        settings.setAllowMultipleDelete(false);
        settings.setAllowExternalReferences(false);
        settings.setAllowContainsSearches(false);
        settings.setAutoCreatePlaceholderReferenceTargets(false);
        settings.setEnforceReferentialIntegrityOnWrite(true);
        settings.setEnforceReferentialIntegrityOnDelete(true);
        settings.setIndexMissingFields(JpaStorageSettings.IndexEnabledEnum.DISABLED);
        settings.setHibernateSearchIndexSearchParams(false);
        settings.setHibernateSearchIndexFullText(false);
        settings.setStoreResourceInHSearchIndex(false);
        settings.setFetchSizeDefaultMaximum(properties.maxPageSize());
        settings.setReuseCachedSearchResultsForMillis(
                properties.reuseCachedSearchResultsMillis() == 0 ? null : properties.reuseCachedSearchResultsMillis());
        return settings;
    }

    @Bean
    PartitionSettings partitionSettings() {
        return new PartitionSettings();
    }

    /** HAPI's own migration tasks (ADR 0004), unless a DBA runs them ({@code fhir.server.schema-migration=false}). */
    @Bean
    SchemaMigration hapiSchemaMigration(DataSource dataSource, FhirServerProperties properties) {
        return new SchemaMigration(SchemaMigration.HAPI, "public (HAPI FHIR)", () -> {
            if (properties.schemaMigration()) {
                HapiSchemaMigration.migrate(dataSource);
            }
        });
    }

    @Bean
    @Primary
    LocalContainerEntityManagerFactoryBean entityManagerFactory(
            DataSource dataSource,
            ConfigurableListableBeanFactory beanFactory,
            FhirContext fhirContext,
            JpaStorageSettings storageSettings,
            DatabaseSchemas schemas) {
        // Hibernate must find the schema current: the entity manager exists only after the migrations.
        LocalContainerEntityManagerFactoryBean factory =
                HapiEntityManagerFactoryUtil.newEntityManagerFactory(beanFactory, fhirContext, storageSettings);
        factory.setPersistenceUnitName("HAPI_PU");
        factory.setDataSource(dataSource);
        factory.setJpaProperties(hibernateProperties());
        return factory;
    }

    private static Properties hibernateProperties() {
        Properties jpa = new Properties();
        jpa.put("hibernate.dialect", HapiFhirPostgresDialect.class.getName());
        // The dialect is fixed: skip reading JDBC metadata while Hibernate boots.
        jpa.put("hibernate.boot.allow_jdbc_metadata_access", "false");
        // The schema belongs to HAPI's versioned migrations (HapiSchemaMigration), never to Hibernate.
        jpa.put("hibernate.hbm2ddl.auto", "none");
        // No Hibernate Search / Lucene: it multiplies write latency and is not used.
        jpa.put("hibernate.search.enabled", "false");
        jpa.put("hibernate.format_sql", "false");
        jpa.put("hibernate.show_sql", "false");
        jpa.put("hibernate.jdbc.batch_size", "30");
        jpa.put("hibernate.order_inserts", "true");
        jpa.put("hibernate.order_updates", "true");
        jpa.put("hibernate.cache.use_query_cache", "false");
        jpa.put("hibernate.cache.use_second_level_cache", "false");
        jpa.put("hibernate.cache.use_structured_entries", "false");
        jpa.put("hibernate.cache.use_minimal_puts", "false");
        return jpa;
    }

    @Bean
    @Primary
    JpaTransactionManager transactionManager(EntityManagerFactory entityManagerFactory) {
        return new JpaTransactionManager(entityManagerFactory);
    }
}
