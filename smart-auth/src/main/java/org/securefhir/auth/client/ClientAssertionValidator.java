package org.securefhir.auth.client;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;

/**
 * The claims of a SMART client assertion (SMART App Launch 2.2, asymmetric client authentication;
 * RFC 7523): {@code iss} and {@code sub} are the client id, {@code aud} is this server's token URL,
 * {@code exp} is present, not past and at most five minutes ahead, and {@code jti} is present and
 * never seen before for this client. The signature was checked before (RS384/ES384 only).
 */
public final class ClientAssertionValidator implements OAuth2TokenValidator<Jwt> {

    static final Duration MAX_LIFETIME = Duration.ofMinutes(5);
    static final Duration CLOCK_SKEW = Duration.ofSeconds(30);

    private final String clientId;
    private final String tokenEndpoint;
    private final AssertionReplayGuard replays;
    private final Clock clock;

    public ClientAssertionValidator(String clientId, String tokenEndpoint, AssertionReplayGuard replays, Clock clock) {
        this.clientId = clientId;
        this.tokenEndpoint = tokenEndpoint;
        this.replays = replays;
        this.clock = clock;
    }

    @Override
    public OAuth2TokenValidatorResult validate(Jwt assertion) {
        Instant now = clock.instant();
        if (!clientId.equals(assertion.getClaimAsString("iss")) || !clientId.equals(assertion.getSubject())) {
            return failure("iss and sub of the client assertion must be the client_id");
        }
        List<String> audience = assertion.getAudience();
        if (audience == null || !audience.contains(tokenEndpoint)) {
            return failure("aud of the client assertion must be the token endpoint " + tokenEndpoint);
        }
        Instant expiresAt = assertion.getExpiresAt();
        if (expiresAt == null) {
            return failure("the client assertion has no exp");
        }
        if (expiresAt.isBefore(now.minus(CLOCK_SKEW))) {
            return failure("the client assertion has expired");
        }
        if (expiresAt.isAfter(now.plus(MAX_LIFETIME).plus(CLOCK_SKEW))) {
            return failure("exp of the client assertion must be at most 5 minutes in the future");
        }
        Instant notBefore = assertion.getNotBefore();
        if (notBefore != null && notBefore.isAfter(now.plus(CLOCK_SKEW))) {
            return failure("the client assertion is not valid yet (nbf)");
        }
        String jti = assertion.getId();
        if (jti == null || jti.isBlank() || jti.length() > 256) {
            return failure("the client assertion needs a jti (at most 256 characters)");
        }
        if (!replays.firstUse(clientId, jti, expiresAt.plus(CLOCK_SKEW))) {
            return failure("the client assertion was already used (jti replay)");
        }
        return OAuth2TokenValidatorResult.success();
    }

    private static OAuth2TokenValidatorResult failure(String description) {
        return OAuth2TokenValidatorResult.failure(new OAuth2Error(OAuth2ErrorCodes.INVALID_CLIENT, description, null));
    }
}
