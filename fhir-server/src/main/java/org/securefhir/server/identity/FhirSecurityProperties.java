package org.securefhir.server.identity;

import jakarta.validation.constraints.NotBlank;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How the FHIR API checks bearer tokens ({@code fhir.security.*}).
 *
 * @param issuer the only accepted token issuer (its OIDC discovery gives the JWKS); by default the
 *     co-hosted authorization server, whose keys and revocations are then read in-process
 * @param audience the only accepted audience: this FHIR base URL
 * @param clockSkew tolerance on {@code exp}/{@code nbf}
 */
@Validated
@ConfigurationProperties("fhir.security")
public record FhirSecurityProperties(
        @NotBlank String issuer,
        @NotBlank String audience,
        @DefaultValue("30s") Duration clockSkew) {}
