package org.securefhir.server.encryption;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.securefhir.auth.keys.SecretKeys;
import org.securefhir.interceptors.encryption.FieldCipher;

/**
 * Key-encryption keys held in this process: AES-256 keys from a PKCS#12 key store (secret-key
 * entries, alias = version) and/or given as base64 by configuration; data keys are wrapped with
 * AES-256-GCM under them.
 */
public final class LocalKeyProvider implements KeyProvider {

    private final Map<String, SecretKey> keys;
    private final String current;

    LocalKeyProvider(Map<String, SecretKey> keys, String current) {
        if (keys.isEmpty()) {
            throw new IllegalStateException(
                    "No key-encryption key is configured (crypto.key-store or" + " crypto.key-encryption-keys)");
        }
        this.keys = Collections.unmodifiableMap(new TreeMap<>(keys));
        if (current == null || current.isBlank()) {
            if (keys.size() > 1) {
                throw new IllegalStateException(
                        "Several key-encryption keys are configured; crypto.current-key-version must name one");
            }
            this.current = keys.keySet().iterator().next();
        } else if (!keys.containsKey(current)) {
            throw new IllegalStateException("crypto.current-key-version names no configured key: " + current);
        } else {
            this.current = current;
        }
        keys.forEach((version, key) -> {
            if (key.getEncoded().length != FieldCipher.KEY_BYTES) {
                throw new IllegalStateException("Key-encryption key " + version + " is not a 256-bit AES key");
            }
        });
    }

    /** The keys of the configuration: a PKCS#12 key store and/or base64 keys by version. */
    static Map<String, SecretKey> configured(EncryptionProperties properties) {
        Map<String, SecretKey> keys = new TreeMap<>();
        if (properties.keyStore() != null) {
            keys.putAll(fromKeyStore(properties.keyStore(), properties.keyStorePassword()));
        }
        properties.keyEncryptionKeys().forEach((version, base64) -> keys.put(version, SecretKeys.fromBase64(base64)));
        return keys;
    }

    static Map<String, SecretKey> fromKeyStore(Path file, String password) {
        Map<String, SecretKey> keys = new TreeMap<>();
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            char[] secret = password.toCharArray();
            store.load(in, secret);
            for (String alias : Collections.list(store.aliases())) {
                if (store.isKeyEntry(alias)) {
                    Key key = store.getKey(alias, secret);
                    if (key instanceof SecretKey secretKey) {
                        keys.put(alias, new SecretKeySpec(secretKey.getEncoded(), "AES"));
                    }
                }
            }
        } catch (IOException | GeneralSecurityException e) {
            // the message names the file, never the password
            throw new IllegalStateException(
                    "Cannot read the key store " + file + ": " + e.getClass().getSimpleName());
        }
        return keys;
    }

    @Override
    public String currentVersion() {
        return current;
    }

    @Override
    public Set<String> versions() {
        return keys.keySet();
    }

    @Override
    public byte[] wrap(String version, byte[] dataKey, byte[] context) {
        return FieldCipher.encrypt(key(version), dataKey, context);
    }

    @Override
    public byte[] unwrap(String version, byte[] wrapped, byte[] context) {
        return FieldCipher.decrypt(key(version), wrapped, context);
    }

    private SecretKey key(String version) {
        SecretKey key = keys.get(version);
        if (key == null) {
            throw new IllegalStateException("Key-encryption key version " + version + " is not configured");
        }
        return key;
    }

    @Override
    public String toString() {
        return "LocalKeyProvider[versions=" + keys.keySet() + ", current=" + current + "]";
    }
}
