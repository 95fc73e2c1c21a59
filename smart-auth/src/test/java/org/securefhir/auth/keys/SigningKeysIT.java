package org.securefhir.auth.keys;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.securefhir.auth.mfa.SecretCipher;
import org.securefhir.auth.support.TestClock;
import org.securefhir.auth.support.TestDatabase;

class SigningKeysIT {

    private static final Duration LIFETIME = Duration.ofDays(90);
    private static final Duration PUBLISHED_AFTER_SUCCESSOR = Duration.ofDays(1);

    // after every key other tests may have made, so that these are the newest
    private final TestClock clock = new TestClock(Instant.now().plus(Duration.ofDays(3650)));
    private final SigningKeys keys = new SigningKeys(
            TestDatabase.jdbc(), new SecretCipher(key(), new SecureRandom()), new SecureRandom(), clock);

    @Test
    void rotateIfDueWhenNewestKeyExpiresThenNewKeySignsAndOldOneStaysPublishedForADay() {
        keys.rotateIfDue(LIFETIME, PUBLISHED_AFTER_SUCCESSOR);
        String first = newestKid();

        clock.advance(Duration.ofDays(89));
        assertThat(keys.rotateIfDue(LIFETIME, PUBLISHED_AFTER_SUCCESSOR)).isFalse();

        clock.advance(Duration.ofDays(2));
        assertThat(keys.rotateIfDue(LIFETIME, PUBLISHED_AFTER_SUCCESSOR)).isTrue();
        String second = newestKid();
        assertThat(second).isNotEqualTo(first);
        assertThat(published()).contains(first, second);

        clock.advance(Duration.ofHours(25));
        keys.rotateIfDue(LIFETIME, PUBLISHED_AFTER_SUCCESSOR);
        assertThat(published()).contains(second).doesNotContain(first);
        assertThat(keys.load().getKeys().get(0).getKeyID()).isEqualTo(second);
    }

    private static String newestKid() {
        return TestDatabase.jdbc()
                .queryForObject(
                        "SELECT kid FROM smart_auth.signing_key WHERE retired_at IS NULL ORDER BY created_at DESC LIMIT 1",
                        String.class);
    }

    private static List<String> published() {
        return TestDatabase.jdbc()
                .queryForList("SELECT kid FROM smart_auth.signing_key WHERE retired_at IS NULL", String.class);
    }

    private static SecretKey key() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return new SecretKeySpec(key, "AES");
    }
}
