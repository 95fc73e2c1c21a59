package org.securefhir.auth.token;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Set;
import org.springframework.security.crypto.keygen.Base64StringKeyGenerator;
import org.springframework.security.crypto.keygen.StringKeyGenerator;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.OAuth2RefreshToken;
import org.springframework.security.oauth2.server.authorization.OAuth2Authorization;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationCode;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenContext;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenGenerator;

/**
 * Refresh tokens as SMART App Launch 2.2 defines them (§2.0.9 "permission-offline/online"): issued
 * only when the app was granted {@code offline_access} or {@code online_access}, to public clients
 * as well as confidential ones (Spring Authorization Server's own generator refuses public
 * clients).
 *
 * <ul>
 *   <li>{@code offline_access}: valid for the client's refresh-token lifetime (90 days for the
 *       SMART clients), renewed with each rotation.
 *   <li>{@code online_access} only: never valid beyond the login session's absolute lifetime,
 *       counted from the user's authorization; the session's end revokes it earlier ({@link
 *       OnlineAccessSessions}).
 * </ul>
 *
 * Every refresh rotates the token ({@code reuseRefreshTokens=false}); {@link RefreshTokenRotation}
 * detects the reuse of a rotated one. Values are 96 random bytes, base64url.
 */
public final class SmartRefreshTokenGenerator implements OAuth2TokenGenerator<OAuth2RefreshToken> {

    public static final String OFFLINE_ACCESS = "offline_access";
    public static final String ONLINE_ACCESS = "online_access";

    private final StringKeyGenerator values =
            new Base64StringKeyGenerator(Base64.getUrlEncoder().withoutPadding(), 96);
    private final Duration onlineMaxLifetime;
    private final Clock clock;

    public SmartRefreshTokenGenerator(Duration onlineMaxLifetime, Clock clock) {
        this.onlineMaxLifetime = onlineMaxLifetime;
        this.clock = clock;
    }

    @Override
    public OAuth2RefreshToken generate(OAuth2TokenContext context) {
        if (!OAuth2TokenType.REFRESH_TOKEN.equals(context.getTokenType())) {
            return null;
        }
        RegisteredClient client = context.getRegisteredClient();
        if (!client.getAuthorizationGrantTypes().contains(AuthorizationGrantType.REFRESH_TOKEN)) {
            return null;
        }
        // On a refresh the family's grant decides (the request may narrow the access token's scopes).
        Set<String> scopes = AuthorizationGrantType.REFRESH_TOKEN.equals(context.getAuthorizationGrantType())
                        && context.getAuthorization() != null
                ? context.getAuthorization().getAuthorizedScopes()
                : context.getAuthorizedScopes();
        boolean offline = scopes.contains(OFFLINE_ACCESS);
        if (!offline && !scopes.contains(ONLINE_ACCESS)) {
            return null;
        }
        Instant now = clock.instant();
        Instant expiresAt = now.plus(client.getTokenSettings().getRefreshTokenTimeToLive());
        if (!offline) {
            Instant sessionEnd = authorizedAt(context.getAuthorization(), now).plus(onlineMaxLifetime);
            if (sessionEnd.isBefore(expiresAt)) {
                expiresAt = sessionEnd;
            }
            if (!expiresAt.isAfter(now)) {
                return null;
            }
        }
        return new OAuth2RefreshToken(values.generateKey(), now, expiresAt);
    }

    /** When the user authorized the app: the issue time of the authorization code. */
    private static Instant authorizedAt(OAuth2Authorization authorization, Instant fallback) {
        if (authorization == null) {
            return fallback;
        }
        OAuth2Authorization.Token<OAuth2AuthorizationCode> code = authorization.getToken(OAuth2AuthorizationCode.class);
        return code == null || code.getToken().getIssuedAt() == null
                ? fallback
                : code.getToken().getIssuedAt();
    }
}
