package org.securefhir.auth.mfa;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** RFC 6238 TOTP; vectors from RFC 6238 Appendix B (SHA-1, 8 digits). */
class TotpTest {

    private static final byte[] RFC_SECRET = "12345678901234567890".getBytes(StandardCharsets.US_ASCII);

    @ParameterizedTest
    @CsvSource({
        "59, 94287082",
        "1111111109, 07081804",
        "1111111111, 14050471",
        "1234567890, 89005924",
        "2000000000, 69279037",
        "20000000000, 65353130"
    })
    void codeWhenRfc6238VectorThenMatches(long epochSeconds, String expected) {
        long step = Totp.timeStep(Instant.ofEpochSecond(epochSeconds));

        assertThat(Totp.code(RFC_SECRET, step, "HmacSHA1", 8)).isEqualTo(expected);
    }

    @Test
    void verifyWhenCodeIsCurrentThenReturnsItsStep() {
        Instant now = Instant.ofEpochSecond(1_700_000_000L);
        String code = Totp.code(RFC_SECRET, Totp.timeStep(now));

        assertThat(Totp.verify(RFC_SECRET, code, now, 1, -1)).hasValue(Totp.timeStep(now));
    }

    @Test
    void verifyWhenCodeIsOneStepOldOrAheadThenAccepted() {
        Instant now = Instant.ofEpochSecond(1_700_000_000L);
        long step = Totp.timeStep(now);

        assertThat(Totp.verify(RFC_SECRET, Totp.code(RFC_SECRET, step - 1), now, 1, -1))
                .hasValue(step - 1);
        assertThat(Totp.verify(RFC_SECRET, Totp.code(RFC_SECRET, step + 1), now, 1, -1))
                .hasValue(step + 1);
    }

    @Test
    void verifyWhenCodeIsTwoStepsOldThenRefused() {
        Instant now = Instant.ofEpochSecond(1_700_000_000L);

        assertThat(Totp.verify(RFC_SECRET, Totp.code(RFC_SECRET, Totp.timeStep(now) - 2), now, 1, -1))
                .isEmpty();
    }

    @Test
    void verifyWhenCodeAlreadyUsedThenRefused() {
        Instant now = Instant.ofEpochSecond(1_700_000_000L);
        long step = Totp.timeStep(now);
        String code = Totp.code(RFC_SECRET, step);

        assertThat(Totp.verify(RFC_SECRET, code, now, 1, step)).isEmpty();
        assertThat(Totp.verify(RFC_SECRET, Totp.code(RFC_SECRET, step - 1), now, 1, step))
                .isEmpty();
    }

    @Test
    void verifyWhenCodeMalformedThenRefused() {
        Instant now = Instant.now();

        assertThat(Totp.verify(RFC_SECRET, null, now, 1, -1)).isEmpty();
        assertThat(Totp.verify(RFC_SECRET, "12345", now, 1, -1)).isEmpty();
        assertThat(Totp.verify(RFC_SECRET, "12345a", now, 1, -1)).isEmpty();
    }

    @Test
    void otpauthUriWhenBuiltThenCarriesBase32SecretAndIssuer() {
        byte[] secret = Totp.newSecret(new SecureRandom());

        String uri = Totp.otpauthUri("Secure FHIR", "dr.house", secret);

        assertThat(uri)
                .startsWith("otpauth://totp/Secure%20FHIR:dr.house?secret=" + Base32.encode(secret))
                .contains("&issuer=Secure%20FHIR")
                .contains("&digits=6&period=30");
    }
}
