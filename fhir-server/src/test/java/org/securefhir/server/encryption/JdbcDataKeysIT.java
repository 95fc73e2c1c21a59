package org.securefhir.server.encryption;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.securefhir.interceptors.encryption.DataKey;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Data keys on a real PostgreSQL, used as writes use them: from inside the write's transaction.
 * A key is committed before anything can be sealed under it, whatever becomes of the transaction
 * that asked for it.
 */
class JdbcDataKeysIT {

    private static EmbeddedPostgres postgres;
    private static HikariDataSource server;
    private static KeyCreationConnections creation;
    private static TransactionTemplate transactions;
    private static final KeyProvider PROVIDER =
            new LocalKeyProvider(Map.of("1", new SecretKeySpec(new byte[32], "AES")), "1");

    @BeforeAll
    static void start() throws IOException {
        postgres = EmbeddedPostgres.builder().start();
        JdbcTemplate admin = new JdbcTemplate(postgres.getPostgresDatabase());
        admin.execute("CREATE SCHEMA IF NOT EXISTS encryption");
        try (InputStream sql =
                JdbcDataKeysIT.class.getResourceAsStream("/db/encryption/V1__data_keys_erasures_rotations.sql")) {
            admin.execute(new String(sql.readAllBytes(), StandardCharsets.UTF_8));
        }
        server = new HikariDataSource();
        server.setJdbcUrl(postgres.getJdbcUrl("postgres", "postgres"));
        server.setUsername("postgres");
        server.setMaximumPoolSize(4);
        creation = KeyCreationConnections.like(server);
        transactions = new TransactionTemplate(new DataSourceTransactionManager(server));
    }

    @AfterAll
    static void stop() throws IOException {
        creation.close();
        server.close();
        postgres.close();
    }

    /** One node's keys, caching for an hour. */
    private static JdbcDataKeys node() {
        return new JdbcDataKeys(
                new JdbcTemplate(server),
                creation.jdbc(),
                PROVIDER,
                new SecureRandom(),
                Clock.systemUTC(),
                Duration.ofHours(1));
    }

    @Test
    void whenTheWriteThatCreatedAKeyRollsBackThenWhatIsSealedUnderItLaterStillOpens() {
        JdbcDataKeys keys = node();
        String owner = "Patient/rolled-back";

        transactions.executeWithoutResult(status -> {
            keys.forWriting(owner); // the first write of a new owner: a failed batch entry
            status.setRollbackOnly();
        });
        DataKey sealing = transactions.execute(status -> keys.forWriting(owner)); // the next write commits

        Optional<DataKey> opening = node().forReading(sealing.id()); // another node, or after the cache
        assertThat(opening).as("the key that sealed committed data").isPresent();
        assertThat(opening.get().key().getEncoded()).isEqualTo(sealing.key().getEncoded());
    }

    @Test
    void whenTwoWritesOfANewOwnerOverlapThenNeitherWaitsForTheOtherAndBothUseOneKey() throws Exception {
        String owner = "Patient/concurrent";
        CountDownLatch created = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<DataKey> first = CompletableFuture.supplyAsync(() -> transactions.execute(status -> {
            DataKey key = node().forWriting(owner);
            created.countDown();
            try {
                release.await(30, TimeUnit.SECONDS); // a long bundle, still open
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return key;
        }));
        assertThat(created.await(30, TimeUnit.SECONDS)).isTrue();

        DataKey second = CompletableFuture.supplyAsync(() -> transactions.execute(status -> node().forWriting(owner)))
                .get(10, TimeUnit.SECONDS); // before the fix: blocked on the first's uncommitted key row
        release.countDown();

        assertThat(second.id()).isEqualTo(first.get(30, TimeUnit.SECONDS).id());
        assertThat(second.key().getEncoded()).isEqualTo(first.get().key().getEncoded());
    }
}
