package org.securefhir.interceptors.encryption;

import java.security.SecureRandom;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import javax.crypto.spec.SecretKeySpec;

/** Data keys held in memory, one version per owner, erasable: the fixture of the unit tests. */
final class TestDataKeys implements DataKeys {

    private final Map<String, DataKey> keys = new HashMap<>();
    private final Map<String, Integer> current = new HashMap<>();
    private final byte[] indexKey = random();

    @Override
    public DataKey forWriting(String owner) {
        String id = owner + "#" + current.computeIfAbsent(owner, o -> 1);
        return keys.computeIfAbsent(id, k -> new DataKey(k, new SecretKeySpec(random(), "AES")));
    }

    /** A new current version for the owner; the old one still opens what it sealed. */
    void rotate(String owner) {
        current.merge(owner, 1, Integer::sum);
    }

    @Override
    public Optional<DataKey> forReading(String keyId) {
        return Optional.ofNullable(keys.get(keyId));
    }

    @Override
    public byte[] blindIndexKey() {
        return indexKey;
    }

    /** Erases every key of the owner; versions are never reused (as in the database). */
    void erase(String owner) {
        keys.keySet().removeIf(id -> id.startsWith(owner + "#"));
        rotate(owner);
    }

    private static byte[] random() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return key;
    }
}
