package org.securefhir.server.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.securefhir.server.support.AbstractFhirServerIT;

/** A server killed with SIGKILL leaves PostgreSQL running; the next start must cope. */
class OrphanedPostgresIT {

    @Test
    void embeddedPostgresWhenPreviousServerWasKilledThenStopsOrphanAndStarts() throws Exception {
        // given: a server JVM that ran PostgreSQL on the directory and was killed with SIGKILL
        Path dataDir = AbstractFhirServerIT.freshDirectory("orphan-");
        Path cluster = dataDir.resolve("postgres");
        Files.createDirectories(cluster);
        Process holder = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        TestPostgresHolder.class.getName(),
                        cluster.toString())
                .redirectErrorStream(true)
                .start();
        awaitReady(holder);
        holder.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        long orphanPid = Long.parseLong(
                Files.readAllLines(cluster.resolve("postmaster.pid")).get(0).trim());
        assertThat(ProcessHandle.of(orphanPid).map(ProcessHandle::isAlive)).contains(true);

        // when
        try (EmbeddedPostgres postgres =
                new EmbeddedPostgresConfig().embeddedPostgres(new EmbeddedDatabaseProperties(dataDir, 0))) {

            // then
            assertThat(ProcessHandle.of(orphanPid).map(ProcessHandle::isAlive).orElse(false))
                    .isFalse();
            try (Connection connection = postgres.getPostgresDatabase().getConnection();
                    Statement statement = connection.createStatement();
                    ResultSet rows = statement.executeQuery("SELECT 1")) {
                assertThat(rows.next()).isTrue();
            }
        }
    }

    @Test
    void stopIfRunningWhenALiveServerOwnsTheDirectoryThenRefusesAndLeavesItRunning() throws Exception {
        Path cluster = AbstractFhirServerIT.freshDirectory("owned-").resolve("postgres");
        try (EmbeddedPostgres running = EmbeddedPostgres.builder()
                .setDataDirectory(cluster)
                .setCleanDataDirectory(false)
                .start()) {

            assertThatThrownBy(() -> OrphanedPostgres.stopIfRunning(cluster, Duration.ofSeconds(5)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("Another server process");
            try (Connection connection = running.getPostgresDatabase().getConnection()) {
                assertThat(connection.isValid(5)).isTrue();
            }
        }
    }

    private static void awaitReady(Process holder) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        String line;
        while ((line = out.readLine()) != null) {
            if (line.startsWith("READY")) {
                return;
            }
            if (System.nanoTime() > deadline) {
                break;
            }
        }
        holder.destroyForcibly();
        throw new IllegalStateException("PostgreSQL holder process did not become ready");
    }
}
