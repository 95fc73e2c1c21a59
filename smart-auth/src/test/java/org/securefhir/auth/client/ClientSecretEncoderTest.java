package org.securefhir.auth.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ClientSecretEncoderTest {

    private final ClientSecretEncoder encoder = new ClientSecretEncoder();
    private final String secret = "a-machine-generated-secret-of-40-characters";

    @Test
    void matchesWhenSameSecretThenTrueAndStoredFormIsADigest() {
        String stored = encoder.encode(secret);

        assertThat(stored).startsWith("{sha256}").doesNotContain(secret);
        assertThat(encoder.matches(secret, stored)).isTrue();
    }

    @Test
    void matchesWhenOtherSecretOrForeignFormatThenFalse() {
        String stored = encoder.encode(secret);

        assertThat(encoder.matches(secret + "x", stored)).isFalse();
        assertThat(encoder.matches(secret, "{noop}" + secret)).isFalse();
        assertThat(encoder.matches(null, stored)).isFalse();
    }

    @Test
    void encodeWhenSecretTooShortThenRefused() {
        assertThatThrownBy(() -> encoder.encode("short")).isInstanceOf(IllegalArgumentException.class);
    }
}
