package org.securefhir.auth.mfa;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import org.securefhir.smart.Sha256;

/**
 * Single-use recovery codes: ten per user, 80 random bits each, shown once as
 * {@code XXXX-XXXX-XXXX-XXXX} (base32) and stored only as SHA-256 digests. With 80 bits of entropy
 * a fast digest is enough: the list cannot be brute-forced from a stolen database.
 */
public final class RecoveryCodes {

    public static final int COUNT = 10;
    private static final int CODE_BYTES = 10;

    private RecoveryCodes() {}

    public static List<String> generate(SecureRandom random) {
        List<String> codes = new ArrayList<>(COUNT);
        for (int i = 0; i < COUNT; i++) {
            byte[] bytes = new byte[CODE_BYTES];
            random.nextBytes(bytes);
            String base32 = Base32.encode(bytes);
            codes.add(String.join(
                    "-",
                    base32.substring(0, 4),
                    base32.substring(4, 8),
                    base32.substring(8, 12),
                    base32.substring(12, 16)));
        }
        return codes;
    }

    /** Digest of a code as typed: case, spaces and hyphens do not matter. */
    public static String digest(String code) {
        String normalized = code.replace("-", "").replace(" ", "").toUpperCase(Locale.ROOT);
        return HexFormat.of().formatHex(Sha256.of(normalized));
    }

    /** Constant-time comparison of two digests. */
    public static boolean matches(String digestA, String digestB) {
        return MessageDigest.isEqual(
                digestA.getBytes(StandardCharsets.US_ASCII), digestB.getBytes(StandardCharsets.US_ASCII));
    }
}
