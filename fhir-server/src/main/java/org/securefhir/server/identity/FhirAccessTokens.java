package org.securefhir.server.identity;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import org.securefhir.auth.token.AccessTokenStatus;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;

/**
 * Decoders for the bearer tokens of the FHIR API: a signed JWT (asymmetric algorithms only: never
 * {@code none} or HMAC) from the configured issuer, for this FHIR base ({@code aud}), within its
 * lifetime, and, when the issuer is the co-hosted authorization server, not revoked. Signature and
 * claims are verified once per token ({@link VerifiedTokenCache}); revocation on every request.
 */
public final class FhirAccessTokens {

    /** Asymmetric signatures only: no {@code none}, no HMAC (which a public key could forge). */
    static final Set<JWSAlgorithm> ALGORITHMS = Set.of(
            JWSAlgorithm.RS256,
            JWSAlgorithm.RS384,
            JWSAlgorithm.RS512,
            JWSAlgorithm.ES256,
            JWSAlgorithm.ES384,
            JWSAlgorithm.ES512,
            JWSAlgorithm.PS256,
            JWSAlgorithm.PS384,
            JWSAlgorithm.PS512);

    private FhirAccessTokens() {}

    /** The co-hosted authorization server: its keys in-process, revocation from its store. */
    public static JwtDecoder local(
            FhirSecurityProperties properties, JWKSource<SecurityContext> keys, AccessTokenStatus status) {
        DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(ALGORITHMS, keys));
        processor.setJWTClaimsSetVerifier((claims, context) -> {}); // the validators below check the claims
        NimbusJwtDecoder decoder = new NimbusJwtDecoder(processor);
        decoder.setJwtValidator(claims(properties));
        return new VerifiedTokenCache(decoder, new NotRevoked(status), properties.clockSkew(), Clock.systemUTC());
    }

    /** Any SMART issuer configured by URL: its JWKS from OIDC discovery, fetched when first needed. */
    public static JwtDecoder remote(FhirSecurityProperties properties) {
        NimbusJwtDecoder decoder = NimbusJwtDecoder.withIssuerLocation(properties.issuer())
                .jwsAlgorithms(algorithms -> ALGORITHMS.forEach(algorithm -> algorithms.add(
                        org.springframework.security.oauth2.jose.jws.SignatureAlgorithm.from(algorithm.getName()))))
                .build();
        decoder.setJwtValidator(claims(properties));
        return new VerifiedTokenCache(
                decoder, token -> OAuth2TokenValidatorResult.success(), properties.clockSkew(), Clock.systemUTC());
    }

    static OAuth2TokenValidator<Jwt> claims(FhirSecurityProperties properties) {
        return new DelegatingOAuth2TokenValidator<>(
                new Expires(),
                new JwtTimestampValidator(properties.clockSkew()),
                new JwtIssuerValidator(properties.issuer()),
                new Audience(properties.audience()));
    }

    /**
     * A token must carry {@code exp}: Spring's timestamp validator accepts a token without one, and an
     * issuer that leaves it out (another SMART server, or one misconfigured) would hand out tokens
     * valid forever.
     */
    record Expires() implements OAuth2TokenValidator<Jwt> {
        @Override
        public OAuth2TokenValidatorResult validate(Jwt token) {
            return token.getExpiresAt() != null
                    ? OAuth2TokenValidatorResult.success()
                    : OAuth2TokenValidatorResult.failure(
                            new OAuth2Error(OAuth2ErrorCodes.INVALID_TOKEN, "The token has no expiry (exp)", null));
        }
    }

    /** {@code aud} must name this FHIR server. */
    record Audience(String audience) implements OAuth2TokenValidator<Jwt> {
        @Override
        public OAuth2TokenValidatorResult validate(Jwt token) {
            List<String> audiences = token.getAudience();
            return audiences != null && audiences.contains(audience)
                    ? OAuth2TokenValidatorResult.success()
                    : OAuth2TokenValidatorResult.failure(
                            new OAuth2Error(OAuth2ErrorCodes.INVALID_TOKEN, "The token is not for this server", null));
        }
    }

    /** The token's authorization still exists and the token is active (revocation, family revocation). */
    record NotRevoked(AccessTokenStatus status) implements OAuth2TokenValidator<Jwt> {
        @Override
        public OAuth2TokenValidatorResult validate(Jwt token) {
            return status.isActive(token.getTokenValue())
                    ? OAuth2TokenValidatorResult.success()
                    : OAuth2TokenValidatorResult.failure(
                            new OAuth2Error(OAuth2ErrorCodes.INVALID_TOKEN, "The token was revoked", null));
        }
    }
}
