package org.securefhir.server.export;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.securefhir.interceptors.encryption.FieldCipher;
import org.securefhir.server.encryption.KeyProvider;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Exports and their files in PostgreSQL (schema {@code bulk_export}), shared by every node. Every
 * file, and the kick-off URL, is sealed with AES-256-GCM under the export's own data key (bound to
 * the export and the file's place in it), stored only wrapped by the current key-encryption key:
 * whoever reads the database without the KEK reads nothing. Expired exports are deleted with their
 * wrapped key.
 */
final class ExportJobs {

    /** A job whose runner has not touched it for this long was interrupted (its node stopped). */
    static final Duration HEARTBEAT_TIMEOUT = Duration.ofMinutes(3);

    private static final SecureRandom RANDOM = new SecureRandom();

    private final JdbcTemplate jdbc;
    private final KeyProvider keys;
    private final Clock clock;

    ExportJobs(JdbcTemplate jdbc, KeyProvider keys, Clock clock) {
        this.jdbc = jdbc;
        this.keys = keys;
        this.clock = clock;
    }

    enum Status {
        IN_PROGRESS("in-progress"),
        COMPLETED("completed"),
        FAILED("failed");

        final String code;

        Status(String code) {
            this.code = code;
        }

        static Status of(String code) {
            return Arrays.stream(values())
                    .filter(status -> status.code.equals(code))
                    .findFirst()
                    .orElseThrow();
        }
    }

    /** An export as its owner may see it (never its files' content). */
    record Job(
            UUID id,
            String clientId,
            String subject,
            Status status,
            Instant transactionTime,
            Instant expires,
            Optional<String> progress,
            Optional<String> failure,
            int failureStatus) {}

    /** One file of an export, as listed in the manifest. */
    record FileEntry(int seq, String kind, String resourceType, int count) {}

    /** A file's content and the patients whose data it holds. */
    record FileContent(String resourceType, byte[] ndjson, Set<String> patients) {}

    /** Records a new export (in progress) with a fresh data key; it expires at {@code expires} unless finished. */
    UUID create(String clientId, String subject, Instant transactionTime, String requestUrl, Instant expires) {
        UUID id = UUID.randomUUID();
        byte[] key = new byte[FieldCipher.KEY_BYTES];
        RANDOM.nextBytes(key);
        String version = keys.currentVersion();
        byte[] wrapped = keys.wrap(version, key, context(id));
        byte[] request =
                FieldCipher.encrypt(secret(key), requestUrl.getBytes(StandardCharsets.UTF_8), aad(id, "request"));
        Arrays.fill(key, (byte) 0);
        Timestamp now = Timestamp.from(clock.instant());
        jdbc.update(
                "INSERT INTO bulk_export.job (id, client_id, subject, status, transaction_time, created, heartbeat,"
                        + " expires, key_version, wrapped_key, request) VALUES (?, ?, ?, 'in-progress', ?, ?, ?, ?, ?, ?, ?)",
                id,
                clientId,
                subject,
                Timestamp.from(transactionTime),
                now,
                now,
                Timestamp.from(expires),
                version,
                wrapped,
                request);
        return id;
    }

    /** How many exports of the client are running. */
    int running(String clientId) {
        Integer count = jdbc.queryForObject(
                "SELECT count(*) FROM bulk_export.job WHERE client_id = ? AND status = 'in-progress'",
                Integer.class,
                clientId);
        return count == null ? 0 : count;
    }

    /** The export, unless it expired or was cancelled. */
    Optional<Job> find(UUID id) {
        return jdbc
                .query(
                        "SELECT id, client_id, subject, status, transaction_time, expires, progress, failure,"
                                + " failure_status FROM bulk_export.job WHERE id = ? AND expires > ?",
                        (row, n) -> new Job(
                                row.getObject(1, UUID.class),
                                row.getString(2),
                                row.getString(3),
                                Status.of(row.getString(4)),
                                row.getTimestamp(5).toInstant(),
                                row.getTimestamp(6).toInstant(),
                                Optional.ofNullable(row.getString(7)),
                                Optional.ofNullable(row.getString(8)),
                                row.getInt(9)),
                        id,
                        Timestamp.from(clock.instant()))
                .stream()
                .findFirst();
    }

    /** The kick-off URL, unsealed (the manifest's {@code request}). */
    String requestUrl(UUID id) {
        byte[] sealed = jdbc.queryForObject("SELECT request FROM bulk_export.job WHERE id = ?", byte[].class, id);
        return new String(FieldCipher.decrypt(key(id), sealed, aad(id, "request")), StandardCharsets.UTF_8);
    }

    List<FileEntry> files(UUID id) {
        return jdbc.query(
                "SELECT seq, kind, resource_type, resource_count FROM bulk_export.file WHERE job_id = ? ORDER BY seq",
                (row, n) -> new FileEntry(row.getInt(1), row.getString(2), row.getString(3), row.getInt(4)),
                id);
    }

    /** Whether the export is still wanted (not cancelled, not expired) and in progress; touches it. */
    boolean heartbeat(UUID id, String progress) {
        return jdbc.update(
                        "UPDATE bulk_export.job SET heartbeat = ?, progress = ? WHERE id = ? AND status = 'in-progress'",
                        Timestamp.from(clock.instant()),
                        progress,
                        id)
                == 1;
    }

    /** Seals and stores one file. */
    void addFile(
            UUID id,
            SecretKey key,
            int seq,
            String kind,
            String resourceType,
            int count,
            byte[] ndjson,
            Collection<String> patients) {
        byte[] content = FieldCipher.encrypt(key, ndjson, aad(id, "file " + seq));
        byte[] owners = FieldCipher.encrypt(
                key,
                String.join("\n", new TreeSet<>(patients)).getBytes(StandardCharsets.UTF_8),
                aad(id, "patients " + seq));
        jdbc.update(
                "INSERT INTO bulk_export.file (job_id, seq, kind, resource_type, resource_count, content, patients)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?)",
                id,
                seq,
                kind,
                resourceType,
                count,
                content,
                owners);
    }

    Optional<FileContent> file(UUID id, int seq) {
        return jdbc
                .query(
                        "SELECT resource_type, content, patients FROM bulk_export.file WHERE job_id = ? AND seq = ?",
                        (row, n) -> new Object[] {row.getString(1), row.getBytes(2), row.getBytes(3)},
                        id,
                        seq)
                .stream()
                .findFirst()
                .map(row -> {
                    SecretKey key = key(id);
                    byte[] ndjson = FieldCipher.decrypt(key, (byte[]) row[1], aad(id, "file " + seq));
                    String owners = new String(
                            FieldCipher.decrypt(key, (byte[]) row[2], aad(id, "patients " + seq)),
                            StandardCharsets.UTF_8);
                    Set<String> patients = owners.isEmpty() ? Set.of() : Set.of(owners.split("\n"));
                    return new FileContent((String) row[0], ndjson, patients);
                });
    }

    /** Finished: its files may be downloaded until {@code expires}. */
    void complete(UUID id, Instant expires) {
        finish(id, "completed", null, 0, expires);
    }

    /** Failed, for the reason given (no values: a status and a resource type). */
    void fail(UUID id, String reason, int status, Instant expires) {
        finish(id, "failed", reason, status, expires);
    }

    private void finish(UUID id, String status, String reason, int failureStatus, Instant expires) {
        jdbc.update(
                "UPDATE bulk_export.job SET status = ?, finished = ?, expires = ?, failure = ?, failure_status = ?,"
                        + " progress = NULL WHERE id = ? AND status = 'in-progress'",
                status,
                Timestamp.from(clock.instant()),
                Timestamp.from(expires),
                reason,
                failureStatus,
                id);
    }

    /** Cancels (DELETE on the status URL): the export and its files are gone at once. */
    boolean delete(UUID id) {
        return jdbc.update("DELETE FROM bulk_export.job WHERE id = ?", id) == 1;
    }

    /**
     * Deletes expired exports (files and wrapped key with them) and fails those whose node stopped
     * running them.
     *
     * @return how many were deleted
     */
    int sweep(Duration fileLifetime) {
        Instant now = clock.instant();
        jdbc.update(
                "UPDATE bulk_export.job SET status = 'failed', finished = ?, expires = ?, failure = ?, failure_status = 500,"
                        + " progress = NULL WHERE status = 'in-progress' AND heartbeat < ?",
                Timestamp.from(now),
                Timestamp.from(now.plus(fileLifetime)),
                "interrupted: the server running the export stopped; kick it off again",
                Timestamp.from(now.minus(HEARTBEAT_TIMEOUT)));
        return jdbc.update("DELETE FROM bulk_export.job WHERE expires <= ?", Timestamp.from(now));
    }

    /** The export's data key, unwrapped. */
    SecretKey key(UUID id) {
        Object[] row = jdbc.queryForObject(
                "SELECT key_version, wrapped_key FROM bulk_export.job WHERE id = ?",
                (result, n) -> new Object[] {result.getString(1), result.getBytes(2)},
                id);
        byte[] key = keys.unwrap((String) row[0], (byte[]) row[1], context(id));
        try {
            return secret(key);
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    private static SecretKey secret(byte[] key) {
        return new SecretKeySpec(key, "AES");
    }

    private static byte[] context(UUID id) {
        return ("bulk-export " + id).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] aad(UUID id, String part) {
        return ("bulk-export " + id + " " + part).getBytes(StandardCharsets.UTF_8);
    }
}
