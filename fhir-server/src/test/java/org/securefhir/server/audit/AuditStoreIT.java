package org.securefhir.server.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.crypto.spec.SecretKeySpec;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.securefhir.interceptors.audit.AuditRecord;
import org.securefhir.interceptors.audit.AuditUnavailableException;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The audit store on a real PostgreSQL of its own: retention removes only an old prefix of the chain,
 * through the one path the triggers allow, leaves a chain that still verifies, and is itself
 * audited; forwarding delivers every record, in order, as RFC 5424 syslog and as JSON lines.
 */
class AuditStoreIT {

    private static final EmbeddedPostgres POSTGRES = start();
    private static final DataSource DATA_SOURCE = POSTGRES.getPostgresDatabase(); // one instance: one tx
    private static final JdbcTemplate JDBC = new JdbcTemplate(DATA_SOURCE);
    private static final TransactionTemplate TRANSACTIONS =
            new TransactionTemplate(new DataSourceTransactionManager(DATA_SOURCE));
    private static final AuditChain CHAIN = new AuditChain(new SecretKeySpec(new byte[32], "HmacSHA256"));

    @AfterAll
    static void stop() throws Exception {
        POSTGRES.close();
    }

    @Test
    void whenRetentionPurgesThenOnlyTheOldPrefixGoesTheChainStillVerifiesAndThePurgeIsAudited() throws Exception {
        AuditSchema.create(JDBC);
        JdbcAuditStore store = store("retention-node");
        try {
            for (int i = 0; i < 5; i++) {
                store.append(record("2015-01-0" + (i + 1) + "T10:00:00Z", "old-" + i));
            }
            for (int i = 0; i < 3; i++) {
                store.append(record(
                        Instant.now()
                                .truncatedTo(java.time.temporal.ChronoUnit.MILLIS)
                                .toString(),
                        "new-" + i));
            }
            AuditRetention retention =
                    new AuditRetention(JDBC, TRANSACTIONS, store, "retention-node", Clock.systemUTC());

            long removed = retention.purgeBefore(Instant.parse("2020-01-01T00:00:00Z"));

            assertThat(removed).isEqualTo(5);
            assertThat(JDBC.queryForList(
                            "SELECT user_id FROM audit.record WHERE node = 'retention-node' ORDER BY node_seq",
                            String.class))
                    .containsExactly("new-0", "new-1", "new-2", null);
            assertThat(JDBC.queryForObject(
                            "SELECT subtype FROM audit.record WHERE node = 'retention-node' ORDER BY node_seq DESC LIMIT 1",
                            String.class))
                    .isEqualTo("audit-purge");
            assertThat(new AuditChainVerifier(JDBC, CHAIN).verify().firstBroken())
                    .isEmpty();
            assertThatThrownBy(() -> JDBC.update("DELETE FROM audit.record WHERE node = 'retention-node'"))
                    .isInstanceOf(DataAccessException.class);
            assertThatThrownBy(() -> JDBC.update("DELETE FROM audit.purge")).isInstanceOf(DataAccessException.class);

            // and the chain goes on after the purge, across a restart of the writer
            store.close();
            store = store("retention-node");
            store.append(record(
                    Instant.now()
                            .truncatedTo(java.time.temporal.ChronoUnit.MILLIS)
                            .toString(),
                    "after-restart"));
            assertThat(new AuditChainVerifier(JDBC, CHAIN).verify().firstBroken())
                    .isEmpty();
        } finally {
            store.close();
        }
    }

    @Test
    void whenForwardingThenEveryRecordArrivesInOrderAsSyslogAndJsonLines() throws Exception {
        AuditSchema.create(JDBC);
        JdbcAuditStore store = store("forward-node");
        Path file = Files.createTempFile("audit-forward", ".jsonl");
        try (ServerSocket receiver = new ServerSocket(0)) {
            CompletableFuture<String> received = CompletableFuture.supplyAsync(() -> {
                try (Socket socket = receiver.accept();
                        BufferedReader in = new BufferedReader(
                                new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8))) {
                    StringBuilder text = new StringBuilder();
                    char[] buffer = new char[8192];
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                    while (System.nanoTime() < deadline && !text.toString().contains("forwarded-2")) {
                        int n = in.read(buffer);
                        if (n < 0) {
                            break;
                        }
                        text.append(buffer, 0, n);
                    }
                    return text.toString();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            for (int i = 0; i < 3; i++) {
                store.append(record(
                        Instant.now()
                                .truncatedTo(java.time.temporal.ChronoUnit.MILLIS)
                                .toString(),
                        "forwarded-" + i));
            }
            AuditForwarder syslog = new AuditForwarder(
                    JDBC,
                    TRANSACTIONS,
                    "syslog-test",
                    new SyslogDestination("127.0.0.1", receiver.getLocalPort(), false, "node-a"));
            AuditForwarder lines = new AuditForwarder(JDBC, TRANSACTIONS, "file-test", new JsonLinesDestination(file));
            while (syslog.forward() > 0) {
                // drain
            }
            while (lines.forward() > 0) {
                // drain
            }

            String frames = received.get(30, TimeUnit.SECONDS);
            assertThat(frames).containsPattern("\\d+ <110>1 \\S+ node-a secure-fhir - rest\\.read - \\{");
            assertThat(frames.indexOf("forwarded-0")).isLessThan(frames.indexOf("forwarded-1"));
            List<String> written = Files.readAllLines(file);
            assertThat(String.join("\n", written)).contains("forwarded-0", "forwarded-1", "forwarded-2");
            assertThat(lines.forward()).isZero(); // the cursor moved: nothing sent twice
        } finally {
            store.close();
            Files.deleteIfExists(file);
        }
    }

    @Test
    void whenTheStoreCannotCommitThenAppendFailsClosedAndRecoversAfterwards() throws Exception {
        AuditSchema.create(JDBC);
        JdbcAuditStore store = store("failing-node");
        try {
            store.append(record(now(), "before"));
            JDBC.execute("ALTER TABLE audit.record RENAME TO record_away");
            try {
                assertThatThrownBy(() -> store.append(record(now(), "during")))
                        .isInstanceOf(AuditUnavailableException.class)
                        .satisfies(e -> assertThat(((AuditUnavailableException) e).getStatusCode())
                                .isEqualTo(503));
            } finally {
                JDBC.execute("ALTER TABLE audit.record_away RENAME TO record");
            }
            Thread.sleep(300); // the writer reloads its chain head after a failed batch
            store.append(record(now(), "after"));
            assertThat(JDBC.queryForList(
                            "SELECT user_id FROM audit.record WHERE node = 'failing-node' ORDER BY node_seq",
                            String.class))
                    .containsExactly("before", "after");
            assertThat(new AuditChainVerifier(JDBC, CHAIN).verify().firstBroken())
                    .isEmpty();
        } finally {
            store.close();
        }
    }

    private static String now() {
        return Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS).toString();
    }

    private static JdbcAuditStore store(String node) {
        return new JdbcAuditStore(JDBC, CHAIN, node, Duration.ofSeconds(10), Clock.systemUTC(), committed -> {});
    }

    private static AuditRecord record(String recorded, String user) {
        return new AuditRecord(
                recorded,
                "rest",
                "read",
                "R",
                "0",
                200,
                null,
                user,
                null,
                List.of("nurse"),
                "app",
                null,
                "Patient",
                "p1",
                null,
                null,
                null,
                List.of("Patient/p1"),
                List.of(),
                "127.0.0.1",
                null,
                "n",
                null,
                null,
                null);
    }

    private static EmbeddedPostgres start() {
        try {
            return EmbeddedPostgres.builder().start();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
