package org.securefhir.server.authorization;

import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.securefhir.interceptors.authorization.AccessToken;
import org.securefhir.interceptors.authorization.AccessTokens;
import org.securefhir.smart.SmartClaims;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;

/**
 * The request's access token as the resource server verified it (Spring Security's context):
 * {@code sub}, {@code client_id}, {@code scope}, {@code patient}, {@code fhirUser} and the roles
 * claim.
 */
final class JwtAccessTokens implements AccessTokens {

    private static final int MAX_ENTRIES = 20_000;

    private final String rolesClaim;
    /** Parsed once per token (the decoder verified it; claims cannot change). */
    private final Map<String, AccessToken> parsed = new ConcurrentHashMap<>();

    JwtAccessTokens(String rolesClaim) {
        this.rolesClaim = rolesClaim;
    }

    @Override
    public Optional<AccessToken> current() {
        Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
        if (!(authentication instanceof JwtAuthenticationToken token)) {
            return Optional.empty();
        }
        Jwt jwt = token.getToken();
        AccessToken cached = parsed.get(jwt.getTokenValue());
        if (cached != null) {
            return Optional.of(cached);
        }
        if (parsed.size() >= MAX_ENTRIES) {
            parsed.clear();
        }
        AccessToken accessToken = parse(jwt);
        parsed.put(jwt.getTokenValue(), accessToken);
        return Optional.of(accessToken);
    }

    private AccessToken parse(Jwt jwt) {
        return AccessToken.of(
                String.valueOf(jwt.getSubject()),
                String.valueOf(jwt.getClaimAsString(SmartClaims.CLIENT_ID)),
                strings(jwt.getClaim(SmartClaims.SCOPE)),
                Optional.ofNullable(jwt.getClaimAsString(SmartClaims.PATIENT)),
                Optional.ofNullable(jwt.getClaimAsString(SmartClaims.FHIR_USER)),
                strings(jwt.getClaim(rolesClaim)),
                authTime(jwt.getClaim(SmartClaims.AUTH_TIME)));
    }

    /** {@code auth_time}: seconds since the epoch (a number, or an instant the decoder made of it). */
    private static Optional<java.time.Instant> authTime(Object claim) {
        if (claim instanceof java.time.Instant instant) {
            return Optional.of(instant);
        }
        if (claim instanceof Number seconds) {
            return Optional.of(java.time.Instant.ofEpochSecond(seconds.longValue()));
        }
        return Optional.empty();
    }

    private static List<String> strings(Object claim) {
        if (claim instanceof Collection<?> values) {
            return values.stream().map(String::valueOf).toList();
        }
        if (claim instanceof String text && !text.isBlank()) {
            return Arrays.asList(text.trim().split("\\s+"));
        }
        return List.of();
    }
}
