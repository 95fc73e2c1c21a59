package org.securefhir.server.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jwt.Jwt;

class FhirAccessTokensTest {

    private static final String ISSUER = "https://idp.example.org/auth";
    private static final String AUDIENCE = "https://fhir.example.org/fhir";

    private final OAuth2TokenValidator<Jwt> claims =
            FhirAccessTokens.claims(new FhirSecurityProperties(ISSUER, AUDIENCE, Duration.ofSeconds(30)));

    @Test
    void whenTokenOfTheIssuerForThisServerAndUnexpiredThenValid() {
        assertThat(claims.validate(token(Instant.now().plusSeconds(300))).hasErrors())
                .isFalse();
    }

    @Test
    void whenTokenHasNoExpiryThenInvalid() {
        assertThat(claims.validate(token(null)).getErrors())
                .anySatisfy(error -> assertThat(error.getDescription()).contains("exp"));
    }

    @Test
    void whenTokenExpiredThenInvalid() {
        assertThat(claims.validate(token(Instant.now().minusSeconds(120))).hasErrors())
                .isTrue();
    }

    private static Jwt token(Instant expiresAt) {
        Jwt.Builder token = Jwt.withTokenValue("t")
                .header("alg", "RS256")
                .issuer(ISSUER)
                .audience(List.of(AUDIENCE))
                .subject("user-1")
                .issuedAt(expiresAt == null ? Instant.now().minusSeconds(10) : expiresAt.minusSeconds(600));
        if (expiresAt != null) {
            token.expiresAt(expiresAt);
        }
        return token.build();
    }
}
