package org.securefhir.server.identity;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.oauth2.jwt.JwtValidationException;

/**
 * Verifies a token's signature and claims once and remembers the result until the token expires
 * (RSA verification and claim parsing are most of the cost of a token check); what can change
 * during a token's life — revocation — is checked on every request all the same.
 */
final class VerifiedTokenCache implements JwtDecoder {

    private static final int MAX_ENTRIES = 20_000;

    private final JwtDecoder delegate;
    private final OAuth2TokenValidator<Jwt> everyRequest;
    private final Duration clockSkew;
    private final Clock clock;
    private final Map<String, Jwt> verified = new ConcurrentHashMap<>();

    VerifiedTokenCache(JwtDecoder delegate, OAuth2TokenValidator<Jwt> everyRequest, Duration clockSkew, Clock clock) {
        this.delegate = delegate;
        this.everyRequest = everyRequest;
        this.clockSkew = clockSkew;
        this.clock = clock;
    }

    @Override
    public Jwt decode(String token) throws JwtException {
        Jwt jwt = verified.get(token);
        Instant now = clock.instant();
        if (jwt == null
                || jwt.getExpiresAt() == null
                || now.isAfter(jwt.getExpiresAt().plus(clockSkew))) {
            if (jwt != null) {
                verified.remove(token);
            }
            jwt = delegate.decode(token); // signature, issuer, audience, lifetime
            if (jwt.getExpiresAt() != null) {
                if (verified.size() >= MAX_ENTRIES) {
                    verified.clear();
                }
                verified.put(token, jwt);
            }
        }
        OAuth2TokenValidatorResult result = everyRequest.validate(jwt);
        if (result.hasErrors()) {
            throw new JwtValidationException(
                    result.getErrors().iterator().next().getDescription(), result.getErrors());
        }
        return jwt;
    }
}
