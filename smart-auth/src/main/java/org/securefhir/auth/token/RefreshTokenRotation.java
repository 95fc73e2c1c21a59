package org.securefhir.auth.token;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.securefhir.auth.event.SecurityEvent;
import org.securefhir.auth.event.SecurityEventSink;
import org.securefhir.smart.Sha256;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.oauth2.core.AbstractOAuth2Token;
import org.springframework.security.oauth2.core.OAuth2AccessToken;
import org.springframework.security.oauth2.core.OAuth2RefreshToken;
import org.springframework.security.oauth2.core.oidc.OidcIdToken;
import org.springframework.security.oauth2.server.authorization.OAuth2Authorization;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationCode;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;

/**
 * Tokens at rest and refresh-token reuse detection (OAuth 2.0 Security BCP §4.14.2), around the
 * authorization store. Every token is stored hashed ({@link #storedForm}): authorization codes,
 * access tokens, refresh tokens and ID tokens, so that a copy of the database holds nothing a client,
 * the token endpoint or the resource server would accept. Each is found again by the digest of what
 * the client presents.
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
    /** Told the digest of the access token of every authorization saved or removed here. */
    private final Consumer<String> accessTokenChanged;

    private final Clock clock;

    public RefreshTokenRotation(
            OAuth2AuthorizationService delegate,
            JdbcTemplate jdbc,
            SecurityEventSink events,
            Consumer<String> accessTokenChanged,
            Clock clock) {
        this.delegate = delegate;
        this.jdbc = jdbc;
        this.events = events;
        this.accessTokenChanged = accessTokenChanged;
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
        }
        delegate.save(withValues(authorization, RefreshTokenRotation::storedForm));
        accessTokenChanged(authorization);
    }

    /**
     * This node forgets at once what it remembered of the authorization's access token (revoked,
     * say); other nodes hear of it from the database (AccessTokenStatus).
     */
    private void accessTokenChanged(OAuth2Authorization authorization) {
        if (authorization.getAccessToken() != null) {
            accessTokenChanged.accept(
                    storedForm(authorization.getAccessToken().getToken().getTokenValue()));
        }
    }

    /** The token kinds an authorization holds, all stored as digests. */
    private static final List<Class<? extends AbstractOAuth2Token>> KINDS = List.of(
            OAuth2AuthorizationCode.class, OAuth2AccessToken.class, OAuth2RefreshToken.class, OidcIdToken.class);

    /** The authorization with each token's value mapped (to its stored form, or back to what was presented). */
    private static OAuth2Authorization withValues(
            OAuth2Authorization authorization, java.util.function.UnaryOperator<String> value) {
        OAuth2Authorization.Builder builder = null;
        for (Class<? extends AbstractOAuth2Token> kind : KINDS) {
            OAuth2Authorization.Token<? extends AbstractOAuth2Token> token = authorization.getToken(kind);
            if (token == null) {
                continue;
            }
            String original = token.getToken().getTokenValue();
            String mapped = value.apply(original);
            if (mapped.equals(original)) {
                continue;
            }
            if (builder == null) {
                builder = OAuth2Authorization.from(authorization);
            }
            builder.token(copy(token.getToken(), mapped), metadata -> {
                metadata.clear();
                metadata.putAll(token.getMetadata());
            });
        }
        return builder == null ? authorization : builder.build();
    }

    private static AbstractOAuth2Token copy(AbstractOAuth2Token token, String value) {
        if (token instanceof OAuth2AccessToken access) {
            return new OAuth2AccessToken(
                    access.getTokenType(), value, access.getIssuedAt(), access.getExpiresAt(), access.getScopes());
        }
        if (token instanceof OAuth2RefreshToken) {
            return new OAuth2RefreshToken(value, token.getIssuedAt(), token.getExpiresAt());
        }
        if (token instanceof OidcIdToken id) {
            return new OidcIdToken(value, id.getIssuedAt(), id.getExpiresAt(), id.getClaims());
        }
        if (token instanceof OAuth2AuthorizationCode) {
            return new OAuth2AuthorizationCode(value, token.getIssuedAt(), token.getExpiresAt());
        }
        throw new IllegalArgumentException(
                "Unknown token kind " + token.getClass().getName());
    }

    /**
     * Tokens are stored as {@value #HASHED}{@code <SHA-256 hex>}, never as themselves: a copy of the
     * database holds no usable code or token. (A digest of a random 32-byte token or a signed JWT
     * needs no salt: there is nothing to guess.)
     */
    public static String storedForm(String value) {
        return value.startsWith(HASHED) ? value : HASHED + HexFormat.of().formatHex(hash(value));
    }

    static final String HASHED = "sha256:";

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
        accessTokenChanged(authorization);
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
        String stored = storedForm(token);
        OAuth2Authorization found = delegate.findByToken(stored, tokenType);
        if (found == null && tokenType != null) {
            // stored before tokens were hashed: accepted once, hashed when saved again
            found = delegate.findByToken(token, tokenType);
        }
        if (found != null) {
            // callers compare the token they hold with the authorization's: give it back its value
            return withValues(found, value -> value.equals(stored) ? token : value);
        }
        if (tokenType == null || OAuth2TokenType.REFRESH_TOKEN.equals(tokenType)) {
            revokeFamilyIfRotated(token);
        }
        return null;
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
            remove(family); // and this node forgets its access token at once
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
