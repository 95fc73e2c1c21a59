package org.securefhir.auth.token;

import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.securefhir.auth.event.SecurityEvent;
import org.securefhir.auth.event.SecurityEventSink;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Revokes every authorization of a user at once (access tokens, refresh tokens including {@code
 * offline_access} ones, unused authorization codes), when an administrator disables the user or
 * changes their access. The rows are deleted from PostgreSQL, which every node's resource server
 * checks on each request ({@link AccessTokenStatus}) and the token endpoint on each refresh: the
 * tokens stop working on every node at once.
 */
public final class UserTokens {

    private final JdbcTemplate jdbc;
    private final SecurityEventSink events;
    private final Clock clock;

    public UserTokens(JdbcTemplate jdbc, SecurityEventSink events, Clock clock) {
        this.jdbc = jdbc;
        this.events = events;
        this.clock = clock;
    }

    /** Revokes all of the user's authorizations; returns how many. */
    public int revokeAll(String userId, String reason) {
        List<String> clients = jdbc.queryForList(
                "DELETE FROM smart_auth.oauth2_authorization WHERE principal_name = ? RETURNING registered_client_id",
                String.class,
                userId);
        for (String client : clients.stream().distinct().toList()) {
            events.record(new SecurityEvent(
                    clock.instant(),
                    SecurityEvent.Type.TOKEN_REVOKED,
                    Optional.of(userId),
                    Optional.empty(),
                    Optional.of(client),
                    Optional.empty(),
                    reason + ": every token of the user revoked"));
        }
        return clients.size();
    }
}
