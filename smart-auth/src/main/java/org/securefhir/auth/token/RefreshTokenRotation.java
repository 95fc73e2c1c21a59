package org.securefhir.auth.token;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.securefhir.auth.event.SecurityEvent;
import org.securefhir.auth.event.SecurityEventSink;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.oauth2.core.OAuth2RefreshToken;
import org.springframework.security.oauth2.server.authorization.OAuth2Authorization;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;

/**
 * Refresh-token reuse detection (OAuth 2.0 Security BCP §4.14.2) around the authorization store.
 *
 * <p>Refresh tokens rotate on every use. When an authorization is saved with a new refresh token,
 * the SHA-256 of the one it replaces is recorded. If a recorded (rotated) token is presented again,
 * either the app or an attacker holds a stolen copy: the whole authorization (the token family, with
 * its current access and refresh tokens) is revoked, a {@code TOKEN_REVOKED} security event is
 * recorded, and the request fails like any unknown token ({@code invalid_grant}).
 */
public final class RefreshTokenRotation implements OAuth2AuthorizationService {

    private final OAuth2AuthorizationService delegate;
    private final JdbcTemplate jdbc;
    private final SecurityEventSink events;
    private final Clock clock;

    public RefreshTokenRotation(
            OAuth2AuthorizationService delegate, JdbcTemplate jdbc, SecurityEventSink events, Clock clock) {
        this.delegate = delegate;
        this.jdbc = jdbc;
        this.events = events;
        this.clock = clock;
    }

    @Override
    public void save(OAuth2Authorization authorization) {
        if (authorization.getRefreshToken() != null) {
            OAuth2Authorization previous = delegate.findById(authorization.getId());
            if (previous != null && previous.getRefreshToken() != null) {
                OAuth2RefreshToken old = previous.getRefreshToken().getToken();
                if (!old.getTokenValue()
                        .equals(authorization.getRefreshToken().getToken().getTokenValue())) {
                    recordRotated(old, previous);
                }
            }
        }
        delegate.save(authorization);
    }

    private void recordRotated(OAuth2RefreshToken old, OAuth2Authorization authorization) {
        Instant now = clock.instant();
        Instant expiresAt = old.getExpiresAt() == null ? now : old.getExpiresAt();
        jdbc.update("DELETE FROM smart_auth.refresh_token_used WHERE expires_at < ?", Timestamp.from(now));
        jdbc.update(
                "INSERT INTO smart_auth.refresh_token_used (token_hash, authorization_id, registered_client_id, principal_name, expires_at)"
                        + " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                hash(old.getTokenValue()),
                authorization.getId(),
                authorization.getRegisteredClientId(),
                authorization.getPrincipalName(),
                Timestamp.from(expiresAt));
    }

    @Override
    public void remove(OAuth2Authorization authorization) {
        delegate.remove(authorization);
    }

    @Override
    public OAuth2Authorization findById(String id) {
        return delegate.findById(id);
    }

    @Override
    public OAuth2Authorization findByToken(String token, OAuth2TokenType tokenType) {
        OAuth2Authorization found = delegate.findByToken(token, tokenType);
        if (found == null && (tokenType == null || OAuth2TokenType.REFRESH_TOKEN.equals(tokenType))) {
            revokeFamilyIfRotated(token);
        }
        return found;
    }

    private void revokeFamilyIfRotated(String token) {
        List<String[]> rotated = jdbc.query(
                "SELECT authorization_id, registered_client_id FROM smart_auth.refresh_token_used WHERE token_hash = ? AND expires_at >= ?",
                (rs, row) -> new String[] {rs.getString(1), rs.getString(2)},
                hash(token),
                Timestamp.from(clock.instant()));
        if (rotated.isEmpty()) {
            return;
        }
        OAuth2Authorization family = delegate.findById(rotated.get(0)[0]);
        if (family != null) {
            delegate.remove(family);
        }
        events.record(new SecurityEvent(
                clock.instant(),
                SecurityEvent.Type.TOKEN_REVOKED,
                family == null ? Optional.empty() : Optional.of(family.getPrincipalName()),
                Optional.empty(),
                Optional.of(rotated.get(0)[1]),
                Optional.empty(),
                "rotated refresh token presented again: authorization revoked"));
    }

    static byte[] hash(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
