package org.securefhir.server.encryption;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.securefhir.interceptors.encryption.ResourceEncryptor;
import org.securefhir.interceptors.encryption.StoredCiphertexts;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Key rotation: new writes already use the new keys (a retired data key, or one wrapped under a
 * key-encryption key that is no longer current, seals nothing new); this background job rewrites
 * every stored version sealed under such a key with its owner's current key, in batches, and then
 * erases the superseded keys. It waits one key-cache period first, so that no node still writes
 * with a superseded key it cached. Progress is kept in {@code encryption.rotation} and shown by
 * {@code $encryption-status}. One node works at a time (a transaction-level advisory lock per
 * batch); a restart resumes (the start-up check finds superseded keys and starts again).
 */
final class KeyRotation implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KeyRotation.class);
    private static final int BATCH = 200;
    private static final long LOCK = 0x5ecf_4a1eL;

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final JdbcDataKeys keys;
    private final Duration settle;
    private final Clock clock;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "key-rotation");
        thread.setDaemon(true);
        return thread;
    });

    /** A run of the job, as stored. */
    record Run(
            long id,
            String reason,
            String started,
            long totalVersions,
            long doneVersions,
            long rekeyed,
            Optional<String> finished,
            int keysErased) {}

    KeyRotation(JdbcTemplate jdbc, TransactionTemplate transactions, JdbcDataKeys keys, Duration settle, Clock clock) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.keys = keys;
        this.settle = settle;
        this.clock = clock;
    }

    /** At start-up: resumes when keys are superseded (a new KEK version was configured, or a run was cut). */
    void resumeIfNeeded() {
        if (keys.superseded() > 0) {
            start("superseded keys found at start-up (key-encryption key rotation or an interrupted run)");
        }
    }

    /** Retires every data key and starts re-encrypting everything under new ones. */
    synchronized Run rotateDataKeys(String requestedBy) {
        int retired = keys.retireAll();
        log.info("Data key rotation requested: {} keys retired", retired);
        return start("data keys rotated by " + requestedBy);
    }

    synchronized Run start(String reason) {
        Long id = jdbc.queryForObject(
                "INSERT INTO encryption.rotation (reason, started) VALUES (?, ?) RETURNING id",
                Long.class,
                reason.length() > 200 ? reason.substring(0, 200) : reason,
                Timestamp.from(clock.instant()));
        worker.execute(() -> run(id));
        return status().orElseThrow();
    }

    Optional<Run> status() {
        List<Run> runs = jdbc.query(
                "SELECT id, reason, started, total_versions, done_versions, rekeyed, finished, keys_erased"
                        + " FROM encryption.rotation ORDER BY id DESC LIMIT 1",
                (row, n) -> new Run(
                        row.getLong(1),
                        row.getString(2),
                        row.getTimestamp(3).toInstant().toString(),
                        row.getLong(4),
                        row.getLong(5),
                        row.getLong(6),
                        Optional.ofNullable(row.getTimestamp(7))
                                .map(t -> t.toInstant().toString()),
                        row.getInt(8)));
        return runs.stream().findFirst();
    }

    private void run(long id) {
        try {
            Thread.sleep(settle.toMillis());
            long total = jdbc.queryForObject(
                    "SELECT count(*) FROM hfj_res_ver WHERE res_text_vc LIKE ?", Long.class, like());
            jdbc.update("UPDATE encryption.rotation SET total_versions = ? WHERE id = ?", total, id);
            long after = 0;
            while (true) {
                long from = after;
                Long last = transactions.execute(status -> batch(id, from));
                if (last == null) {
                    Thread.sleep(1000); // another node holds the lock
                    continue;
                }
                if (last < 0) {
                    break;
                }
                after = last;
            }
            int erased = keys.superseded() > 0 ? keys.eraseSuperseded() : 0;
            jdbc.update(
                    "UPDATE encryption.rotation SET finished = ?, keys_erased = ? WHERE id = ?",
                    Timestamp.from(clock.instant()),
                    erased,
                    id);
            log.info("Key rotation {} finished: {} superseded keys erased", id, erased);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.error("Key rotation {} stopped: {} (it resumes at the next start)", id, e.toString());
        }
    }

    /** One batch in one transaction: the last version id done, -1 when none was left, null when locked. */
    private Long batch(long id, long after) {
        Boolean locked = jdbc.queryForObject("SELECT pg_try_advisory_xact_lock(?)", Boolean.class, LOCK);
        if (!Boolean.TRUE.equals(locked)) {
            return null;
        }
        List<Map<String, Object>> rows = jdbc.queryForList(
                "SELECT v.pid, r.res_type, v.res_text_vc FROM hfj_res_ver v JOIN hfj_resource r ON r.res_id = v.res_id"
                        + " WHERE v.pid > ? AND v.res_text_vc LIKE ? ORDER BY v.pid LIMIT " + BATCH,
                after,
                like());
        if (rows.isEmpty()) {
            return -1L;
        }
        long rekeyed = 0;
        long last = after;
        for (Map<String, Object> row : rows) {
            last = ((Number) row.get("pid")).longValue();
            StoredCiphertexts.Rekeyed result =
                    StoredCiphertexts.rekey((String) row.get("res_text_vc"), (String) row.get("res_type"), keys);
            if (result.json().isPresent()) {
                jdbc.update(
                        "UPDATE hfj_res_ver SET res_text_vc = ? WHERE pid = ?",
                        result.json().get(),
                        last);
                rekeyed += result.rekeyed();
            }
        }
        jdbc.update(
                "UPDATE encryption.rotation SET done_versions = done_versions + ?, rekeyed = rekeyed + ? WHERE id = ?",
                rows.size(),
                rekeyed,
                id);
        return last;
    }

    private static String like() {
        return "%" + ResourceEncryptor.ENCRYPTED_URL + "%";
    }

    @Override
    public void close() throws InterruptedException {
        worker.shutdownNow();
        worker.awaitTermination(5, TimeUnit.SECONDS);
    }
}
