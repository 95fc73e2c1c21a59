package org.securefhir.auth.mfa;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.OptionalLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Time-based one-time passwords, <a href="https://www.rfc-editor.org/rfc/rfc6238">RFC 6238</a>:
 * HMAC-SHA1 (what every authenticator app supports), 30-second steps, 6 digits, with the dynamic
 * truncation of <a href="https://www.rfc-editor.org/rfc/rfc4226#section-5.3">RFC 4226 §5.3</a>.
 */
public final class Totp {

    public static final int STEP_SECONDS = 30;
    public static final int DIGITS = 6;
    public static final int SECRET_BYTES = 20;

    private static final int[] POWERS = {1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000};

    private Totp() {}

    public static byte[] newSecret(SecureRandom random) {
        byte[] secret = new byte[SECRET_BYTES];
        random.nextBytes(secret);
        return secret;
    }

    public static long timeStep(Instant instant) {
        return Math.floorDiv(instant.getEpochSecond(), STEP_SECONDS);
    }

    /** The code for a time step, zero-padded to {@link #DIGITS} digits. */
    public static String code(byte[] secret, long timeStep) {
        return code(secret, timeStep, "HmacSHA1", DIGITS);
    }

    static String code(byte[] secret, long timeStep, String algorithm, int digits) {
        try {
            Mac mac = Mac.getInstance(algorithm);
            mac.init(new SecretKeySpec(secret, algorithm));
            byte[] hash = mac.doFinal(ByteBuffer.allocate(8).putLong(timeStep).array());
            int offset = hash[hash.length - 1] & 0x0f;
            int binary = ((hash[offset] & 0x7f) << 24)
                    | ((hash[offset + 1] & 0xff) << 16)
                    | ((hash[offset + 2] & 0xff) << 8)
                    | (hash[offset + 3] & 0xff);
            String code = Integer.toString(binary % POWERS[digits]);
            return "0".repeat(digits - code.length()) + code;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(algorithm + " unavailable", e);
        }
    }

    /**
     * Checks a code against the steps {@code now - window .. now + window} that are later than
     * {@code lastUsedStep} (a code is good once: RFC 6238 §5.2), comparing in constant time.
     *
     * @return the matching time step, to be recorded as the new last used step
     */
    public static OptionalLong verify(byte[] secret, String code, Instant now, int window, long lastUsedStep) {
        if (code == null || code.length() != DIGITS || !code.chars().allMatch(Character::isDigit)) {
            return OptionalLong.empty();
        }
        long current = timeStep(now);
        long matched = -1;
        for (long step = current - window; step <= current + window; step++) {
            boolean equal = MessageDigest.isEqual(
                    code(secret, step).getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                    code.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            if (equal && step > lastUsedStep && matched < 0) {
                matched = step;
            }
        }
        return matched < 0 ? OptionalLong.empty() : OptionalLong.of(matched);
    }

    /** The {@code otpauth://} URI that authenticator apps read from a QR code. */
    public static String otpauthUri(String issuer, String account, byte[] secret) {
        String label = urlEncode(issuer) + ":" + urlEncode(account);
        return "otpauth://totp/" + label + "?secret=" + Base32.encode(secret) + "&issuer=" + urlEncode(issuer)
                + "&algorithm=SHA1&digits=" + DIGITS + "&period=" + STEP_SECONDS;
    }

    private static String urlEncode(String value) {
        return java.net.URLEncoder.encode(value, java.nio.charset.StandardCharsets.UTF_8)
                .replace("+", "%20");
    }
}
