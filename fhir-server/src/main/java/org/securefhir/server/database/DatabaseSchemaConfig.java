package org.securefhir.server.database;

import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.securefhir.auth.config.SmartAuthConfig.SmartAuthSchemaReady;
import org.securefhir.auth.schema.SmartAuthSchema;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The one place the database's schemas are brought up to date: each safeguard contributes a
 * {@link SchemaMigration} bean for the schema it owns (those with nothing but a data source to
 * configure are declared here), {@link DatabaseSchemas} runs them all under the start-up lock, and
 * the {@code JdbcTemplate} every component uses exists only after that.
 */
@Configuration(proxyBeanMethods = false)
public class DatabaseSchemaConfig {

    @Bean(destroyMethod = "close")
    DatabaseSchemas databaseSchemas(DataSource dataSource, List<SchemaMigration> migrations) {
        return DatabaseSchemas.migrate(dataSource, migrations);
    }

    /**
     * The start-up lock is released when the node accepts traffic: after every listener of the
     * ready event (demo data among them) has run.
     */
    @Bean
    ApplicationListener<AvailabilityChangeEvent<ReadinessState>> releaseStartupLock(DatabaseSchemas schemas) {
        return event -> {
            if (event.getState() == ReadinessState.ACCEPTING_TRAFFIC) {
                schemas.releaseStartupLock();
            }
        };
    }

    /** Spring Boot's own would not wait for the migrations. */
    @Bean
    JdbcTemplate jdbcTemplate(DataSource dataSource, DatabaseSchemas schemas) {
        return new JdbcTemplate(dataSource);
    }

    @Bean
    SchemaMigration smartAuthSchemaMigration(DataSource dataSource) {
        return new SchemaMigration(
                SchemaMigration.SMART_AUTH, SmartAuthSchema.SCHEMA, () -> SmartAuthSchema.migrate(dataSource));
    }

    @Bean
    SmartAuthSchemaReady smartAuthSchemaReady(DatabaseSchemas schemas) {
        return new SmartAuthSchemaReady();
    }

    @Bean
    SchemaMigration encryptionSchemaMigration(DataSource dataSource) {
        return SchemaMigration.flyway(SchemaMigration.ENCRYPTION, "encryption", dataSource, Map.of());
    }

    @Bean
    SchemaMigration consentSchemaMigration(DataSource dataSource) {
        return SchemaMigration.flyway(SchemaMigration.CONSENT, "consent", dataSource, Map.of());
    }

    @Bean
    SchemaMigration accessControlSchemaMigration(DataSource dataSource) {
        return SchemaMigration.flyway(SchemaMigration.ACCESS_CONTROL, "access_control", dataSource, Map.of());
    }

    @Bean
    SchemaMigration bulkExportSchemaMigration(DataSource dataSource) {
        return SchemaMigration.flyway(SchemaMigration.BULK_EXPORT, "bulk_export", dataSource, Map.of());
    }
}
