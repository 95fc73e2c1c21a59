package org.securefhir.server.consent;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Break-glass declarations ({@code consent.break_glass}): who declared emergency access to which
 * patient, why, until when, and the compliance review of each.
 */
final class JdbcBreakGlass {

    /** One declaration as stored. */
    record Declaration(
            UUID id,
            String userId,
            Optional<String> fhirUser,
            String clientId,
            String patient,
            String reasonCode,
            String reasonText,
            Instant declared,
            Instant expires,
            Optional<Instant> reviewed,
            Optional<String> reviewer,
            Optional<String> reviewNote) {}

    private final JdbcTemplate jdbc;
    private final Clock clock;

    JdbcBreakGlass(JdbcTemplate jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    Declaration declare(
            String userId,
            Optional<String> fhirUser,
            String clientId,
            String patient,
            String reasonCode,
            String reasonText,
            Duration lasting) {
        Instant now = clock.instant();
        Declaration declaration = new Declaration(
                UUID.randomUUID(),
                userId,
                fhirUser,
                clientId,
                patient,
                reasonCode,
                reasonText,
                now,
                now.plus(lasting),
                Optional.empty(),
                Optional.empty(),
                Optional.empty());
        jdbc.update(
                "INSERT INTO consent.break_glass (id, user_id, fhir_user, client_id, patient_id, reason_code,"
                        + " reason_text, declared_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                declaration.id(),
                userId,
                fhirUser.orElse(null),
                clientId,
                patient,
                reasonCode,
                reasonText,
                Timestamp.from(now),
                Timestamp.from(declaration.expires()));
        return declaration;
    }

    static final String UNEXPIRED = "SELECT patient_id, expires_at, id, reason_code FROM consent.break_glass"
            + " WHERE user_id = ? AND expires_at > ? ORDER BY expires_at";

    /** The user's declarations that have not expired. */
    List<CachedConsentFacts.Grant> unexpired(String userId) {
        return jdbc.query(
                UNEXPIRED,
                (rs, row) -> new CachedConsentFacts.Grant(
                        rs.getString(1),
                        rs.getTimestamp(2).toInstant(),
                        "declaration " + rs.getString(3) + " " + rs.getString(4)),
                userId,
                Timestamp.from(clock.instant()));
    }

    /** Declarations awaiting review (oldest first), or all of them. */
    List<Declaration> list(boolean unreviewedOnly, int limit) {
        return jdbc.query(
                "SELECT * FROM consent.break_glass"
                        + (unreviewedOnly ? " WHERE reviewed_at IS NULL" : "")
                        + " ORDER BY declared_at LIMIT ?",
                (rs, row) -> read(rs),
                limit);
    }

    Optional<Declaration> find(UUID id) {
        return jdbc.query("SELECT * FROM consent.break_glass WHERE id = ?", (rs, row) -> read(rs), id).stream()
                .findFirst();
    }

    /** Marks a declaration reviewed; false if it already was (a review is never overwritten). */
    boolean review(UUID id, String reviewer, String note) {
        return jdbc.update(
                        "UPDATE consent.break_glass SET reviewed_at = ?, reviewed_by = ?, review_note = ?"
                                + " WHERE id = ? AND reviewed_at IS NULL",
                        Timestamp.from(clock.instant()),
                        reviewer,
                        note,
                        id)
                == 1;
    }

    private static Declaration read(ResultSet rs) throws SQLException {
        Timestamp reviewed = rs.getTimestamp("reviewed_at");
        return new Declaration(
                rs.getObject("id", UUID.class),
                rs.getString("user_id"),
                Optional.ofNullable(rs.getString("fhir_user")),
                rs.getString("client_id"),
                rs.getString("patient_id"),
                rs.getString("reason_code"),
                rs.getString("reason_text"),
                rs.getTimestamp("declared_at").toInstant(),
                rs.getTimestamp("expires_at").toInstant(),
                Optional.ofNullable(reviewed).map(Timestamp::toInstant),
                Optional.ofNullable(rs.getString("reviewed_by")),
                Optional.ofNullable(rs.getString("review_note")));
    }
}
