package org.securefhir.server.encryption;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.securefhir.interceptors.encryption.UndecryptableException;

class LocalKeyProviderTest {

    @TempDir
    Path directory;

    @Test
    void whenAPkcs12KeyStoreHoldsTwoVersionsThenTheCurrentOneWrapsAndBothUnwrap() throws Exception {
        // given a key store with AES keys "1" and "2"
        Path file = directory.resolve("kek.p12");
        char[] password = "store-password".toCharArray();
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, password);
        for (String alias : List.of("1", "2")) {
            store.setEntry(
                    alias,
                    new KeyStore.SecretKeyEntry(new SecretKeySpec(random(32), "AES")),
                    new KeyStore.PasswordProtection(password));
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            store.store(out, password);
        }
        EncryptionProperties properties = properties(Map.of(), file, "store-password", "2");

        // when
        LocalKeyProvider provider =
                new LocalKeyProvider(LocalKeyProvider.configured(properties), properties.currentKeyVersion());
        byte[] dataKey = random(32);
        byte[] context = "data-key|Patient/1#1".getBytes(StandardCharsets.UTF_8);
        byte[] wrapped = provider.wrap(provider.currentVersion(), dataKey, context);

        // then
        assertThat(provider.versions()).containsExactly("1", "2");
        assertThat(provider.currentVersion()).isEqualTo("2");
        assertThat(provider.unwrap("2", wrapped, context)).isEqualTo(dataKey);
        assertThatThrownBy(() -> provider.unwrap("1", wrapped, context)).isInstanceOf(UndecryptableException.class);
        assertThatThrownBy(() -> provider.unwrap("2", wrapped, "data-key|Patient/2#1".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(UndecryptableException.class);
        assertThat(provider.toString()).doesNotContain(Base64.getEncoder().encodeToString(dataKey));
    }

    @Test
    void whenTheKeyStorePasswordIsWrongThenStartUpFailsWithoutSayingThePassword() throws Exception {
        Path file = directory.resolve("kek.p12");
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, "right".toCharArray());
        try (OutputStream out = Files.newOutputStream(file)) {
            store.store(out, "right".toCharArray());
        }

        assertThatThrownBy(() -> LocalKeyProvider.configured(properties(Map.of(), file, "wrong-secret", "")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(file.toString())
                .hasMessageNotContaining("wrong-secret");
    }

    @Test
    void whenSeveralKeysAndNoCurrentVersionThenRefused() {
        EncryptionProperties properties = properties(
                Map.of(
                        "a",
                        Base64.getEncoder().encodeToString(random(32)),
                        "b",
                        Base64.getEncoder().encodeToString(random(32))),
                null,
                "",
                "");

        assertThatThrownBy(() -> new LocalKeyProvider(LocalKeyProvider.configured(properties), ""))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("crypto.current-key-version");
    }

    @Test
    void whenAKeyStoreHoldsNoSecretKeyThenTheServerDoesNotStartOnADevelopmentKey() throws Exception {
        Path empty = directory.resolve("empty.p12");
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        try (var out = Files.newOutputStream(empty)) {
            store.store(out, "secret".toCharArray());
        }
        EncryptionConfig config = new EncryptionConfig();

        assertThatThrownBy(() ->
                        config.keyProvider(properties(Map.of(), empty, "secret", ""), new SecureRandom(), directory))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("holds no secret key");
        assertThat(directory.resolve("keys")).doesNotExist();
    }

    @Test
    void whenDevelopmentWithoutAKeyThenOneIsGeneratedUnderTheDataDirectoryAndKeptAcrossStarts() {
        EncryptionConfig config = new EncryptionConfig();

        KeyProvider first = config.keyProvider(properties(Map.of(), null, "", ""), new SecureRandom(), directory);
        byte[] wrapped = first.wrap("1", random(32), new byte[0]);
        KeyProvider second = config.keyProvider(properties(Map.of(), null, "", ""), new SecureRandom(), directory);

        assertThat(Files.exists(directory.resolve("keys").resolve("encryption-kek-1.key")))
                .isTrue();
        assertThat(second.unwrap("1", wrapped, new byte[0])).hasSize(32);
    }

    private static EncryptionProperties properties(
            Map<String, String> keys, Path keyStore, String password, String current) {
        return new EncryptionProperties(true, keys, keyStore, password, current, true, Map.of(), 60);
    }

    private static byte[] random(int length) {
        byte[] bytes = new byte[length];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }
}
