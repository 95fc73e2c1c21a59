package org.securefhir.server.encryption;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Field-level encryption at rest ({@code crypto.*}).
 *
 * @param enabled {@code false} only to measure what encryption costs (bench/); refused in {@code
 *     prod}. Switching it on or off over existing data is not supported.
 * @param keyEncryptionKeys key-encryption keys by version (base64 of 32 bytes each, e.g. from
 *     environment variables or a secret file), beside or instead of {@code keyStore}
 * @param keyStore a PKCS#12 key store whose AES secret-key entries are key-encryption keys, the
 *     alias being the version; empty = none
 * @param keyStorePassword the key store's password
 * @param currentKeyVersion the key-encryption key that wraps new data keys; empty = the only one.
 *     Changing it starts the re-encryption of existing data (see docs/encryption.md)
 * @param narrative whether the narrative ({@code text}) of every resource is encrypted
 * @param fields the encrypted elements per resource type (paths below the resource)
 * @param keyCacheSeconds how long a node keeps an unwrapped data key (an erasure reaches other
 *     nodes within this time)
 */
@ConfigurationProperties("crypto")
public record EncryptionProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue Map<String, String> keyEncryptionKeys,
        Path keyStore,
        @DefaultValue("") String keyStorePassword,
        @DefaultValue("") String currentKeyVersion,
        @DefaultValue("true") boolean narrative,
        @DefaultValue Map<String, List<String>> fields,
        @DefaultValue("60") int keyCacheSeconds) {

    @Override
    public String toString() {
        return "EncryptionProperties[enabled=" + enabled + ", keyStore=" + keyStore + ", currentKeyVersion="
                + currentKeyVersion + ", keyVersions=" + keyEncryptionKeys.keySet() + ", fields=" + fields + "]";
    }
}
