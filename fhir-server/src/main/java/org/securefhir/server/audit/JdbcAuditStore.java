package org.securefhir.server.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.securefhir.interceptors.audit.AuditRecord;
import org.securefhir.interceptors.audit.AuditSink;
import org.securefhir.interceptors.audit.AuditUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The durable audit store: records are appended to {@code audit.record} in group commits
 * (everything waiting, up to {@value #MAX_BATCH} rows, in one statement) by one appending thread at
 * a time, each extending the node's hash chain; {@link #append} returns once its record has been
 * committed, so no response leaves before its audit record is durable. Every {@value
 * #CHECKPOINT_EVERY} records (or minute) a MAC-signed checkpoint of the chain head is written in
 * the same transaction. Committed records are then handed, in commit order, to an after-commit
 * consumer (the alert rules).
 */
final class JdbcAuditStore implements AuditSink, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(JdbcAuditStore.class);
    static final int MAX_BATCH = 500;
    static final int CHECKPOINT_EVERY = 1000;
    private static final Duration CHECKPOINT_INTERVAL = Duration.ofMinutes(1);

    static final ObjectMapper CANONICAL = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
            .configure(SerializationFeature.INDENT_OUTPUT, false);

    private static final String INSERT_RECORDS = "INSERT INTO audit.record (node, node_seq, recorded, category,"
            + " subtype, action, outcome, user_id, client_id, resource_type, resource_id, patients, content,"
            + " prev_hash, hash) VALUES ";

    private final JdbcTemplate jdbc;
    private final AuditChain chain;
    private final String node;
    private final Duration commitTimeout;
    private final Clock clock;
    private final Consumer<List<AuditRecord>> afterCommit;
    private static final long FOLLOWER_WAIT_MICROS = 2_000;

    private static final int MAX_QUEUED = 50_000;

    private final Queue<Pending> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final ReentrantLock leader = new ReentrantLock();
    private volatile boolean running = true;

    // only with the leader lock held
    private long lastSeq;
    private byte[] lastHash;
    private long lastCheckpointSeq;
    private Instant lastCheckpointAt;

    private record Pending(AuditRecord record, String content, CompletableFuture<Void> committed) {}

    JdbcAuditStore(
            JdbcTemplate jdbc,
            AuditChain chain,
            String node,
            Duration commitTimeout,
            Clock clock,
            Consumer<List<AuditRecord>> afterCommit) {
        this.afterCommit = afterCommit;
        this.jdbc = jdbc;
        this.chain = chain;
        this.node = node;
        this.commitTimeout = commitTimeout;
        this.clock = clock;
        loadHead();
    }

    @Override
    public void append(AuditRecord record) {
        appendAll(List.of(record));
    }

    /**
     * Queues the records and returns once they are committed. The committing is done by whichever
     * appending thread gets the lock (leader/follower group commit, no writer thread to wake: under
     * load every hand-over to another thread waits for a CPU): the leader writes everything queued,
     * its followers' records included, in one statement; a follower waits for its records, and
     * leads itself if they are still queued when the lock is free.
     */
    @Override
    public void appendAll(List<AuditRecord> records) {
        List<CompletableFuture<Void>> committed = new ArrayList<>(records.size());
        List<Pending> mine = new ArrayList<>(records.size());
        for (AuditRecord record : records) {
            Pending pending = new Pending(record, canonical(record), new CompletableFuture<>());
            if (!running || queued.incrementAndGet() > MAX_QUEUED) {
                queued.decrementAndGet();
                mine.forEach(this::withdraw);
                throw new AuditUnavailableException("The audit trail is not accepting records", null);
            }
            queue.offer(pending);
            mine.add(pending);
            committed.add(pending.committed());
        }
        CompletableFuture<Void> all = CompletableFuture.allOf(committed.toArray(CompletableFuture[]::new));
        long deadline = System.nanoTime() + commitTimeout.toNanos();
        try {
            while (!all.isDone()) {
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException();
                }
                if (leader.tryLock()) {
                    try {
                        // own records first, then one more batch for whoever queued meanwhile
                        while (!all.isDone() && writeQueued()) {}
                        writeQueued();
                    } finally {
                        leader.unlock();
                    }
                } else {
                    try {
                        all.get(FOLLOWER_WAIT_MICROS, TimeUnit.MICROSECONDS);
                    } catch (TimeoutException stillQueued) {
                        // the leader may have finished before our records arrived: try to lead
                    }
                }
            }
            all.get();
        } catch (ExecutionException | TimeoutException e) {
            mine.forEach(this::withdraw);
            throw new AuditUnavailableException("The audit trail is unavailable; the request was not completed", e);
        } catch (InterruptedException e) {
            mine.forEach(this::withdraw);
            Thread.currentThread().interrupt();
            throw new AuditUnavailableException("Interrupted while committing the audit record", e);
        }
    }

    /** A record whose request fails is not written later, unless it is already being written. */
    private void withdraw(Pending pending) {
        if (queue.remove(pending)) {
            queued.decrementAndGet();
        }
    }

    /** Writes one batch of what is queued (the lock held); false when nothing was queued. */
    private boolean writeQueued() {
        List<Pending> batch = new ArrayList<>();
        Pending next;
        while (batch.size() < MAX_BATCH && (next = queue.poll()) != null) {
            queued.decrementAndGet();
            batch.add(next);
        }
        if (batch.isEmpty()) {
            return false;
        }
        try {
            write(batch);
            batch.forEach(pending -> pending.committed().complete(null));
            notifyCommitted(batch);
        } catch (RuntimeException e) {
            log.error("Audit batch of {} records could not be committed: {}", batch.size(), e.toString());
            batch.forEach(pending -> pending.committed().completeExceptionally(e));
            reloadHeadQuietly();
        }
        return true;
    }

    private void write(List<Pending> batch) {
        long seq = lastSeq;
        byte[] previous = lastHash;
        List<Object[]> rows = new ArrayList<>(batch.size());
        List<String[]> patients = new ArrayList<>(batch.size());
        for (Pending pending : batch) {
            AuditRecord record = pending.record();
            String content = pending.content();
            seq++;
            byte[] hash = AuditChain.hash(previous, node, seq, content);
            rows.add(new Object[] {
                node,
                seq,
                Timestamp.from(Instant.parse(record.recorded())),
                record.category(),
                record.subtype(),
                record.action(),
                record.outcome(),
                record.userId(),
                record.clientId(),
                record.resourceType(),
                record.resourceId(),
                content,
                previous,
                hash
            });
            patients.add(record.patients().toArray(String[]::new));
            previous = hash;
        }
        long newSeq = seq;
        byte[] newHash = previous;
        Instant now = clock.instant();
        boolean checkpoint = newSeq - lastCheckpointSeq >= CHECKPOINT_EVERY
                || Duration.between(lastCheckpointAt, now).compareTo(CHECKPOINT_INTERVAL) >= 0;
        // One statement, one round trip, committed on its own (autocommit): under load every round
        // trip to PostgreSQL waits for a CPU, and each request waits for its batch. The checkpoint,
        // when due, is inserted by the same statement (a data-modifying WITH), so atomically.
        StringBuilder sql = new StringBuilder(INSERT_RECORDS);
        for (int i = 0; i < rows.size(); i++) {
            sql.append(i == 0 ? "" : ",").append("(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
        }
        String statementSql = checkpoint
                ? "WITH records AS (" + sql + ") INSERT INTO audit.checkpoint (node, node_seq, hash, mac, created)"
                        + " VALUES (?, ?, ?, ?, ?)"
                : sql.toString();
        jdbc.execute((ConnectionCallback<Void>) connection -> {
            try (PreparedStatement statement = connection.prepareStatement(statementSql)) {
                int p = 1;
                for (int i = 0; i < rows.size(); i++) {
                    Object[] row = rows.get(i);
                    for (int c = 0; c < 11; c++) {
                        statement.setObject(p++, row[c]);
                    }
                    statement.setArray(p++, connection.createArrayOf("text", patients.get(i)));
                    statement.setString(p++, (String) row[11]);
                    statement.setBytes(p++, (byte[]) row[12]);
                    statement.setBytes(p++, (byte[]) row[13]);
                }
                if (checkpoint) {
                    statement.setString(p++, node);
                    statement.setLong(p++, newSeq);
                    statement.setBytes(p++, newHash);
                    statement.setBytes(p++, chain.checkpointMac(node, newSeq, newHash));
                    statement.setTimestamp(p, Timestamp.from(now));
                }
                statement.executeUpdate();
            }
            return null;
        });
        lastSeq = newSeq;
        lastHash = newHash;
        if (checkpoint) {
            lastCheckpointSeq = newSeq;
            lastCheckpointAt = now;
        }
    }

    private void notifyCommitted(List<Pending> batch) {
        try {
            afterCommit.accept(batch.stream().map(Pending::record).toList());
        } catch (RuntimeException e) {
            log.error("After-commit processing of audit records failed: {}", e.toString());
        }
    }

    static String canonical(AuditRecord record) {
        try {
            return CANONICAL.writeValueAsString(record);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private void loadHead() {
        List<Object[]> head = jdbc.query(
                "SELECT node_seq, hash FROM audit.record WHERE node = ? ORDER BY node_seq DESC LIMIT 1",
                (row, n) -> new Object[] {row.getLong(1), row.getBytes(2)},
                node);
        if (head.isEmpty()) {
            List<Object[]> purged = jdbc.query(
                    "SELECT up_to_seq, last_hash FROM audit.purge WHERE node = ? ORDER BY up_to_seq DESC LIMIT 1",
                    (row, n) -> new Object[] {row.getLong(1), row.getBytes(2)},
                    node);
            lastSeq = purged.isEmpty() ? 0 : (long) purged.get(0)[0];
            lastHash = purged.isEmpty() ? AuditChain.GENESIS : (byte[]) purged.get(0)[1];
        } else {
            lastSeq = (long) head.get(0)[0];
            lastHash = (byte[]) head.get(0)[1];
        }
        lastCheckpointSeq = jdbc.queryForObject(
                "SELECT coalesce(max(node_seq), 0) FROM audit.checkpoint WHERE node = ?", Long.class, node);
        lastCheckpointAt = clock.instant();
    }

    private void reloadHeadQuietly() {
        try {
            loadHead();
        } catch (RuntimeException e) {
            log.warn("Audit store still unavailable: {}", e.toString());
        }
    }

    @Override
    public void close() {
        running = false;
        if (leader.tryLock()) {
            try {
                while (writeQueued()) {}
            } finally {
                leader.unlock();
            }
        }
    }
}
