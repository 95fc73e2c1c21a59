package org.securefhir.auth.token;

import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import org.securefhir.auth.event.SecurityEvent;
import org.securefhir.auth.event.SecurityEventSink;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Revokes every authorization of a user at once (access tokens, refresh tokens including {@code
 * offline_access} ones, unused authorization codes), when an administrator disables the user or
 * changes their access. The rows are deleted from PostgreSQL, which the token endpoint checks on
 * each refresh; resource servers ({@link AccessTokenStatus}) forget the access tokens at once on
 * this node and, told by the database, within a second on every other node.
 */
public final class UserTokens {

    private final JdbcTemplate jdbc;
    private final SecurityEventSink events;
    /** Told the digest of each access token revoked here. */
    private final Consumer<String> accessTokenChanged;

    private final Clock clock;

    public UserTokens(JdbcTemplate jdbc, SecurityEventSink events, Consumer<String> accessTokenChanged, Clock clock) {
        this.jdbc = jdbc;
        this.events = events;
        this.accessTokenChanged = accessTokenChanged;
        this.clock = clock;
    }

    /** Revokes all of the user's authorizations; returns how many. */
    public int revokeAll(String userId, String reason) {
        List<String[]> deleted = jdbc.query(
                "DELETE FROM smart_auth.oauth2_authorization WHERE principal_name = ?"
                        + " RETURNING registered_client_id, access_token_value",
                (rs, row) -> new String[] {rs.getString(1), rs.getString(2)},
                userId);
        deleted.stream().map(row -> row[1]).filter(Objects::nonNull).forEach(accessTokenChanged);
        for (String client : deleted.stream().map(row -> row[0]).distinct().toList()) {
            events.record(new SecurityEvent(
                    clock.instant(),
                    SecurityEvent.Type.TOKEN_REVOKED,
                    Optional.of(userId),
                    Optional.empty(),
                    Optional.of(client),
                    Optional.empty(),
                    reason + ": every token of the user revoked"));
        }
        return deleted.size();
    }
}
