package org.securefhir.auth.smart;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.security.SecureRandom;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.securefhir.smart.Sha256;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Launch ids of EHR launches, in PostgreSQL (shared by all nodes). An id is 256 random bits,
 * returned once to the EHR; only its SHA-256 is stored; it expires after {@link #LIFETIME}.
 *
 * <p>The first authorization that gets tokens with an unexpired id is bound to it: that authorization
 * keeps the launch's context for as long as it lives (its refreshed tokens keep their patient after
 * the id has expired), and the id starts no other authorization.
 */
public final class EhrLaunches {

    public static final Duration LIFETIME = Duration.ofMinutes(10);

    private final JdbcTemplate jdbc;
    private final SecureRandom random;
    private final Clock clock;
    private final ObjectMapper json = new ObjectMapper();

    public EhrLaunches(JdbcTemplate jdbc, SecureRandom random, Clock clock) {
        this.jdbc = jdbc;
        this.random = random;
        this.clock = clock;
    }

    /** Stores the context and returns its new launch id. */
    public String create(EhrLaunch launch, String createdBy) {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        String id = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        Instant now = clock.instant();
        // expired ids nobody used, and those of authorizations that no longer exist
        jdbc.update(
                "DELETE FROM smart_auth.ehr_launch l WHERE l.expires_at < ? AND (l.authorization_id IS NULL"
                        + " OR NOT EXISTS (SELECT 1 FROM smart_auth.oauth2_authorization a"
                        + " WHERE a.id = l.authorization_id))",
                Timestamp.from(now));
        try {
            jdbc.update(
                    "INSERT INTO smart_auth.ehr_launch (id_hash, patient, encounter, client_id, need_patient_banner,"
                            + " smart_style_url, fhir_context, created_by, created_at, expires_at)"
                            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    hash(id),
                    launch.patient(),
                    launch.encounter().orElse(null),
                    launch.clientId().orElse(null),
                    launch.needPatientBanner(),
                    launch.smartStyleUrl().orElse(null),
                    json.writeValueAsString(launch.fhirContext()),
                    createdBy,
                    Timestamp.from(now),
                    Timestamp.from(now.plus(LIFETIME)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return id;
    }

    /** The context of an unexpired launch id that no authorization has used yet. */
    public Optional<EhrLaunch> find(String launchId) {
        if (!wellFormed(launchId)) {
            return Optional.empty();
        }
        return select(
                "id_hash = ? AND expires_at > ? AND authorization_id IS NULL",
                hash(launchId),
                Timestamp.from(clock.instant()));
    }

    /**
     * The context of a launch id for an authorization: binds the id to it if the id is unexpired and
     * unused; then the context of the id as long as it is bound to this authorization (after the id
     * itself expired too), and nothing if another authorization used it.
     */
    public Optional<EhrLaunch> forAuthorization(String launchId, String authorizationId) {
        if (!wellFormed(launchId) || authorizationId == null || authorizationId.isBlank()) {
            return Optional.empty();
        }
        jdbc.update(
                "UPDATE smart_auth.ehr_launch SET authorization_id = ?"
                        + " WHERE id_hash = ? AND expires_at > ? AND authorization_id IS NULL",
                authorizationId,
                hash(launchId),
                Timestamp.from(clock.instant()));
        return select("id_hash = ? AND authorization_id = ?", hash(launchId), authorizationId);
    }

    private static boolean wellFormed(String launchId) {
        return launchId != null && !launchId.isBlank() && launchId.length() <= 100;
    }

    private Optional<EhrLaunch> select(String where, Object... arguments) {
        return jdbc
                .query(
                        "SELECT patient, encounter, client_id, need_patient_banner, smart_style_url, fhir_context"
                                + " FROM smart_auth.ehr_launch WHERE " + where,
                        (rs, row) -> new EhrLaunch(
                                rs.getString(1),
                                Optional.ofNullable(rs.getString(2)),
                                Optional.ofNullable(rs.getString(3)),
                                rs.getBoolean(4),
                                Optional.ofNullable(rs.getString(5)),
                                references(rs.getString(6))),
                        arguments)
                .stream()
                .findFirst();
    }

    private List<String> references(String text) {
        try {
            return text == null ? List.of() : json.readValue(text, new TypeReference<List<String>>() {});
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] hash(String id) {
        return Sha256.of(id);
    }
}
