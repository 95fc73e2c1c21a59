package org.securefhir.auth.client;

import java.security.MessageDigest;
import java.util.HexFormat;
import org.securefhir.smart.Sha256;
import org.springframework.security.crypto.password.PasswordEncoder;

/**
 * Hashes client secrets with SHA-256. Client secrets are machine-generated with at least 128 bits
 * of entropy, so a slow password hash adds nothing but latency on every token request (Argon2id
 * would cap the token endpoint at a few dozen requests a second); user passwords keep Argon2id.
 * Stored form: {@code {sha256}<hex>}; comparison is constant-time.
 */
public final class ClientSecretEncoder implements PasswordEncoder {

    private static final String PREFIX = "{sha256}";
    public static final int MIN_SECRET_LENGTH = 32;

    @Override
    public String encode(CharSequence secret) {
        if (secret.length() < MIN_SECRET_LENGTH) {
            throw new IllegalArgumentException("Client secrets must be at least " + MIN_SECRET_LENGTH + " characters");
        }
        return PREFIX + HexFormat.of().formatHex(digest(secret));
    }

    @Override
    public boolean matches(CharSequence secret, String stored) {
        if (secret == null || stored == null || !stored.startsWith(PREFIX)) {
            return false;
        }
        byte[] expected = HexFormat.of().parseHex(stored.substring(PREFIX.length()));
        return MessageDigest.isEqual(expected, digest(secret));
    }

    private static byte[] digest(CharSequence secret) {
        return Sha256.of(secret);
    }
}
