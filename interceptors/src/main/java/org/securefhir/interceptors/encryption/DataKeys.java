package org.securefhir.interceptors.encryption;

import java.util.Optional;

/**
 * Where data keys come from (envelope encryption: each is stored wrapped by a key-encryption key
 * of the configured {@code KeyProvider}). One per owner and key-encryption-key version, so that
 * erasing an owner's keys makes all of its ciphertexts unreadable (crypto-shredding).
 */
public interface DataKeys {

    /** The owner's current key for new ciphertexts, created on first use. */
    DataKey forWriting(String owner);

    /** The key with this id, or empty when it was erased (or never existed). */
    Optional<DataKey> forReading(String keyId);

    /** The key of the blind indexes (HMAC-SHA256), separate from every data key. */
    byte[] blindIndexKey();
}
