package org.securefhir.server.database;

import java.util.Map;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * One database schema's versioned migrations, contributed by the safeguard that owns the schema and
 * run by {@link DatabaseSchemas} with all the others, in the order of {@link #order}, before anything
 * reads or writes the database. Each schema has a history of its own; nothing creates a schema
 * object at run time.
 *
 * @param order when it runs among the others (the constants below: every schema of the server)
 * @param schema the schema it owns (for the log)
 * @param migrate brings the schema to this release's version; idempotent
 */
public record SchemaMigration(int order, String schema, Runnable migrate) {

    /** HAPI FHIR's tables ({@code public}, HAPI's own migration tasks, ADR 0004): first, others read them. */
    public static final int HAPI = 0;
    /** The authorization server's users, clients, tokens and keys ({@code smart_auth}). */
    public static final int SMART_AUTH = 1;
    /** Data keys, erasures and rotation runs ({@code encryption}). */
    public static final int ENCRYPTION = 2;
    /** Break-glass declarations and the search-facts function over HAPI's indexes ({@code consent}). */
    public static final int CONSENT = 3;
    /** Paging links bound to their owner ({@code access_control}). */
    public static final int ACCESS_CONTROL = 4;
    /** The audit trail, owned by a role nobody logs in as ({@code audit}, ADR 0006). */
    public static final int AUDIT = 5;
    /** Bulk Data exports and their sealed files ({@code bulk_export}). */
    public static final int BULK_EXPORT = 6;

    /**
     * Flyway migrations of {@code classpath:db/<schema>} in schema {@code schema}, with its history
     * table there. A schema made before its migrations existed (by run-time DDL of an earlier
     * release) is baselined at version 0 and its version-1 script, written to be idempotent, run
     * over it.
     */
    public static SchemaMigration flyway(
            int order, String schema, DataSource dataSource, Map<String, String> placeholders) {
        return new SchemaMigration(
                order,
                schema,
                () -> Flyway.configure()
                        .dataSource(dataSource)
                        .schemas(schema)
                        .defaultSchema(schema)
                        .createSchemas(true)
                        .locations("classpath:db/" + schema)
                        .table("flyway_schema_history")
                        .failOnMissingLocations(true)
                        .baselineOnMigrate(true)
                        .baselineVersion("0")
                        .placeholders(placeholders)
                        .load()
                        .migrate());
    }
}
