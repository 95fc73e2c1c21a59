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
import org.springframework.core.env.Environment;
import org.springframework.core.env.Profiles;

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

    @Bean(destroyMethod = "close")
    EmbeddedPostgres embeddedPostgres(EmbeddedDatabaseProperties properties, Environment environment)
            throws IOException, SQLException {
        if (environment.acceptsProfiles(Profiles.of("prod"))) {
            throw new IllegalStateException(
                    "The 'prod' profile requires an external PostgreSQL: set SPRING_DATASOURCE_URL (and credentials)");
        }
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
        log.info("Embedded PostgreSQL started on 127.0.0.1:{} with data in {}", postgres.getPort(), directory);
        return postgres;
    }

    @Bean
    @ConfigurationProperties("spring.datasource.hikari")
    HikariDataSource dataSource(EmbeddedPostgres postgres) {
        return DataSourceBuilder.create()
                .type(HikariDataSource.class)
                .url(postgres.getJdbcUrl("postgres", DATABASE))
                .username("postgres")
                .build();
    }

    private static void createDatabaseIfMissing(EmbeddedPostgres postgres) throws SQLException {
        DataSource admin = postgres.getPostgresDatabase();
        try (Connection connection = admin.getConnection();
                PreparedStatement exists = connection.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            exists.setString(1, DATABASE);
            try (ResultSet rows = exists.executeQuery()) {
                if (rows.next()) {
                    return;
                }
            }
            try (Statement create = connection.createStatement()) {
                create.execute("CREATE DATABASE " + DATABASE + " ENCODING 'UTF8' TEMPLATE template0");
            }
        }
    }
}
