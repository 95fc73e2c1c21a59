package org.securefhir.server.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtValidationException;

class VerifiedTokenCacheTest {

    private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");

    private final AtomicInteger verifications = new AtomicInteger();
    private final AtomicBoolean revoked = new AtomicBoolean();
    private Instant now = NOW;

    private final JwtDecoder verifier = token -> {
        verifications.incrementAndGet();
        if (now.isAfter(NOW.plus(Duration.ofMinutes(5)).plusSeconds(30))) {
            throw new JwtValidationException("expired", java.util.List.of(new OAuth2Error("invalid_token")));
        }
        return Jwt.withTokenValue(token)
                .header("alg", "RS256")
                .subject("user")
                .issuedAt(NOW)
                .expiresAt(NOW.plus(Duration.ofMinutes(5)))
                .build();
    };

    private final VerifiedTokenCache cache = new VerifiedTokenCache(
            verifier,
            jwt -> revoked.get()
                    ? OAuth2TokenValidatorResult.failure(new OAuth2Error("invalid_token", "revoked", null))
                    : OAuth2TokenValidatorResult.success(),
            Duration.ofSeconds(30),
            new Clock() {
                @Override
                public ZoneOffset getZone() {
                    return ZoneOffset.UTC;
                }

                @Override
                public Clock withZone(java.time.ZoneId zone) {
                    return this;
                }

                @Override
                public Instant instant() {
                    return now;
                }
            });

    @Test
    void whenSameTokenWithinItsLifetimeThenVerifiedOnceButRevocationCheckedEveryTime() {
        cache.decode("token-1");
        cache.decode("token-1");
        assertThat(verifications).hasValue(1);

        revoked.set(true);
        assertThatThrownBy(() -> cache.decode("token-1")).isInstanceOf(JwtValidationException.class);
    }

    @Test
    void whenCachedTokenExpiresThenVerifiedAgainAndRefused() {
        cache.decode("token-2");
        now = NOW.plus(Duration.ofMinutes(6));

        assertThatThrownBy(() -> cache.decode("token-2")).isInstanceOf(JwtValidationException.class);
        assertThat(verifications).hasValue(2);
    }
}
