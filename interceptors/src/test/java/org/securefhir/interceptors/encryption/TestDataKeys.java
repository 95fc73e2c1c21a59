package org.securefhir.interceptors.encryption;

import java.security.SecureRandom;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import javax.crypto.spec.SecretKeySpec;

/** Data keys held in memory, one version per owner, erasable: the fixture of the unit tests. */
final class TestDataKeys implements DataKeys {

    private final Map<String, DataKey> keys = new HashMap<>();
    private final byte[] indexKey = random();

    @Override
    public DataKey forWriting(String owner) {
        return keys.computeIfAbsent(owner + "#1", id -> new DataKey(id, new SecretKeySpec(random(), "AES")));
    }

    @Override
    public Optional<DataKey> forReading(String keyId) {
        return Optional.ofNullable(keys.get(keyId));
    }

    @Override
    public byte[] blindIndexKey() {
        return indexKey;
    }

    void erase(String owner) {
        keys.remove(owner + "#1");
    }

    private static byte[] random() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return key;
    }
}
