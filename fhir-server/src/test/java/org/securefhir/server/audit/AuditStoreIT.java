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
import java.util.UUID;
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
 * The audit store on a real PostgreSQL of its own, used as the server uses it: logged in as its own
 * role, the audit schema owned by another. Retention removes only an old prefix of the chain,
 * through the one function that may, leaves a chain that still verifies, and is itself audited;
 * nothing else the login role can do removes a record unreported; the verification names a removed
 * head, tail and gap; write intents commit or roll back with their change and are recovered into
 * the chain when nobody settled them; forwarding delivers every record, in order, as RFC 5424
 * syslog and as JSON lines.
 */
class AuditStoreIT {

    private static final EmbeddedPostgres POSTGRES = start();
    private static final JdbcTemplate ADMIN = new JdbcTemplate(POSTGRES.getPostgresDatabase());
    private static final DataSource DATA_SOURCE = appDataSource(); // one instance: one tx
    private static final JdbcTemplate JDBC = new JdbcTemplate(DATA_SOURCE);
    private static final TransactionTemplate TRANSACTIONS =
            new TransactionTemplate(new DataSourceTransactionManager(DATA_SOURCE));
    private static final AuditChain CHAIN = new AuditChain(new SecretKeySpec(new byte[32], "HmacSHA256"));

    @AfterAll
    static void stop() throws Exception {
        POSTGRES.close();
    }

    private static DataSource appDataSource() {
        new JdbcTemplate(POSTGRES.getPostgresDatabase())
                .execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'audit_app') THEN"
                        + " CREATE ROLE audit_app LOGIN; END IF; END $$");
        return POSTGRES.getDatabase("audit_app", "postgres");
    }

    private static void setUp() {
        AuditSchema.migration(ADMIN.getDataSource(), "audit_app", Duration.ofDays(2190))
                .migrate()
                .run();
    }

    @Test
    void whenSetUpThenTheLoginRoleMayAppendAndReadButNeitherOwnsNorRemoves() {
        setUp();

        assertThat(AuditSchema.problems(JDBC)).isEmpty();
        assertThat(AuditSchema.problems(ADMIN)).isNotEmpty(); // the superuser could
        assertThat(AuditSchema.isSuperuser(JDBC)).isFalse();
    }

    @Test
    void whenADatabaseGrantsTheLoginRoleMoreThenEachExtraRightIsNamed() {
        setUp();
        try {
            ADMIN.execute("GRANT DELETE ON audit.record TO audit_app");
            ADMIN.execute("GRANT UPDATE ON audit.policy TO audit_app");
            ADMIN.execute("GRANT INSERT ON audit.purge TO audit_app");
            ADMIN.execute("ALTER FUNCTION audit.refuse_change() OWNER TO audit_app");

            assertThat(AuditSchema.problems(JDBC))
                    .containsExactlyInAnyOrder(
                            "the login role may DELETE audit.record",
                            "the login role may change audit.policy",
                            "the login role may INSERT into audit.purge",
                            "the login role owns audit.refuse_change()");
        } finally {
            setUp(); // the migration's callback takes back every grant and ownership
        }
        assertThat(AuditSchema.problems(JDBC)).isEmpty();
    }

    @Test
    void whenRetentionPurgesThenOnlyTheOldPrefixGoesTheChainStillVerifiesAndThePurgeIsAudited() throws Exception {
        setUp();
        JdbcAuditStore store = store("retention-node");
        try {
            for (int i = 0; i < 5; i++) {
                store.append(record("2015-01-0" + (i + 1) + "T10:00:00Z", "old-" + i));
            }
            for (int i = 0; i < 3; i++) {
                store.append(record(now(), "new-" + i));
            }
            AuditRetention retention = new AuditRetention(JDBC, CHAIN, store, "retention-node", Clock.systemUTC());

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
            assertThat(verifier(store).verify().findings()).isEmpty();

            // and the chain goes on after the purge, across a restart of the writer
            store.close();
            store = store("retention-node");
            store.append(record(now(), "after-restart"));
            assertThat(verifier(store).verify().findings()).isEmpty();
        } finally {
            store.close();
        }
    }

    @Test
    void whenTheLoginRoleTriesEveryOtherWayToRemoveRecordsThenEachIsRefused() {
        setUp();
        JdbcAuditStore store = store("attacked-node");
        try {
            store.append(record("2015-02-01T10:00:00Z", "old"));
            store.append(record(now(), "young"));

            List<String> attempts = List.of(
                    "DELETE FROM audit.record WHERE node = 'attacked-node'",
                    "UPDATE audit.record SET user_id = 'someone' WHERE node = 'attacked-node'",
                    "TRUNCATE audit.record",
                    "ALTER TABLE audit.record DISABLE TRIGGER append_only",
                    "DELETE FROM audit.purge",
                    "DELETE FROM audit.checkpoint",
                    "INSERT INTO audit.purge (node, up_to_seq, last_hash, purged_before, purged_at)"
                            + " VALUES ('attacked-node', 2, '\\x00', now(), now())",
                    "UPDATE audit.policy SET min_retention = interval '0'",
                    "DROP TABLE audit.record");
            for (String attempt : attempts) {
                assertThatThrownBy(() -> TRANSACTIONS.executeWithoutResult(status -> {
                            JDBC.execute("SET LOCAL audit.purging = 'on'");
                            JDBC.execute(attempt);
                        }))
                        .as(attempt)
                        .isInstanceOf(DataAccessException.class);
            }
            // the function refuses records younger than the minimum retention, whoever calls it
            assertThatThrownBy(() -> JDBC.queryForObject(
                            "SELECT audit.purge_prefix('attacked-node', 2, now(), '\\x00'::bytea)", Long.class))
                    .isInstanceOf(DataAccessException.class)
                    .rootCause()
                    .hasMessageContaining("minimum retention");
            assertThat(JDBC.queryForObject(
                            "SELECT count(*) FROM audit.record WHERE node = 'attacked-node'", Long.class))
                    .isEqualTo(2);
            assertThat(verifier(store).verify().findings()).isEmpty();

            // old enough, but not signed by the server: removed, and reported
            JDBC.queryForObject(
                    "SELECT audit.purge_prefix('attacked-node', 1, '2016-01-01', '\\x00'::bytea)", Long.class);

            assertThat(verifier(store).verify().findings())
                    .anySatisfy(finding ->
                            assertThat(finding).contains("attacked-node purge watermark up to #1: not signed"))
                    .anySatisfy(finding -> assertThat(finding)
                            .contains("attacked-node records #1–#1 missing: the head of the chain was removed"));
        } finally {
            store.close();
        }
    }

    @Test
    void whenHeadGapOrTailAreRemovedBehindTheTriggersThenVerificationReportsEach() {
        setUp();
        JdbcAuditStore store = store("tampered-node");
        try {
            List<AuditRecord> records = new java.util.ArrayList<>();
            for (int i = 0; i < JdbcAuditStore.CHECKPOINT_EVERY + 20; i++) {
                records.add(record(now(), "r" + i));
            }
            store.appendAll(records); // a checkpoint is signed at #1000
            assertThat(verifier(store).verify().findings()).isEmpty();

            // as a superuser with the triggers off: the head, a gap, the tail after the checkpoint
            behindTheTriggers("DELETE FROM audit.record WHERE node = 'tampered-node' AND node_seq <= 3");
            behindTheTriggers("DELETE FROM audit.record WHERE node = 'tampered-node' AND node_seq BETWEEN 500 AND 502");
            behindTheTriggers("DELETE FROM audit.record WHERE node = 'tampered-node' AND node_seq >= 990");

            assertThat(new AuditChainVerifier(JDBC, CHAIN)
                            .verify().findings().stream()
                                    .filter(finding -> finding.startsWith("tampered-node "))
                                    .toList())
                    .containsExactly(
                            "tampered-node records #1–#3 missing: the head of the chain was removed without a purge"
                                    + " watermark signed by this trail's key",
                            "tampered-node records #500–#502 missing: a gap in the chain",
                            "tampered-node records #990–#1000 missing: the tail of the chain was removed (checkpoint"
                                    + " #1000 was signed)");

            // the checkpoint removed too: the running node still knows how far it had written
            behindTheTriggers("DELETE FROM audit.checkpoint WHERE node = 'tampered-node'");
            assertThat(verifier(store).verify().findings())
                    .contains("tampered-node records #990–#1020 missing: the tail of the chain was removed (this node"
                            + " has written up to #1020)");
        } finally {
            store.close();
        }
    }

    @Test
    void whenAnIntentIsWrittenWithItsChangeThenItCommitsAndRollsBackWithItAndIsSettledOrRecovered() {
        setUp();
        JDBC.execute("CREATE TABLE IF NOT EXISTS change_under_test (name text)");
        JdbcAuditIntents intents = new JdbcAuditIntents(JDBC, "intent-node");
        JdbcAuditStore store = store("intent-node");
        try {
            UUID rolledBack = UUID.randomUUID();
            assertThatThrownBy(() -> TRANSACTIONS.executeWithoutResult(status -> {
                        JDBC.update("INSERT INTO change_under_test VALUES ('rolled back')");
                        intents.record(rolledBack, record(now(), "rolled-back"));
                        throw new IllegalStateException("the change fails");
                    }))
                    .isInstanceOf(IllegalStateException.class);
            UUID settled = UUID.randomUUID();
            UUID orphaned = UUID.randomUUID();
            TRANSACTIONS.executeWithoutResult(status -> {
                JDBC.update("INSERT INTO change_under_test VALUES ('committed')");
                intents.record(settled, record(now(), "settled"));
                intents.record(orphaned, record(now(), "orphaned"));
                // not yet visible to anyone else: inserted just before the commit
                assertThat(ADMIN.queryForObject("SELECT count(*) FROM audit.intent", Long.class))
                        .isZero();
            });
            assertThat(JDBC.queryForList("SELECT id FROM audit.intent ORDER BY content", UUID.class))
                    .containsExactlyInAnyOrder(settled, orphaned);

            store.appendAll(List.of(record(now(), "the request's own record")), List.of(settled));
            assertThat(JDBC.queryForList("SELECT id FROM audit.intent", UUID.class))
                    .containsExactly(orphaned);

            assertThat(store.recoverIntents(Duration.ofMinutes(5), TRANSACTIONS))
                    .isZero(); // still young
            assertThat(store.recoverIntents(Duration.ZERO, TRANSACTIONS)).isEqualTo(1); // this node's, at start

            assertThat(JDBC.queryForList("SELECT id FROM audit.intent", UUID.class))
                    .isEmpty();
            assertThat(JDBC.queryForList(
                            "SELECT user_id FROM audit.record WHERE node = 'intent-node' ORDER BY node_seq",
                            String.class))
                    .containsExactly("the request's own record", "orphaned");
            assertThat(verifier(store).verify().findings()).isEmpty();
        } finally {
            store.close();
        }
    }

    @Test
    void whenATransactionWritesMoreResourcesThanOneStatementTakesParametersThenEveryIntentIsStored() {
        // a 64 MB transaction of small resources: 25,000 intents of 3 parameters each, beyond
        // PostgreSQL's 65,535 parameters of one statement
        setUp();
        JdbcAuditIntents intents = new JdbcAuditIntents(JDBC, "bulk-intent-node");
        List<UUID> keys = new java.util.ArrayList<>();
        TRANSACTIONS.executeWithoutResult(status -> {
            for (int i = 0; i < 25_000; i++) {
                UUID key = UUID.randomUUID();
                keys.add(key);
                intents.record(key, record(now(), "bulk"));
            }
        });
        assertThat(JDBC.queryForObject("SELECT count(*) FROM audit.intent WHERE node = 'bulk-intent-node'", Long.class))
                .isEqualTo(25_000L);
        ADMIN.update("DELETE FROM audit.intent WHERE node = 'bulk-intent-node'");
    }

    @Test
    void whenTheIntentCannotBeStoredThenTheChangeRollsBackAndTheCallerGets503() {
        setUp();
        JDBC.execute("CREATE TABLE IF NOT EXISTS change_refused (name text)");
        JdbcAuditIntents intents = new JdbcAuditIntents(JDBC, "refusing-node");
        ADMIN.execute("ALTER TABLE audit.intent ADD CONSTRAINT refuse_all CHECK (false) NOT VALID");
        try {
            assertThatThrownBy(() -> TRANSACTIONS.executeWithoutResult(status -> {
                        JDBC.update("INSERT INTO change_refused VALUES ('must not stay')");
                        intents.record(UUID.randomUUID(), record(now(), "refused"));
                    }))
                    .isInstanceOf(AuditUnavailableException.class)
                    .satisfies(e -> assertThat(((AuditUnavailableException) e).getStatusCode())
                            .isEqualTo(503));
        } finally {
            ADMIN.execute("ALTER TABLE audit.intent DROP CONSTRAINT refuse_all");
        }
        assertThat(JDBC.queryForObject("SELECT count(*) FROM change_refused", Long.class))
                .isZero();
    }

    private static void behindTheTriggers(String sql) {
        String table = sql.contains("audit.checkpoint") ? "audit.checkpoint" : "audit.record";
        ADMIN.execute("BEGIN; ALTER TABLE " + table + " DISABLE TRIGGER append_only; " + sql + "; ALTER TABLE " + table
                + " ENABLE TRIGGER append_only; COMMIT");
    }

    /** The verification of this store's node alone (the other tests' nodes share the database). */
    private static Verified verifier(JdbcAuditStore store) {
        return () -> {
            AuditChainVerifier.Verification all = new AuditChainVerifier(JDBC, CHAIN, store::liveHead).verify();
            return new AuditChainVerifier.Verification(
                    all.checked(),
                    all.findings().stream()
                            .filter(finding -> finding.startsWith(store.node() + " "))
                            .toList());
        };
    }

    @FunctionalInterface
    private interface Verified {
        AuditChainVerifier.Verification verify();
    }

    @Test
    void whenForwardingThenEveryRecordArrivesInOrderAsSyslogAndJsonLines() throws Exception {
        setUp();
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
        setUp();
        JdbcAuditStore store = store("failing-node");
        try {
            store.append(record(now(), "before"));
            ADMIN.execute("ALTER TABLE audit.record RENAME TO record_away");
            try {
                assertThatThrownBy(() -> store.append(record(now(), "during")))
                        .isInstanceOf(AuditUnavailableException.class)
                        .satisfies(e -> assertThat(((AuditUnavailableException) e).getStatusCode())
                                .isEqualTo(503));
            } finally {
                ADMIN.execute("ALTER TABLE audit.record_away RENAME TO record");
            }
            Thread.sleep(300); // the writer reloads its chain head after a failed batch
            store.append(record(now(), "after"));
            assertThat(JDBC.queryForList(
                            "SELECT user_id FROM audit.record WHERE node = 'failing-node' ORDER BY node_seq",
                            String.class))
                    .containsExactly("before", "after");
            assertThat(verifier(store).verify().findings()).isEmpty();
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
