package org.securefhir.server.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.security.MessageDigest;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Verifies every node's audit chain and reports every finding, not only the first: a removed head
 * (the chain does not start at #1 or right after a purge watermark signed by this trail's key), a
 * purge watermark not signed by that key, any gap (records missing between two kept ones), a
 * removed tail (a signed checkpoint, or this node's own running head, beyond the last stored
 * record), a record not linked to its predecessor, changed content, searchable columns that differ
 * from the content, and checkpoints whose MAC or hash does not match.
 */
final class AuditChainVerifier {

    private static final int MAX_FINDINGS = 100;

    private final JdbcTemplate jdbc;
    private final AuditChain chain;
    private final Supplier<Map<String, Long>> liveHeads;

    AuditChainVerifier(JdbcTemplate jdbc, AuditChain chain) {
        this(jdbc, chain, Map::of);
    }

    /** @param liveHeads the last sequence number each running node here knows it committed */
    AuditChainVerifier(JdbcTemplate jdbc, AuditChain chain, Supplier<Map<String, Long>> liveHeads) {
        this.jdbc = jdbc;
        this.chain = chain;
        this.liveHeads = liveHeads;
    }

    /** How many records were checked and what was found (empty: intact). */
    record Verification(long checked, List<String> findings) {
        Verification {
            findings = List.copyOf(findings);
        }

        boolean intact() {
            return findings.isEmpty();
        }

        Optional<String> firstBroken() {
            return findings.stream().findFirst();
        }
    }

    /** In one snapshot (repeatable read), so that records committed meanwhile do not look removed. */
    Verification verify() {
        TransactionTemplate snapshot =
                new TransactionTemplate(new DataSourceTransactionManager(Objects.requireNonNull(jdbc.getDataSource())));
        snapshot.setIsolationLevel(TransactionDefinition.ISOLATION_REPEATABLE_READ);
        snapshot.setReadOnly(true);
        Map<String, Long> live = Map.copyOf(liveHeads.get()); // before the snapshot begins
        return snapshot.execute(status -> verifyIn(live));
    }

    private Verification verifyIn(Map<String, Long> live) {
        long checked = 0;
        List<String> findings = new ArrayList<>();
        java.util.SortedSet<String> nodes = new java.util.TreeSet<>(jdbc.queryForList(
                "SELECT node FROM audit.record UNION SELECT node FROM audit.checkpoint"
                        + " UNION SELECT node FROM audit.purge",
                String.class));
        nodes.addAll(live.keySet());
        for (String node : nodes) {
            NodeCheck check = new NodeCheck(node, findings);
            jdbc.query(
                    "SELECT node_seq, recorded, subtype, action, outcome, user_id, resource_type, resource_id,"
                            + " patients, content, prev_hash, hash FROM audit.record WHERE node = ? ORDER BY node_seq",
                    check::row,
                    node);
            checked += check.count;
            checkpoints(node, check, findings);
            Long head = live.get(node);
            if (head != null && head > check.lastSeq && !check.tailReported) {
                findings.add(node + " records #" + (check.lastSeq + 1) + "–#" + head
                        + " missing: the tail of the chain was removed (this node has written up to #" + head + ")");
            }
        }
        return new Verification(checked, findings.size() > MAX_FINDINGS ? findings.subList(0, MAX_FINDINGS) : findings);
    }

    private void checkpoints(String node, NodeCheck check, List<String> findings) {
        List<Object[]> rows = jdbc.query(
                "SELECT node_seq, hash, mac FROM audit.checkpoint WHERE node = ? ORDER BY node_seq",
                (row, n) -> new Object[] {row.getLong(1), row.getBytes(2), row.getBytes(3)},
                node);
        long lastSigned = 0;
        for (Object[] row : rows) {
            long seq = (long) row[0];
            byte[] hash = (byte[]) row[1];
            if (!MessageDigest.isEqual(chain.checkpointMac(node, seq, hash), (byte[]) row[2])) {
                findings.add(node + " checkpoint #" + seq + ": signature invalid (checkpoint altered)");
                continue;
            }
            lastSigned = Math.max(lastSigned, seq);
            byte[] recorded = check.hashes.get(seq);
            if (recorded != null && !MessageDigest.isEqual(recorded, hash)) {
                findings.add(node + " record #" + seq + ": differs from its signed checkpoint (chain rewritten)");
            }
        }
        if (lastSigned > check.lastSeq) {
            check.tailReported = true;
            findings.add(node + " records #" + (check.lastSeq + 1) + "–#" + lastSigned
                    + " missing: the tail of the chain was removed (checkpoint #" + lastSigned + " was signed)");
        }
    }

    /** Walks one node's records in order, from its last validly signed purge watermark. */
    private final class NodeCheck {
        private final String node;
        private final List<String> findings;
        private final long startAfter;
        private byte[] previous;
        private long expected;
        private long lastSeq;
        private long count;
        private boolean started;
        boolean tailReported;
        private final Map<Long, byte[]> hashes = new HashMap<>();

        NodeCheck(String node, List<String> findings) {
            this.node = node;
            this.findings = findings;
            long start = 0;
            byte[] resume = AuditChain.GENESIS;
            List<Object[]> watermarks = jdbc.query(
                    "SELECT up_to_seq, last_hash, purged_before, mac FROM audit.purge WHERE node = ? ORDER BY up_to_seq",
                    (row, n) -> new Object[] {
                        row.getLong(1), row.getBytes(2), row.getTimestamp(3).toInstant(), row.getBytes(4)
                    },
                    node);
            for (Object[] watermark : watermarks) {
                long upTo = (long) watermark[0];
                byte[] mac = (byte[]) watermark[3];
                byte[] expectedMac = chain.watermarkMac(node, upTo, (Instant) watermark[2], (byte[]) watermark[1]);
                if (mac == null || !MessageDigest.isEqual(expectedMac, mac)) {
                    findings.add(node + " purge watermark up to #" + upTo
                            + ": not signed by this trail's key (records removed outside the retention path)");
                    continue;
                }
                start = upTo;
                resume = (byte[]) watermark[1];
            }
            this.startAfter = start;
            this.previous = resume;
            this.expected = start + 1;
            this.lastSeq = start;
        }

        void row(ResultSet row) throws SQLException {
            long seq = row.getLong("node_seq");
            if (seq <= startAfter) {
                return; // covered by a signed watermark (a purge in progress elsewhere)
            }
            count++;
            if (findings.size() > MAX_FINDINGS) {
                return;
            }
            String content = row.getString("content");
            byte[] hash = row.getBytes("hash");
            byte[] prev = row.getBytes("prev_hash");
            if (seq != expected) {
                if (!started) {
                    findings.add(node + " records #" + expected + "–#" + (seq - 1) + " missing: the head of the chain"
                            + " was removed without a purge watermark signed by this trail's key");
                } else {
                    findings.add(node + " records #" + expected + "–#" + (seq - 1) + " missing: a gap in the chain");
                }
                previous = prev; // go on from here, to find what else is wrong
            } else if (!Arrays.equals(prev, previous)) {
                findings.add(node + " record #" + seq + ": not linked to its predecessor (removed or reordered)");
            }
            started = true;
            if (!MessageDigest.isEqual(AuditChain.hash(prev, node, seq, content), hash)) {
                findings.add(node + " record #" + seq + ": content changed");
            } else if (!columnsMatch(row, content)) {
                findings.add(node + " record #" + seq + ": searchable columns differ from the recorded content");
            }
            hashes.put(seq, hash);
            previous = hash;
            lastSeq = seq;
            expected = seq + 1;
        }

        private boolean columnsMatch(ResultSet row, String content) throws SQLException {
            try {
                JsonNode json = JdbcAuditStore.CANONICAL.readTree(content);
                List<String> patients = new ArrayList<>();
                json.path("patients").forEach(patient -> patients.add(patient.asText()));
                Object[] array = (Object[]) row.getArray("patients").getArray();
                return row.getTimestamp("recorded")
                                .toInstant()
                                .toString()
                                .equals(Instant.parse(json.path("recorded").asText())
                                        .toString())
                        && text(json, "subtype").equals(row.getString("subtype"))
                        && text(json, "action").equals(row.getString("action").trim())
                        && text(json, "outcome").equals(row.getString("outcome"))
                        && Objects.equals(textOrNull(json, "userId"), row.getString("user_id"))
                        && Objects.equals(textOrNull(json, "resourceType"), row.getString("resource_type"))
                        && Objects.equals(textOrNull(json, "resourceId"), row.getString("resource_id"))
                        && patients.equals(
                                Arrays.stream(array).map(String::valueOf).toList());
            } catch (java.io.IOException | RuntimeException e) {
                return false;
            }
        }
    }

    private static String text(JsonNode json, String field) {
        return json.path(field).asText();
    }

    private static String textOrNull(JsonNode json, String field) {
        return json.hasNonNull(field) ? json.get(field).asText() : null;
    }

    static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
