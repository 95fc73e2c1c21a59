package org.securefhir.server.authorization;

import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.securefhir.interceptors.authorization.AccessToken;
import org.securefhir.interceptors.authorization.AccessTokens;
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

    private final String rolesClaim;

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
        return Optional.of(AccessToken.of(
                String.valueOf(jwt.getSubject()),
                String.valueOf(jwt.getClaimAsString("client_id")),
                strings(jwt.getClaim("scope")),
                Optional.ofNullable(jwt.getClaimAsString("patient")),
                Optional.ofNullable(jwt.getClaimAsString("fhirUser")),
                strings(jwt.getClaim(rolesClaim))));
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
