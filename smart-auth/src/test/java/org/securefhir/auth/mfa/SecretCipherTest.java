package org.securefhir.auth.mfa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class SecretCipherTest {

    private final SecureRandom random = new SecureRandom();
    private final SecretCipher cipher = new SecretCipher(key(), random);

    @Test
    void decryptWhenSameOwnerThenOriginal() {
        byte[] secret = Totp.newSecret(random);

        byte[] stored = cipher.encrypt(secret, "user-1");

        assertThat(stored).isNotEqualTo(secret);
        assertThat(cipher.decrypt(stored, "user-1")).isEqualTo(secret);
    }

    @Test
    void encryptWhenSameValueTwiceThenDifferentCiphertexts() {
        byte[] secret = Totp.newSecret(random);

        assertThat(cipher.encrypt(secret, "u")).isNotEqualTo(cipher.encrypt(secret, "u"));
    }

    @Test
    void decryptWhenCopiedToAnotherOwnerThenRefused() {
        byte[] stored = cipher.encrypt(Totp.newSecret(random), "user-1");

        assertThatThrownBy(() -> cipher.decrypt(stored, "user-2")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void decryptWhenTamperedThenRefused() {
        byte[] stored = cipher.encrypt(Totp.newSecret(random), "user-1");
        stored[stored.length - 1] ^= 1;

        assertThatThrownBy(() -> cipher.decrypt(stored, "user-1")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void decryptWhenOtherKeyThenRefused() {
        byte[] stored = cipher.encrypt(Totp.newSecret(random), "user-1");

        assertThatThrownBy(() -> new SecretCipher(key(), random).decrypt(stored, "user-1"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private SecretKeySpec key() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return new SecretKeySpec(bytes, "AES");
    }
}
