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
        jdbc.update("DELETE FROM smart_auth.ehr_launch WHERE expires_at < ?", Timestamp.from(now));
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

    /** The context of an unexpired launch id. */
    public Optional<EhrLaunch> find(String launchId) {
        if (launchId == null || launchId.isBlank() || launchId.length() > 100) {
            return Optional.empty();
        }
        return jdbc
                .query(
                        "SELECT patient, encounter, client_id, need_patient_banner, smart_style_url, fhir_context"
                                + " FROM smart_auth.ehr_launch WHERE id_hash = ? AND expires_at > ?",
                        (rs, row) -> new EhrLaunch(
                                rs.getString(1),
                                Optional.ofNullable(rs.getString(2)),
                                Optional.ofNullable(rs.getString(3)),
                                rs.getBoolean(4),
                                Optional.ofNullable(rs.getString(5)),
                                references(rs.getString(6))),
                        hash(launchId),
                        Timestamp.from(clock.instant()))
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
