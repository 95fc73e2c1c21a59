package org.securefhir.server.authorization;

import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;

/** The SMART scopes and patient context of the current request's (verified) access token. */
record TokenScopes(List<String> scopes, Optional<String> patient) {

    static Optional<TokenScopes> current() {
        Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
        if (!(authentication instanceof JwtAuthenticationToken token)) {
            return Optional.empty();
        }
        Jwt jwt = token.getToken();
        return Optional.of(
                new TokenScopes(scopes(jwt.getClaim("scope")), Optional.ofNullable(jwt.getClaimAsString("patient"))));
    }

    private static List<String> scopes(Object claim) {
        if (claim instanceof Collection<?> values) {
            return values.stream().map(String::valueOf).toList();
        }
        if (claim instanceof String text) {
            return Arrays.asList(text.trim().split("\\s+"));
        }
        return List.of();
    }
}
