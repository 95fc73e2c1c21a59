package org.securefhir.auth.smart;

import java.sql.Timestamp;
import java.time.Clock;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;

/** The patient a clinician picked for an authorization (standalone launch with {@code launch/patient}). */
public final class PickedPatients {

    private final JdbcTemplate jdbc;
    private final Clock clock;

    public PickedPatients(JdbcTemplate jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    public void pick(String authorizationId, String patient, String userId) {
        jdbc.update(
                "INSERT INTO smart_auth.picked_patient (authorization_id, patient, picked_by, picked_at)"
                        + " VALUES (?, ?, ?, ?) ON CONFLICT (authorization_id)"
                        + " DO UPDATE SET patient = EXCLUDED.patient, picked_by = EXCLUDED.picked_by,"
                        + " picked_at = EXCLUDED.picked_at",
                authorizationId,
                patient,
                userId,
                Timestamp.from(clock.instant()));
    }

    public Optional<String> find(String authorizationId) {
        return jdbc
                .queryForList(
                        "SELECT patient FROM smart_auth.picked_patient WHERE authorization_id = ?",
                        String.class,
                        authorizationId)
                .stream()
                .findFirst();
    }
}
