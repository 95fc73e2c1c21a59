package org.securefhir.server.audit;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Streams the audit trail to a SIEM from the durable store, never instead of it: a poller reads the
 * records after the destination's cursor (table {@code audit.forward_cursor}), sends them, and
 * advances the cursor only once they were sent, so a destination that is down catches up later and
 * nothing is skipped. One node forwards at a time (a PostgreSQL advisory lock per destination).
 */
final class AuditForwarder implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AuditForwarder.class);
    private static final int BATCH = 500;

    /** A destination: sends the records' canonical JSON, in order, or throws. */
    @FunctionalInterface
    interface Destination {
        void send(List<String> records) throws IOException;
    }

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final String name;
    private final Destination destination;
    private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "audit-forwarder");
        thread.setDaemon(true);
        return thread;
    });

    AuditForwarder(JdbcTemplate jdbc, TransactionTemplate transactions, String name, Destination destination) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.name = name;
        this.destination = destination;
        jdbc.update("INSERT INTO audit.forward_cursor (name, last_id) VALUES (?, 0) ON CONFLICT DO NOTHING", name);
    }

    void start() {
        poller.scheduleWithFixedDelay(this::forwardQuietly, 1, 1, TimeUnit.SECONDS);
    }

    private void forwardQuietly() {
        try {
            while (forward() == BATCH) {
                // more waiting
            }
        } catch (RuntimeException e) {
            log.warn("Audit forwarding to {} paused: {}", name, e.toString());
        }
    }

    /** Sends the next batch; @return how many records were sent. */
    int forward() {
        Integer sent = transactions.execute(status -> {
            Boolean locked = jdbc.queryForObject(
                    "SELECT pg_try_advisory_xact_lock(hashtext('audit-forward:' || ?))", Boolean.class, name);
            if (!Boolean.TRUE.equals(locked)) {
                return 0;
            }
            long cursor = jdbc.queryForObject(
                    "SELECT last_id FROM audit.forward_cursor WHERE name = ? FOR UPDATE", Long.class, name);
            List<Object[]> rows = jdbc.query(
                    "SELECT id, content FROM audit.record WHERE id > ? ORDER BY id LIMIT " + BATCH,
                    (row, n) -> new Object[] {row.getLong(1), row.getString(2)},
                    cursor);
            if (rows.isEmpty()) {
                return 0;
            }
            try {
                destination.send(rows.stream().map(row -> (String) row[1]).toList());
            } catch (IOException e) {
                throw new IllegalStateException("destination unavailable: " + e.getMessage(), e);
            }
            jdbc.update(
                    "UPDATE audit.forward_cursor SET last_id = ? WHERE name = ?", rows.get(rows.size() - 1)[0], name);
            return rows.size();
        });
        return sent == null ? 0 : sent;
    }

    @Override
    public void close() throws InterruptedException {
        poller.shutdown();
        poller.awaitTermination(5, TimeUnit.SECONDS);
    }
}
