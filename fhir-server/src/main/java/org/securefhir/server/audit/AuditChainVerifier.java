package org.securefhir.server.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.security.MessageDigest;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Verifies every node's audit chain: records numbered without gaps from the chain's start (or its
 * last purge watermark), each linked to its predecessor's hash, each hash matching its content, the
 * searchable columns matching the content, and every checkpoint's MAC valid and matching the record
 * it names (which catches rewritten chains and removed tails). Reports the first broken link.
 */
final class AuditChainVerifier {

    private final JdbcTemplate jdbc;
    private final AuditChain chain;

    AuditChainVerifier(JdbcTemplate jdbc, AuditChain chain) {
        this.jdbc = jdbc;
        this.chain = chain;
    }

    /** The result: how many records were checked and where the chain first breaks, if it does. */
    record Verification(long checked, Optional<String> firstBroken) {
        boolean intact() {
            return firstBroken.isEmpty();
        }
    }

    Verification verify() {
        long checked = 0;
        List<String> nodes = jdbc.queryForList(
                "SELECT node FROM audit.record UNION SELECT node FROM audit.checkpoint ORDER BY 1", String.class);
        for (String node : nodes) {
            NodeCheck check = new NodeCheck(node);
            jdbc.query(
                    "SELECT node_seq, recorded, subtype, action, outcome, user_id, resource_type, resource_id,"
                            + " patients, content, prev_hash, hash FROM audit.record WHERE node = ? ORDER BY node_seq",
                    check::row,
                    node);
            checked += check.count;
            if (check.broken != null) {
                return new Verification(checked, Optional.of(check.broken));
            }
            Optional<String> checkpoints = checkpoints(node, check);
            if (checkpoints.isPresent()) {
                return new Verification(checked, checkpoints);
            }
        }
        return new Verification(checked, Optional.empty());
    }

    private Optional<String> checkpoints(String node, NodeCheck check) {
        List<Object[]> rows = jdbc.query(
                "SELECT node_seq, hash, mac FROM audit.checkpoint WHERE node = ? ORDER BY node_seq",
                (row, n) -> new Object[] {row.getLong(1), row.getBytes(2), row.getBytes(3)},
                node);
        for (Object[] row : rows) {
            long seq = (long) row[0];
            byte[] hash = (byte[]) row[1];
            if (!MessageDigest.isEqual(chain.checkpointMac(node, seq, hash), (byte[]) row[2])) {
                return Optional.of(node + " checkpoint #" + seq + ": signature invalid (checkpoint altered)");
            }
            if (seq <= check.startAfter) {
                continue; // purged by retention
            }
            if (seq > check.lastSeq) {
                return Optional.of(node + " record #" + (check.lastSeq + 1) + " onwards: missing (removed after"
                        + " checkpoint #" + seq + " was signed)");
            }
            byte[] recorded = check.hashes.get((int) (seq - check.startAfter - 1));
            if (!MessageDigest.isEqual(recorded, hash)) {
                return Optional.of(node + " record #" + seq + ": differs from its signed checkpoint (chain rewritten)");
            }
        }
        return Optional.empty();
    }

    /** Walks one node's records in order. */
    private final class NodeCheck {
        private final String node;
        private final long startAfter;
        private byte[] previous;
        private long expected;
        private long lastSeq;
        private long count;
        private String broken;
        private final List<byte[]> hashes = new ArrayList<>();

        NodeCheck(String node) {
            this.node = node;
            List<Object[]> purge = jdbc.query(
                    "SELECT up_to_seq, last_hash FROM audit.purge WHERE node = ? ORDER BY up_to_seq DESC LIMIT 1",
                    (row, n) -> new Object[] {row.getLong(1), row.getBytes(2)},
                    node);
            this.startAfter = purge.isEmpty() ? 0 : (long) purge.get(0)[0];
            this.previous = purge.isEmpty() ? AuditChain.GENESIS : (byte[]) purge.get(0)[1];
            this.expected = startAfter + 1;
            this.lastSeq = startAfter;
        }

        void row(ResultSet row) throws SQLException {
            if (broken != null) {
                return;
            }
            long seq = row.getLong("node_seq");
            count++;
            if (seq != expected) {
                broken = node + " record #" + expected + ": missing or out of order (found #" + seq + ")";
                return;
            }
            String content = row.getString("content");
            byte[] hash = row.getBytes("hash");
            if (!Arrays.equals(row.getBytes("prev_hash"), previous)) {
                broken = node + " record #" + seq + ": not linked to its predecessor (removed or reordered)";
                return;
            }
            if (!MessageDigest.isEqual(AuditChain.hash(previous, node, seq, content), hash)) {
                broken = node + " record #" + seq + ": content changed";
                return;
            }
            if (!columnsMatch(row, content)) {
                broken = node + " record #" + seq + ": searchable columns differ from the recorded content";
                return;
            }
            hashes.add(hash);
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
                                .equals(java.time.Instant.parse(
                                                json.path("recorded").asText())
                                        .toString())
                        && text(json, "subtype").equals(row.getString("subtype"))
                        && text(json, "action").equals(row.getString("action").trim())
                        && text(json, "outcome").equals(row.getString("outcome"))
                        && Objects.equals(textOrNull(json, "userId"), row.getString("user_id"))
                        && Objects.equals(textOrNull(json, "resourceType"), row.getString("resource_type"))
                        && Objects.equals(textOrNull(json, "resourceId"), row.getString("resource_id"))
                        && patients.equals(
                                Arrays.stream(array).map(String::valueOf).toList());
            } catch (java.io.IOException e) {
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
