package org.securefhir.auth.schema;

import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * Creates and upgrades smart-auth's own tables, in schema {@value #SCHEMA}, with versioned Flyway
 * migrations from {@code classpath:db/smart-auth}. Kept apart from HAPI FHIR's tables so that each
 * can be migrated, backed up and permissioned on its own.
 */
public final class SmartAuthSchema {

    public static final String SCHEMA = "smart_auth";

    private SmartAuthSchema() {}

    public static void migrate(DataSource dataSource) {
        Flyway.configure()
                .dataSource(dataSource)
                .schemas(SCHEMA)
                .defaultSchema(SCHEMA)
                .createSchemas(true)
                .locations("classpath:db/smart-auth")
                .table("flyway_schema_history")
                .failOnMissingLocations(true)
                .load()
                .migrate();
    }
}
