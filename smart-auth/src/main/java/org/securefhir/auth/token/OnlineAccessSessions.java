package org.securefhir.auth.token;

import jakarta.servlet.http.HttpSessionEvent;
import jakarta.servlet.http.HttpSessionListener;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.securefhir.auth.event.SecurityEvent;
import org.securefhir.auth.event.SecurityEventSink;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.oauth2.server.authorization.OAuth2Authorization;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationService;
import org.springframework.security.web.context.HttpSessionSecurityContextRepository;

/**
 * Ends {@code online_access} with the login session (SMART App Launch 2.2: an online refresh token
 * is usable only while the user is online): when a signed-in session ends — logout, 15 minutes
 * idle, or the 12 h absolute limit — every authorization of that user that holds a refresh token
 * for {@code online_access} without {@code offline_access} is revoked.
 */
public final class OnlineAccessSessions implements HttpSessionListener {

    private final JdbcTemplate jdbc;
    private final Supplier<OAuth2AuthorizationService> authorizations;
    private final SecurityEventSink events;
    private final Clock clock;

    public OnlineAccessSessions(
            JdbcTemplate jdbc,
            Supplier<OAuth2AuthorizationService> authorizations,
            SecurityEventSink events,
            Clock clock) {
        this.jdbc = jdbc;
        this.authorizations = authorizations;
        this.events = events;
        this.clock = clock;
    }

    @Override
    public void sessionDestroyed(HttpSessionEvent event) {
        Object context =
                event.getSession().getAttribute(HttpSessionSecurityContextRepository.SPRING_SECURITY_CONTEXT_KEY);
        if (context instanceof SecurityContext security) {
            Authentication user = security.getAuthentication();
            if (user != null && user.isAuthenticated()) {
                revokeOnlineAccess(user.getName());
            }
        }
    }

    /** Revokes the user's online-only authorizations; returns how many. */
    public int revokeOnlineAccess(String principalName) {
        List<String[]> rows = jdbc.query(
                "SELECT id, authorized_scopes FROM smart_auth.oauth2_authorization"
                        + " WHERE principal_name = ? AND refresh_token_value IS NOT NULL",
                (rs, row) -> new String[] {rs.getString(1), rs.getString(2)},
                principalName);
        int revoked = 0;
        for (String[] row : rows) {
            Set<String> scopes = row[1] == null
                    ? Set.of()
                    : Arrays.stream(row[1].split(",")).map(String::trim).collect(Collectors.toSet());
            if (scopes.contains(SmartRefreshTokenGenerator.ONLINE_ACCESS)
                    && !scopes.contains(SmartRefreshTokenGenerator.OFFLINE_ACCESS)) {
                OAuth2Authorization authorization = authorizations.get().findById(row[0]);
                if (authorization != null) {
                    authorizations.get().remove(authorization);
                    revoked++;
                    events.record(new SecurityEvent(
                            clock.instant(),
                            SecurityEvent.Type.TOKEN_REVOKED,
                            Optional.of(principalName),
                            Optional.empty(),
                            Optional.of(authorization.getRegisteredClientId()),
                            Optional.empty(),
                            "login session ended: online_access authorization revoked"));
                }
            }
        }
        return revoked;
    }
}
