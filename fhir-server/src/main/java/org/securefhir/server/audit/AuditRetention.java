package org.securefhir.server.audit;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.securefhir.interceptors.audit.AuditRecord;
import org.securefhir.interceptors.audit.AuditSink;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The only path that removes audit records: this node's oldest records, recorded before a cutoff,
 * as a prefix of its chain, through the database function {@code audit.purge_prefix} (the server's
 * login role has no DELETE; the function runs as the schema's owner, refuses records younger than
 * the minimum retention, and writes the watermark where the chain resumes, with the MAC computed
 * here); then the purge itself is audited.
 */
final class AuditRetention {

    private final JdbcTemplate jdbc;
    private final AuditChain chain;
    private final AuditSink sink;
    private final String node;
    private final Clock clock;

    AuditRetention(JdbcTemplate jdbc, AuditChain chain, AuditSink sink, String node, Clock clock) {
        this.jdbc = jdbc;
        this.chain = chain;
        this.sink = sink;
        this.node = node;
        this.clock = clock;
    }

    /** @return how many records were removed */
    long purgeBefore(Instant requestedCutoff) {
        Instant cutoff = requestedCutoff.truncatedTo(ChronoUnit.MILLIS);
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
        Instant before = cutoff;
        Long removed = jdbc.queryForObject(
                "SELECT audit.purge_prefix(?, ?, ?, ?)",
                Long.class,
                node,
                last,
                Timestamp.from(before),
                chain.watermarkMac(node, last, before, hash.get(0)));
        long count = removed == null ? 0 : removed;
        sink.append(AuditRecord.event(
                now.truncatedTo(ChronoUnit.MILLIS).toString(),
                "security",
                "audit-purge",
                "D",
                AuditRecord.SUCCESS,
                "retention removed " + count + " records of node " + node + " up to #" + last + " (recorded before "
                        + before + ")",
                null,
                null,
                null,
                node));
        return count;
    }
}
