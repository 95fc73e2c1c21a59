package org.securefhir.auth.client;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Remembers the {@code jti} of every accepted client assertion until it expires, in PostgreSQL so
 * that all server nodes share it: an assertion is accepted once.
 */
public final class AssertionReplayGuard {

    private final JdbcTemplate jdbc;
    private final Clock clock;

    public AssertionReplayGuard(JdbcTemplate jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /**
     * Records the assertion id.
     *
     * @return true the first time this client presents this {@code jti}, false on a replay
     */
    public boolean firstUse(String clientId, String jti, Instant expiresAt) {
        Instant now = clock.instant();
        jdbc.update("DELETE FROM smart_auth.client_assertion_jti WHERE expires_at < ?", Timestamp.from(now));
        int inserted = jdbc.update(
                "INSERT INTO smart_auth.client_assertion_jti (client_id, jti, expires_at) VALUES (?, ?, ?)"
                        + " ON CONFLICT DO NOTHING",
                clientId,
                jti,
                Timestamp.from(expiresAt));
        return inserted == 1;
    }
}
