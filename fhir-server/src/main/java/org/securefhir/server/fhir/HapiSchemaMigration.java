package org.securefhir.server.fhir;

import ca.uhn.fhir.jpa.migrate.DriverTypeEnum;
import ca.uhn.fhir.jpa.migrate.HapiMigrationStorageSvc;
import ca.uhn.fhir.jpa.migrate.MigrationResult;
import ca.uhn.fhir.jpa.migrate.MigrationTaskList;
import ca.uhn.fhir.jpa.migrate.SchemaMigrator;
import ca.uhn.fhir.jpa.migrate.dao.HapiMigrationDao;
import ca.uhn.fhir.jpa.migrate.tasks.HapiFhirJpaMigrationTasks;
import ca.uhn.fhir.util.VersionEnum;
import java.util.Properties;
import java.util.Set;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates or upgrades HAPI FHIR's database schema with HAPI's own versioned migration tasks, the
 * supported upgrade path between HAPI releases. A fresh database gets the complete schema of this
 * HAPI version in one step; an existing one gets only the tasks it has not run yet, recorded in
 * {@value #MIGRATION_TABLE}. Run first of every schema's migrations by {@code DatabaseSchemas},
 * under its start-up lock: HAPI's own lock in that table does not keep two nodes from racing to
 * create the table itself (ADR 0008). See {@code docs/adr/0004-schema-migration.md}.
 */
final class HapiSchemaMigration {

    static final String MIGRATION_TABLE = "FLY_HFJ_MIGRATION";

    private static final Logger log = LoggerFactory.getLogger(HapiSchemaMigration.class);

    private HapiSchemaMigration() {}

    static void migrate(DataSource dataSource) {
        DriverTypeEnum driver = DriverTypeEnum.POSTGRES_9_4;
        MigrationTaskList tasks = new HapiFhirJpaMigrationTasks(Set.of()).getAllTasks(VersionEnum.values());
        HapiMigrationStorageSvc storage =
                new HapiMigrationStorageSvc(new HapiMigrationDao(dataSource, driver, MIGRATION_TABLE));
        SchemaMigrator migrator =
                new SchemaMigrator("HAPI FHIR", MIGRATION_TABLE, dataSource, new Properties(), tasks, storage);
        migrator.setDriverType(driver);
        migrator.createMigrationTableIfRequired();
        MigrationResult result = migrator.migrate();
        if (!result.failedTasks.isEmpty()) {
            throw new IllegalStateException(
                    "HAPI FHIR schema migration failed: " + result.failedTasks.size() + " task(s) failed");
        }
        log.info(
                "HAPI FHIR schema is current ({} migration task(s) run, {} change(s))",
                result.succeededTasks.size(),
                result.changes);
    }
}
