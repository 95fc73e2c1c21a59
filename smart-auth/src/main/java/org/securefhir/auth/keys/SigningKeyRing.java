package org.securefhir.auth.keys;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The signing keys of a running node: rotated on a schedule, not only at start-up. Every node calls
 * {@link #refresh()} periodically: it rotates when the newest key is older than its lifetime (any
 * node may; the database holds the keys) and re-reads the published set. A new key is published at
 * once but signs only after {@code activation} (longer than the refresh interval), so that every
 * node, whose resource server verifies with its own copy of the set, knows it before any token
 * signed with it arrives; a token with a key id a node does not know yet makes it re-read the set
 * (at most every 10 seconds). A superseded key stays published until its successor is {@code
 * publishedAfterSuccessor} old, longer than any token it signed lives, then it is retired.
 */
public final class SigningKeyRing {

    private static final Duration MIN_RELOAD_INTERVAL = Duration.ofSeconds(10);

    private final SigningKeys keys;
    private final Duration lifetime;
    private final Duration publishedAfterSuccessor;
    private final Duration activation;
    private final Clock clock;
    private volatile JWKSet published;
    private volatile Instant loaded = Instant.EPOCH;

    public SigningKeyRing(
            SigningKeys keys, Duration lifetime, Duration publishedAfterSuccessor, Duration activation, Clock clock) {
        this.keys = keys;
        this.lifetime = lifetime;
        this.publishedAfterSuccessor = publishedAfterSuccessor;
        this.activation = activation;
        this.clock = clock;
        keys.ensureSigningKey();
        refresh();
    }

    /** Rotates if due and re-reads the published keys; run on a schedule. */
    public synchronized void refresh() {
        keys.rotateIfDue(lifetime, publishedAfterSuccessor);
        reload();
    }

    private synchronized void reload() {
        published = keys.load();
        loaded = clock.instant();
    }

    /** Every unretired key, newest first. */
    public JWKSet published() {
        return published;
    }

    /**
     * The key id that signs now: the newest key published for at least {@code activation}, or the
     * only one there is.
     */
    public String signingKeyId() {
        List<JWK> newestFirst = published.getKeys();
        Instant activeBefore = clock.instant().minus(activation);
        for (JWK key : newestFirst) {
            if (key.getIssueTime() == null || !key.getIssueTime().toInstant().isAfter(activeBefore)) {
                return key.getKeyID();
            }
        }
        return newestFirst.get(newestFirst.size() - 1).getKeyID();
    }

    /** The keys as a source for signing and verifying; an unknown key id re-reads the set. */
    public JWKSource<SecurityContext> source() {
        return (selector, context) -> {
            List<JWK> found = selector.select(published);
            if (found.isEmpty() && clock.instant().isAfter(loaded.plus(MIN_RELOAD_INTERVAL))) {
                reload();
                found = selector.select(published);
            }
            return found;
        };
    }
}
