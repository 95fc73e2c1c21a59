package org.securefhir.auth.token;

import java.sql.Timestamp;
import java.time.Clock;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Whether an access token this server issued is still active: its authorization exists (not
 * revoked as a family), the token is not invalidated (revoked) and not expired. Looked up by its
 * digest, the only form stored ({@link RefreshTokenRotation#storedForm}). One indexed query
 * on the token column, without loading and deserialising the whole authorization, because the FHIR
 * API asks this for every request.
 */
public final class AccessTokenStatus {

    /** How Spring Authorization Server marks a revoked token in the token's metadata (JSON). */
    static final String INVALIDATED = "%\"metadata.token.invalidated\":true%";

    private final JdbcTemplate jdbc;
    private final Clock clock;

    public AccessTokenStatus(JdbcTemplate jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    public boolean isActive(String accessToken) {
        Boolean active = jdbc.queryForObject(
                "SELECT EXISTS (SELECT 1 FROM smart_auth.oauth2_authorization WHERE access_token_value = ?"
                        + " AND access_token_expires_at > ? AND coalesce(access_token_metadata, '') NOT LIKE ?)",
                Boolean.class,
                RefreshTokenRotation.storedForm(accessToken),
                Timestamp.from(clock.instant()),
                INVALIDATED);
        return Boolean.TRUE.equals(active);
    }
}
