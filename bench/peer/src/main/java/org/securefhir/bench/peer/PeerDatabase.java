package org.securefhir.bench.peer;

import ca.uhn.fhir.jpa.migrate.DriverTypeEnum;
import ca.uhn.fhir.jpa.migrate.HapiMigrationStorageSvc;
import ca.uhn.fhir.jpa.migrate.MigrationResult;
import ca.uhn.fhir.jpa.migrate.SchemaMigrator;
import ca.uhn.fhir.jpa.migrate.dao.HapiMigrationDao;
import ca.uhn.fhir.jpa.migrate.tasks.HapiFhirJpaMigrationTasks;
import ca.uhn.fhir.util.VersionEnum;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.Set;
import javax.sql.DataSource;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The peer's database: an embedded PostgreSQL (the server's engine and version, with the server's
 * settings) in {@code peer.data-dir}, a pool of the server's size, and HAPI's own schema migration
 * tasks, as the server runs them.
 */
@Configuration(proxyBeanMethods = false)
class PeerDatabase {

    @Bean(destroyMethod = "close")
    EmbeddedPostgres embeddedPostgres(@Value("${peer.data-dir:peer-data}") String dataDir) throws IOException {
        Path directory = Path.of(dataDir, "postgres").toAbsolutePath();
        Files.createDirectories(directory);
        return EmbeddedPostgres.builder()
                .setDataDirectory(directory)
                .setCleanDataDirectory(false)
                .setServerConfig("listen_addresses", "127.0.0.1")
                .setServerConfig("max_connections", "50")
                .setServerConfig("shared_buffers", "256MB")
                .setServerConfig("synchronous_commit", "on")
                .setServerConfig("fsync", "on")
                .setPGStartupWait(Duration.ofSeconds(60))
                .setRegisterShutdownHook(false)
                .start();
    }

    @Bean(destroyMethod = "close")
    HikariDataSource dataSource(EmbeddedPostgres postgres) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(postgres.getJdbcUrl("postgres", "postgres"));
        config.setUsername("postgres");
        config.setMaximumPoolSize(10);
        config.setMinimumIdle(2);
        config.setPoolName("peer");
        HikariDataSource dataSource = new HikariDataSource(config);
        migrate(dataSource);
        return dataSource;
    }

    private static void migrate(DataSource dataSource) {
        DriverTypeEnum driver = DriverTypeEnum.POSTGRES_9_4;
        String table = "FLY_HFJ_MIGRATION";
        SchemaMigrator migrator = new SchemaMigrator(
                "HAPI FHIR",
                table,
                dataSource,
                new Properties(),
                new HapiFhirJpaMigrationTasks(Set.of()).getAllTasks(VersionEnum.values()),
                new HapiMigrationStorageSvc(new HapiMigrationDao(dataSource, driver, table)));
        migrator.setDriverType(driver);
        migrator.createMigrationTableIfRequired();
        MigrationResult result = migrator.migrate();
        if (!result.failedTasks.isEmpty()) {
            throw new IllegalStateException("HAPI schema migration failed");
        }
    }
}
