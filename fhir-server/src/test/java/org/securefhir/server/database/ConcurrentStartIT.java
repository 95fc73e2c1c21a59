package org.securefhir.server.database;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.tomcat.util.net.openssl.ciphers.OpenSSLCipherConfigurationParser;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.securefhir.server.FhirServerApplication;
import org.securefhir.server.support.AbstractFhirServerIT;
import org.securefhir.server.support.TestFhirClient;
import org.securefhir.server.support.TestResources;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Two nodes of one deployment (same keys, same external database, an application login role and an
 * audit schema administrator, as in a hospital) started at the same moment on an empty database:
 * both come up, every schema's migrations ran exactly once, and each node serves what the other
 * stored.
 */
class ConcurrentStartIT {

    private static final String APP_ROLE = "fhir_node";
    private static final String[] KEY_FILES = {"audit-checkpoint.key", "encryption-kek-1.key", "smart-auth.key"};

    @Test
    void whenTwoNodesStartAtOnceOnAnEmptyDatabaseThenBothComeUpAndMigrationsRanOnce() throws Exception {
        try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().start()) {
            JdbcTemplate superuser = new JdbcTemplate(postgres.getPostgresDatabase());
            superuser.execute("CREATE ROLE " + APP_ROLE + " LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB");
            superuser.execute("CREATE DATABASE fhir OWNER " + APP_ROLE);
            String url = "jdbc:postgresql://localhost:" + postgres.getPort() + "/fhir";
            List<Path> dataDirs = sameKeys(2);

            // Tomcat's cipher-name table is filled lazily and not thread-safe: two nodes in one JVM
            // would race on it (separate processes, as in a deployment, do not)
            OpenSSLCipherConfigurationParser.parseExpression("HIGH");
            CyclicBarrier together = new CyclicBarrier(2);
            ExecutorService threads = Executors.newFixedThreadPool(2);
            List<CompletableFuture<ConfigurableApplicationContext>> starting = new ArrayList<>();
            for (int node = 0; node < 2; node++) {
                String[] args = {
                    "--fhir.data-dir=" + dataDirs.get(node),
                    "--server.port=" + AbstractFhirServerIT.freePort(),
                    "--spring.datasource.url=" + url,
                    "--spring.datasource.username=" + APP_ROLE,
                    "--audit.schema-admin.username=postgres",
                    "--audit.node-id=node-" + node
                };
                starting.add(CompletableFuture.supplyAsync(
                        () -> {
                            await(together);
                            return new SpringApplicationBuilder(FhirServerApplication.class).run(args);
                        },
                        threads));
            }
            List<ConfigurableApplicationContext> nodes = new ArrayList<>();
            try {
                for (CompletableFuture<ConfigurableApplicationContext> node : starting) {
                    nodes.add(node.get(5, TimeUnit.MINUTES)); // throws if the node failed to start
                }

                TestFhirClient first = fhirOf(nodes.get(0), dataDirs.get(0));
                TestFhirClient second = fhirOf(nodes.get(1), dataDirs.get(1));
                String stored = first.create("/Patient", TestResources.patient("Twonodes", "1961-06-01"));
                TestFhirClient.Response read = second.get("/Patient/" + stored);
                assertThat(read.status()).as(read.body()).isEqualTo(200);
                assertThat(read.as(Patient.class).getNameFirstRep().getFamily()).isEqualTo("Twonodes");
            } finally {
                nodes.forEach(ConfigurableApplicationContext::close);
                threads.shutdownNow();
            }

            JdbcTemplate fhir = new JdbcTemplate(postgres.getDatabase("postgres", "fhir"));
            for (String schema :
                    List.of("smart_auth", "encryption", "consent", "access_control", "audit", "bulk_export")) {
                assertThat(fhir.queryForObject(
                                "SELECT count(*) FROM " + schema + ".flyway_schema_history"
                                        + " WHERE version = '1' AND success",
                                Integer.class))
                        .as(schema + " version 1 applied once")
                        .isEqualTo(1);
                assertThat(fhir.queryForObject(
                                "SELECT count(*) FROM " + schema + ".flyway_schema_history WHERE NOT success",
                                Integer.class))
                        .as(schema + " failed migrations")
                        .isZero();
            }
            assertThat(fhir.queryForObject(
                            "SELECT count(*) FROM \"FLY_HFJ_MIGRATION\" WHERE NOT \"success\"", Integer.class))
                    .isZero();
            assertThat(fhir.queryForObject(
                            "SELECT count(*) FROM (SELECT \"version\" FROM \"FLY_HFJ_MIGRATION\" GROUP BY \"version\""
                                    + " HAVING count(*) > 1) twice",
                            Integer.class))
                    .as("HAPI migration tasks run twice")
                    .isZero();
        }
    }

    /** Data directories of one deployment: each node its own TLS certificate, all the same keys. */
    private static List<Path> sameKeys(int nodes) throws Exception {
        SecureRandom random = new SecureRandom();
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < KEY_FILES.length; i++) {
            byte[] key = new byte[32];
            random.nextBytes(key);
            keys.add(Base64.getEncoder().encodeToString(key));
        }
        List<Path> dirs = new ArrayList<>();
        for (int node = 0; node < nodes; node++) {
            Path dir = AbstractFhirServerIT.freshDirectory("node-" + node + "-");
            Files.createDirectories(dir.resolve("keys"));
            for (int i = 0; i < KEY_FILES.length; i++) {
                Files.writeString(dir.resolve("keys").resolve(KEY_FILES[i]), keys.get(i));
            }
            dirs.add(dir);
        }
        return dirs;
    }

    private static TestFhirClient fhirOf(ConfigurableApplicationContext node, Path dataDir) {
        return AbstractFhirServerIT.fhirOf(node, dataDir.resolve("tls").resolve("server.crt"));
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await(1, TimeUnit.MINUTES);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
