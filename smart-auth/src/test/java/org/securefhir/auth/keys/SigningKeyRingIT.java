package org.securefhir.auth.keys;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.securefhir.auth.mfa.SecretCipher;
import org.securefhir.auth.support.TestClock;
import org.securefhir.auth.support.TestDatabase;

class SigningKeyRingIT {

    private static final Duration LIFETIME = Duration.ofDays(90);
    private static final Duration PUBLISHED_AFTER_SUCCESSOR = Duration.ofDays(1);
    private static final Duration ACTIVATION = Duration.ofMinutes(15);

    // after every key other tests made, whose keys this test's cipher cannot open: retired first
    private final TestClock clock = new TestClock(Instant.now().plus(Duration.ofDays(7300)));
    private final SigningKeys keys;

    SigningKeyRingIT() {
        TestDatabase.jdbc().update("UPDATE smart_auth.signing_key SET retired_at = now() WHERE retired_at IS NULL");
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        keys = new SigningKeys(
                TestDatabase.jdbc(),
                new SecretCipher(new SecretKeySpec(key, "AES"), new SecureRandom()),
                new SecureRandom(),
                clock);
    }

    @Test
    void refreshWhenTheKeyExpiresInARunningNodeThenTheNewKeyIsPublishedFirstSignsAfterActivationOldOneRetiredLater()
            throws Exception {
        SigningKeyRing node = new SigningKeyRing(keys, LIFETIME, PUBLISHED_AFTER_SUCCESSOR, ACTIVATION, clock);
        SigningKeyRing otherNode = new SigningKeyRing(keys, LIFETIME, PUBLISHED_AFTER_SUCCESSOR, ACTIVATION, clock);
        String first = node.signingKeyId();

        clock.advance(Duration.ofDays(89));
        node.refresh();
        assertThat(node.signingKeyId()).isEqualTo(first);

        // the key expires while the node runs: the scheduled refresh rotates
        clock.advance(Duration.ofDays(2));
        node.refresh();
        String second = node.published().getKeys().get(0).getKeyID();
        assertThat(second).isNotEqualTo(first);
        assertThat(node.signingKeyId()).as("published, not signing yet").isEqualTo(first);
        // a node that has not refreshed yet learns the new key from the first token that names it
        clock.advance(Duration.ofSeconds(11));
        assertThat(otherNode
                        .source()
                        .get(
                                new JWKSelector(
                                        new JWKMatcher.Builder().keyID(second).build()),
                                null))
                .hasSize(1);

        clock.advance(ACTIVATION);
        node.refresh();
        assertThat(node.signingKeyId()).isEqualTo(second);
        assertThat(kids(node)).containsExactly(second, first);

        clock.advance(PUBLISHED_AFTER_SUCCESSOR);
        node.refresh();
        assertThat(kids(node)).containsExactly(second);
    }

    /** Its keys lie far in the future: removed, so that other tests' rotations are not judged against them. */
    @org.junit.jupiter.api.AfterEach
    void removeTheseKeys() {
        TestDatabase.jdbc()
                .update("DELETE FROM smart_auth.signing_key WHERE created_at > now() + interval '5000 days'");
    }

    private static java.util.List<String> kids(SigningKeyRing ring) {
        return ring.published().getKeys().stream().map(key -> key.getKeyID()).toList();
    }
}
