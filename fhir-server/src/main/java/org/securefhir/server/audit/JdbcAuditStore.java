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
import java.util.Collection;
import java.util.List;
import java.util.Queue;
import java.util.UUID;
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
import org.springframework.transaction.support.TransactionTemplate;

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
    /** The last sequence number this node committed (read by the chain verification). */
    private volatile long committedSeq;

    // only with the leader lock held
    private long lastSeq;
    private byte[] lastHash;
    private long lastCheckpointSeq;
    private Instant lastCheckpointAt;

    /** A record waiting for its batch, with the write intents its commit settles. */
    private record Pending(AuditRecord record, String content, List<UUID> settles, CompletableFuture<Void> committed) {}

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
        appendAll(records, List.of());
    }

    @Override
    public void appendAll(List<AuditRecord> records, Collection<UUID> settledIntents) {
        List<CompletableFuture<Void>> committed = new ArrayList<>(records.size());
        List<Pending> mine = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
            AuditRecord record = records.get(i);
            List<UUID> settles = i == 0 ? List.copyOf(settledIntents) : List.of();
            Pending pending = new Pending(record, canonical(record), settles, new CompletableFuture<>());
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
            write(batch, List.of());
            batch.forEach(pending -> pending.committed().complete(null));
            notifyCommitted(batch);
        } catch (RuntimeException e) {
            log.error("Audit batch of {} records could not be committed: {}", batch.size(), e.toString());
            batch.forEach(pending -> pending.committed().completeExceptionally(e));
            reloadHeadQuietly();
        }
        return true;
    }

    /**
     * Writes the batch as the chain's next records, in one statement that also removes the write
     * intents the batch settles and those it recovers (so an intent is either still there or in the
     * chain, never both or neither).
     */
    private void write(List<Pending> batch, List<UUID> recovered) {
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
                record.recorded(), // ISO 8601; PostgreSQL parses it (java.time's parser cost 2 % of a read)
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
        List<UUID> settled = new ArrayList<>(recovered);
        batch.forEach(pending -> settled.addAll(pending.settles()));
        StringBuilder sql = new StringBuilder(INSERT_RECORDS);
        for (int i = 0; i < rows.size(); i++) {
            sql.append(i == 0 ? "" : ",").append("(?,?,CAST(? AS timestamptz),?,?,?,?,?,?,?,?,?,?,?,?)");
        }
        String settle = settled.isEmpty() ? "" : "settled AS (DELETE FROM audit.intent WHERE id = ANY(?)), ";
        String statementSql = checkpoint
                ? "WITH " + settle + "records AS (" + sql
                        + ") INSERT INTO audit.checkpoint (node, node_seq, hash, mac, created) VALUES (?, ?, ?, ?, ?)"
                : settle.isEmpty() ? sql.toString() : "WITH " + settle.substring(0, settle.length() - 2) + " " + sql;
        jdbc.execute((ConnectionCallback<Void>) connection -> {
            try (PreparedStatement statement = connection.prepareStatement(statementSql)) {
                int p = 1;
                if (!settled.isEmpty()) {
                    statement.setArray(p++, connection.createArrayOf("uuid", settled.toArray()));
                }
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
        committedSeq = newSeq;
        if (checkpoint) {
            lastCheckpointSeq = newSeq;
            lastCheckpointAt = now;
        }
    }

    /**
     * Moves write intents that no request settled into the chain (the process died, or the trail
     * failed, between a change's commit and its record's): this node's own of any age at start-up
     * ({@code olderThan} zero), otherwise those of any node older than {@code olderThan}. Each
     * becomes a record with the {@link org.securefhir.interceptors.audit.AuditRecords#RECOVERED}
     * note, committed in the statement that removes the intent; rows another node is recovering
     * are skipped.
     *
     * @return how many were recovered
     */
    int recoverIntents(Duration olderThan, TransactionTemplate transactions) {
        int total = 0;
        while (true) {
            Integer done;
            leader.lock(); // before any intent row is locked: a settling leader waits on neither
            try {
                done = transactions.execute(status -> {
                    Timestamp before = Timestamp.from(clock.instant().minus(olderThan));
                    List<Object[]> rows = jdbc.query(
                            "SELECT id, content FROM audit.intent WHERE "
                                    + (olderThan.isZero() ? "node = ?" : "created < ?")
                                    + " ORDER BY created LIMIT " + MAX_BATCH + " FOR UPDATE SKIP LOCKED",
                            (row, n) -> new Object[] {row.getObject(1, UUID.class), row.getString(2)},
                            olderThan.isZero() ? node : before);
                    if (rows.isEmpty()) {
                        return 0;
                    }
                    List<Pending> batch = new ArrayList<>(rows.size());
                    List<UUID> ids = new ArrayList<>(rows.size());
                    for (Object[] row : rows) {
                        AuditRecord record = parse((String) row[1]);
                        batch.add(new Pending(record, canonical(record), List.of(), new CompletableFuture<>()));
                        ids.add((UUID) row[0]);
                    }
                    write(batch, ids);
                    return rows.size();
                });
            } catch (RuntimeException e) {
                reloadHeadQuietly(); // the batch rolled back: the head is where the database says
                throw e;
            } finally {
                leader.unlock();
            }
            if (done == null || done == 0) {
                return total;
            }
            total += done;
        }
    }

    private static AuditRecord parse(String content) {
        try {
            return CANONICAL.readValue(content, AuditRecord.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("An audit intent could not be read", e);
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

    String node() {
        return node;
    }

    /** This node's last committed sequence number, as far as this running process knows. */
    java.util.Map<String, Long> liveHead() {
        long seq = committedSeq;
        return seq == 0 ? java.util.Map.of() : java.util.Map.of(node, seq);
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
