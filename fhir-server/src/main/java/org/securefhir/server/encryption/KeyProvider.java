package org.securefhir.server.encryption;

import java.util.Set;

/**
 * The key-encryption keys (KEKs) of envelope encryption: data keys are stored only wrapped by a
 * KEK, so whoever holds the database but not the KEK reads nothing. The one seam for a KMS or
 * Vault (their wrap/unwrap calls map one to one: AWS KMS {@code Encrypt}/{@code Decrypt} with an
 * encryption context, Vault Transit {@code encrypt}/{@code decrypt} with {@code context}); the
 * default, {@link LocalKeyProvider}, holds the keys in memory from a PKCS#12 key store or from
 * configuration. Implementations never log key material.
 */
public interface KeyProvider {

    /** The version that wraps new data keys. */
    String currentVersion();

    /** Every version that can still unwrap. */
    Set<String> versions();

    /**
     * Wraps (encrypts and authenticates) a data key under a KEK version, binding {@code context}
     * (the data key's id), so a wrapped key cannot be passed off as another owner's.
     */
    byte[] wrap(String version, byte[] dataKey, byte[] context);

    /** Unwraps; fails if the version is unknown or the wrapped key or context was changed. */
    byte[] unwrap(String version, byte[] wrapped, byte[] context);
}
