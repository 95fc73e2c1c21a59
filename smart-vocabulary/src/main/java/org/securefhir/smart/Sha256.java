package org.securefhir.smart;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * SHA-256 of text (UTF-8): how high-entropy secrets are identified at rest by the authorization
 * server (client secrets, tokens, codes, launch ids, recovery codes) and looked up by the resource
 * server (a bearer token's revocation status). Every JDK has SHA-256.
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
