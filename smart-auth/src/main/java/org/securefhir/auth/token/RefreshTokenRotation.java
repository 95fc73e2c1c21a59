package org.securefhir.auth.token;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.securefhir.auth.event.SecurityEvent;
import org.securefhir.auth.event.SecurityEventSink;
import org.securefhir.auth.keys.Sha256;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.oauth2.core.OAuth2RefreshToken;
import org.springframework.security.oauth2.server.authorization.OAuth2Authorization;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;

/**
 * Refresh tokens at rest and their reuse detection (OAuth 2.0 Security BCP §4.14.2), around the
 * authorization store. Refresh tokens are stored hashed ({@link #storedForm}).
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
            String current =
                    storedForm(authorization.getRefreshToken().getToken().getTokenValue());
            OAuth2Authorization previous = delegate.findById(authorization.getId());
            if (previous != null && previous.getRefreshToken() != null) {
                OAuth2RefreshToken old = previous.getRefreshToken().getToken();
                if (!storedForm(old.getTokenValue()).equals(current)) {
                    recordRotated(old, previous);
                }
            }
            authorization = withRefreshTokenValue(authorization, current);
        }
        delegate.save(authorization);
    }

    /**
     * Refresh tokens are stored as {@value #HASHED}{@code <SHA-256 hex>}, never as themselves: a copy
     * of the database does not hold usable refresh tokens. (Access tokens are short-lived signed JWTs,
     * codes live a minute.)
     */
    static String storedForm(String value) {
        return value.startsWith(HASHED) ? value : HASHED + HexFormat.of().formatHex(hash(value));
    }

    static final String HASHED = "sha256:";

    private static OAuth2Authorization withRefreshTokenValue(OAuth2Authorization authorization, String value) {
        OAuth2Authorization.Token<OAuth2RefreshToken> token = authorization.getRefreshToken();
        if (token.getToken().getTokenValue().equals(value)) {
            return authorization;
        }
        OAuth2RefreshToken replaced = new OAuth2RefreshToken(
                value, token.getToken().getIssuedAt(), token.getToken().getExpiresAt());
        return OAuth2Authorization.from(authorization)
                .token(replaced, metadata -> {
                    metadata.clear();
                    metadata.putAll(token.getMetadata());
                })
                .build();
    }

    private void recordRotated(OAuth2RefreshToken old, OAuth2Authorization authorization) {
        Instant now = clock.instant();
        Instant expiresAt = old.getExpiresAt() == null ? now : old.getExpiresAt();
        jdbc.update("DELETE FROM smart_auth.refresh_token_used WHERE expires_at < ?", Timestamp.from(now));
        jdbc.update(
                "INSERT INTO smart_auth.refresh_token_used (token_hash, authorization_id, registered_client_id, principal_name, expires_at)"
                        + " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                HexFormat.of().parseHex(storedForm(old.getTokenValue()).substring(HASHED.length())),
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
        if (token.startsWith(HASHED)) {
            return null; // a stored form is never a token (ours are base64url): a copy of the database
        }
        boolean maybeRefresh = tokenType == null || OAuth2TokenType.REFRESH_TOKEN.equals(tokenType);
        OAuth2Authorization found =
                OAuth2TokenType.REFRESH_TOKEN.equals(tokenType) ? null : delegate.findByToken(token, tokenType);
        if (found == null && maybeRefresh) {
            found = delegate.findByToken(storedForm(token), OAuth2TokenType.REFRESH_TOKEN);
            if (found == null && tokenType != null) {
                // stored before refresh tokens were hashed: accepted once, hashed when saved again
                // (without a type hint the first lookup already searched the raw value)
                found = delegate.findByToken(token, OAuth2TokenType.REFRESH_TOKEN);
            } else if (found != null) {
                // callers compare the token they hold with the authorization's: give it back its value
                found = withRefreshTokenValue(found, token);
            }
            if (found == null) {
                revokeFamilyIfRotated(token);
            }
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
        return Sha256.of(token);
    }
}
