package org.securefhir.auth.config;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Settings of the authorization server ({@code smart.auth.*}).
 *
 * @param issuer the issuer URL, exactly as clients and the FHIR server see it
 * @param fhirBaseUrl the FHIR server's base URL: the only audience ({@code aud}) tokens are issued for
 * @param secretKeyBase64 AES-256 key (base64) that encrypts TOTP secrets and signing keys at rest;
 *     empty outside {@code prod} means a generated development key under {@code <data-dir>/keys}
 * @param demo seed demo users and clients (refused in {@code prod})
 * @param sessionMaxLifetime absolute lifetime of a login session (the idle timeout is
 *     {@code server.servlet.session.timeout})
 */
@Validated
@ConfigurationProperties("smart.auth")
public record SmartAuthProperties(
        @NotBlank String issuer,
        @NotBlank String fhirBaseUrl,
        @DefaultValue("") String secretKeyBase64,
        @DefaultValue("false") boolean demo,
        @DefaultValue("12h") Duration sessionMaxLifetime,
        @DefaultValue Hashing hashing,
        @DefaultValue Passwords passwords,
        @DefaultValue Lockout lockout,
        @DefaultValue RateLimits rateLimits,
        @DefaultValue("1") @Min(0) @Max(2) int totpWindowSteps,
        @DefaultValue BootstrapAdmin bootstrapAdmin,
        @DefaultValue SigningKeys signingKeys,
        @DefaultValue ClinicianApp clinicianApp) {

    /**
     * The clinician app the FHIR server serves at {@code /app/} ({@code ClinicianAppClient}).
     *
     * @param enabled register it as the public client {@code clinician-app} at every start
     */
    public record ClinicianApp(@DefaultValue("true") boolean enabled) {}

    /**
     * Token signing key rotation, checked by every node every 5 minutes.
     *
     * @param lifetime a new signing key once the newest is this old (checked every 5 minutes)
     * @param publishedAfterSuccessor a superseded key stays published this long after its successor
     * @param activation a new key signs only once published this long (every node has read it by then)
     */
    public record SigningKeys(
            @DefaultValue("90d") Duration lifetime,
            @DefaultValue("1d") Duration publishedAfterSuccessor,
            @DefaultValue("15m") Duration activation) {}

    /**
     * The first administrator of a new installation (see {@code BootstrapAdmin}): created at start-up
     * when both are set and no enabled administrator exists.
     *
     * @param username the administrator's user name
     * @param passwordFile a file holding the initial password (policy-checked)
     */
    public record BootstrapAdmin(
            @DefaultValue("") String username,
            @DefaultValue("") String passwordFile) {}

    /**
     * Argon2id cost. The defaults (m = 40 MiB, t = 2, p = 1) take about 0.13 s per hash on our 2-core
     * machines, above OWASP's minimum (m = 19 MiB, t = 2), which took only 0.06 s here.
     */
    public record Hashing(
            @DefaultValue("40960") @Min(19456) int memoryKib,
            @DefaultValue("2") @Min(1) int iterations,
            @DefaultValue("1") @Min(1) int parallelism) {}

    /** Password rules beyond the NIST defaults. */
    public record Passwords(
            @DefaultValue("12") @Min(8) int minLength,
            @DefaultValue("5") @Min(0) int history,
            @DefaultValue("false") boolean requireMixedCase,
            @DefaultValue("false") boolean requireDigit,
            @DefaultValue("false") boolean requireSymbol) {}

    /**
     * Per-IP request rates (per node): the login steps (password, second factor) and the token
     * endpoint. Each allows a burst, then a sustained rate per minute.
     */
    public record RateLimits(
            @DefaultValue("30") @Min(1) int loginPerMinute,
            @DefaultValue("20") @Min(1) int loginBurst,
            @DefaultValue("36000") @Min(1) int tokenPerMinute,
            @DefaultValue("1000") @Min(1) int tokenBurst) {}

    /** Brute-force protection. */
    public record Lockout(
            @DefaultValue("5") @Min(1) int maxFailures,
            @DefaultValue("15m") Duration window,
            @DefaultValue("15m") Duration duration) {}
}
