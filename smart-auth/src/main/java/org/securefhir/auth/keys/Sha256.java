package org.securefhir.auth.keys;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * SHA-256 of text (UTF-8), as this module stores high-entropy secrets it only has to recognise:
 * client secrets, refresh tokens, launch ids, recovery codes. Every JDK has SHA-256.
 */
public final class Sha256 {

    private Sha256() {}

    public static byte[] of(CharSequence text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.toString().getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
