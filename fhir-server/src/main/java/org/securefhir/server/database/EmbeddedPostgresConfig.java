package org.securefhir.server.database;

import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.jdbc.DataSourceBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;

/**
 * Starts an embedded PostgreSQL whose data lives in {@code <data-dir>/postgres} when no
 * {@code spring.datasource.url} is configured. This is the developer and single-node default; a
 * hospital deployment points {@code SPRING_DATASOURCE_URL} at its managed PostgreSQL and this class
 * stays inactive. See {@code docs/adr/0002-embedded-postgresql-default.md}.
 */
@Configuration(proxyBeanMethods = false)
@Conditional(NoDatasourceUrlCondition.class)
public final class EmbeddedPostgresConfig {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresConfig.class);

    static final String DATABASE = "fhir";
    /**
     * The role the server logs in as: it owns the clinical, identity and key schemas and may only
     * append to the audit trail, whose tables belong to a role nobody logs in as. The superuser
     * connection is used at start-up only, to set up the roles and the audit schema.
     */
    static final String APP_ROLE = "fhir_app";

    @Bean(destroyMethod = "close")
    EmbeddedPostgres embeddedPostgres(EmbeddedDatabaseProperties properties) throws IOException, SQLException {
        // only outside 'prod': ProductionGuard refuses a configuration without spring.datasource.url
        Path directory = properties.dataDir().resolve("postgres").toAbsolutePath();
        Files.createDirectories(directory);
        OrphanedPostgres.stopIfRunning(directory, Duration.ofSeconds(30));
        EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                .setDataDirectory(directory)
                .setCleanDataDirectory(false)
                .setPort(properties.port())
                .setServerConfig("listen_addresses", "127.0.0.1")
                .setServerConfig("max_connections", "50")
                .setServerConfig("shared_buffers", "256MB")
                .setServerConfig("synchronous_commit", "on")
                .setServerConfig("fsync", "on")
                .setPGStartupWait(Duration.ofSeconds(60))
                // stopped by the context (this bean's close()) after everything that uses it: its own
                // JVM shutdown hook stopped it at SIGTERM while requests were still being served,
                // which broke them and kept graceful shutdown waiting (35 s)
                .setRegisterShutdownHook(false)
                .start();
        createDatabaseIfMissing(postgres);
        handOverToAppRole(postgres);
        log.info("Embedded PostgreSQL started on 127.0.0.1:{} with data in {}", postgres.getPort(), directory);
        return postgres;
    }

    @Bean
    @ConfigurationProperties("spring.datasource.hikari")
    HikariDataSource dataSource(EmbeddedPostgres postgres) {
        return DataSourceBuilder.create()
                .type(HikariDataSource.class)
                .url(postgres.getJdbcUrl(APP_ROLE, DATABASE))
                .username(APP_ROLE)
                .build();
    }

    /** The superuser of the embedded cluster, for schema set-up at start-up (the audit schema). */
    @Bean
    DatabaseAdministrator databaseAdministrator(EmbeddedPostgres postgres) {
        return new DatabaseAdministrator(postgres.getDatabase("postgres", DATABASE));
    }

    private static void createDatabaseIfMissing(EmbeddedPostgres postgres) throws SQLException {
        DataSource admin = postgres.getPostgresDatabase();
        try (Connection connection = admin.getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '" + APP_ROLE
                    + "') THEN CREATE ROLE " + APP_ROLE + " LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB; END IF; END $$");
            try (PreparedStatement exists =
                    connection.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
                exists.setString(1, DATABASE);
                try (ResultSet rows = exists.executeQuery()) {
                    if (rows.next()) {
                        statement.execute("ALTER DATABASE " + DATABASE + " OWNER TO " + APP_ROLE);
                        return;
                    }
                }
            }
            statement.execute(
                    "CREATE DATABASE " + DATABASE + " OWNER " + APP_ROLE + " ENCODING 'UTF8' TEMPLATE template0");
        }
    }

    /**
     * A data directory of an earlier version has everything owned by the superuser, which the
     * server logged in as: hand the server's own schemas to its role (the audit schema is set up,
     * and owned, apart).
     */
    private static void handOverToAppRole(EmbeddedPostgres postgres) throws SQLException {
        try (Connection connection = postgres.getDatabase("postgres", DATABASE).getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("""
                    DO $$
                    DECLARE r record;
                    BEGIN
                      FOR r IN SELECT n.nspname FROM pg_namespace n
                          WHERE n.nspowner = 'postgres'::regrole AND n.nspname NOT IN ('audit', 'public', 'information_schema')
                            AND n.nspname NOT LIKE 'pg\\_%' LOOP
                        EXECUTE format('ALTER SCHEMA %I OWNER TO %I', r.nspname, '{app}');
                      END LOOP;
                      FOR r IN SELECT c.oid::regclass AS name, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                          WHERE c.relowner = 'postgres'::regrole AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
                            AND n.nspname NOT IN ('audit', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
                          ORDER BY c.relkind = 'S' LOOP
                        IF r.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = r.name::oid AND d.deptype IN ('a', 'i')) THEN
                          CONTINUE; -- owned by a column: follows its table
                        END IF;
                        EXECUTE format('ALTER TABLE %s OWNER TO %I', r.name, '{app}');
                      END LOOP;
                      FOR r IN SELECT p.oid::regprocedure AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                          WHERE p.proowner = 'postgres'::regrole AND n.nspname NOT IN ('audit', 'information_schema')
                            AND n.nspname NOT LIKE 'pg\\_%' LOOP
                        EXECUTE format('ALTER ROUTINE %s OWNER TO %I', r.name, '{app}');
                      END LOOP;
                    END $$""".replace("{app}", APP_ROLE));
        }
    }
}
