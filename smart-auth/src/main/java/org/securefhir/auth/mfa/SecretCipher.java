package org.securefhir.auth.mfa;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * Encrypts small secrets at rest (TOTP keys) with AES-256-GCM, a random 96-bit nonce per value and
 * the owner's id as associated data, so a ciphertext copied to another user's row does not decrypt.
 * Stored form: {@code version byte || nonce || ciphertext+tag}.
 */
public final class SecretCipher {

    private static final byte VERSION = 1;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final SecretKey key;
    private final SecureRandom random;

    public SecretCipher(SecretKey key, SecureRandom random) {
        if (!"AES".equals(key.getAlgorithm()) || key.getEncoded().length != 32) {
            throw new IllegalArgumentException("An AES-256 key is required");
        }
        this.key = key;
        this.random = random;
    }

    public byte[] encrypt(byte[] plaintext, String owner) {
        try {
            byte[] nonce = new byte[NONCE_BYTES];
            random.nextBytes(nonce);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(owner.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(plaintext);
            return ByteBuffer.allocate(1 + NONCE_BYTES + sealed.length)
                    .put(VERSION)
                    .put(nonce)
                    .put(sealed)
                    .array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Encryption failed", e);
        }
    }

    /** @throws IllegalArgumentException when the value was altered, belongs to another owner or another key */
    public byte[] decrypt(byte[] stored, String owner) {
        if (stored.length < 1 + NONCE_BYTES + TAG_BITS / 8 || stored[0] != VERSION) {
            throw new IllegalArgumentException("Not an encrypted secret");
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, stored, 1, NONCE_BYTES));
            cipher.updateAAD(owner.getBytes(StandardCharsets.UTF_8));
            return cipher.doFinal(stored, 1 + NONCE_BYTES, stored.length - 1 - NONCE_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("Secret cannot be decrypted", e);
        }
    }
}
