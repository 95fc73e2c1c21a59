package org.securefhir.server.audit;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.securefhir.interceptors.audit.AuditRecord;
import org.securefhir.interceptors.audit.AuditSink;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The only path that removes audit records: this node's oldest records, recorded before a cutoff,
 * as a prefix of its chain. In one transaction it sets {@code audit.purge} (which the triggers
 * require for DELETE), writes a purge watermark (where the chain resumes: the last removed hash),
 * and deletes; then the purge itself is audited.
 */
final class AuditRetention {

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final AuditSink sink;
    private final String node;
    private final Clock clock;

    AuditRetention(JdbcTemplate jdbc, TransactionTemplate transactions, AuditSink sink, String node, Clock clock) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.sink = sink;
        this.node = node;
        this.clock = clock;
    }

    /** @return how many records were removed */
    long purgeBefore(Instant cutoff) {
        Long upTo = jdbc.queryForObject(
                "SELECT max(node_seq) FROM audit.record WHERE node = ? AND recorded < ?",
                Long.class,
                node,
                Timestamp.from(cutoff));
        if (upTo == null) {
            return 0;
        }
        Long firstKept = jdbc.queryForObject(
                "SELECT min(node_seq) FROM audit.record WHERE node = ? AND recorded >= ?",
                Long.class,
                node,
                Timestamp.from(cutoff));
        long last = firstKept != null && firstKept <= upTo ? firstKept - 1 : upTo; // a prefix only
        List<byte[]> hash = jdbc.query(
                "SELECT hash FROM audit.record WHERE node = ? AND node_seq = ?",
                (row, n) -> row.getBytes(1),
                node,
                last);
        if (hash.isEmpty()) {
            return 0;
        }
        Instant now = clock.instant();
        Integer removed = transactions.execute(status -> {
            jdbc.execute("SET LOCAL audit.purge = 'on'");
            jdbc.update(
                    "INSERT INTO audit.purge (node, up_to_seq, last_hash, purged_before, purged_at) VALUES (?, ?, ?, ?, ?)",
                    node,
                    last,
                    hash.get(0),
                    Timestamp.from(cutoff),
                    Timestamp.from(now));
            return jdbc.update("DELETE FROM audit.record WHERE node = ? AND node_seq <= ?", node, last);
        });
        long count = removed == null ? 0 : removed;
        sink.append(AuditRecord.event(
                now.truncatedTo(ChronoUnit.MILLIS).toString(),
                "security",
                "audit-purge",
                "D",
                AuditRecord.SUCCESS,
                "retention removed " + count + " records of node " + node + " up to #" + last + " (recorded before "
                        + cutoff + ")",
                null,
                null,
                null,
                node));
        return count;
    }
}
