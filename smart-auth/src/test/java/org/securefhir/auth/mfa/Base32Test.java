package org.securefhir.auth.mfa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** RFC 4648 §10 test vectors (without padding). */
class Base32Test {

    @ParameterizedTest
    @CsvSource({"f, MY", "fo, MZXQ", "foo, MZXW6", "foob, MZXW6YQ", "fooba, MZXW6YTB", "foobar, MZXW6YTBOI"})
    void encodeAndDecodeWhenRfcVectorThenRoundTrip(String plain, String encoded) {
        assertThat(Base32.encode(plain.getBytes(StandardCharsets.US_ASCII))).isEqualTo(encoded);
        assertThat(new String(
                        Base32.decode(encoded.toLowerCase(java.util.Locale.ROOT) + "===="), StandardCharsets.US_ASCII))
                .isEqualTo(plain);
    }

    @Test
    void decodeWhenInvalidCharacterThenRejected() {
        assertThatThrownBy(() -> Base32.decode("MZ1W")).isInstanceOf(IllegalArgumentException.class);
    }
}
