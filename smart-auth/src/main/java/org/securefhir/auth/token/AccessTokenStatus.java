package org.securefhir.auth.token;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.securefhir.auth.schema.ChannelListener;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Whether an access token this server issued is still active: its authorization exists (not
 * revoked as a family), the token is not invalidated (revoked) and not expired. Looked up by its
 * digest, the only form stored ({@link RefreshTokenRotation#storedForm}), in one indexed query on
 * the token column, without loading and deserialising the whole authorization.
 *
 * <p>The FHIR API asks this on every request, so the answer "active" is remembered on this node
 * until the token expires or its authorization changes. Every change of an authorization row, on
 * any node and by any path, is announced by the database itself (a trigger, migration V8) on
 * channel {@value #CHANNEL} with the digest of the access token the row held; the {@link
 * ChannelListener} drops that entry. Remembered answers are used only while the listener heard from
 * the database within {@link #MAX_STALENESS} (otherwise every request queries), so a revocation
 * takes effect on every node within that bound plus the notification's delivery; on the node that
 * revoked it takes effect at once ({@link #changed}). "Inactive" is never remembered.
 */
public final class AccessTokenStatus implements AutoCloseable {

    /** How Spring Authorization Server marks a revoked token in the token's metadata (JSON). */
    static final String INVALIDATED = "%\"metadata.token.invalidated\":true%";

    static final String CHANNEL = "securefhir_token";

    /** The expiry of an access token (its stored form) that is neither expired nor invalidated. */
    static final String ACTIVE = "SELECT access_token_expires_at FROM smart_auth.oauth2_authorization"
            + " WHERE access_token_value = ? AND access_token_expires_at > ?"
            + " AND coalesce(access_token_metadata, '') NOT LIKE ?";
    /** Cached answers are used only while the listener heard from the database this recently. */
    public static final Duration MAX_STALENESS = Duration.ofMillis(500);

    private static final int MAX_ENTRIES = 50_000;

    private final JdbcTemplate jdbc;
    private final Clock clock;
    private final BooleanSupplier fresh;
    /** Null without a cache. */
    private final ChannelListener listener;
    /** Digest of an active token: when its authorization said it expires. */
    private final Map<String, Instant> active = new ConcurrentHashMap<>();
    /** Counts changes heard, so that an answer read before a change is not remembered after it. */
    private final AtomicLong changes = new AtomicLong();

    /** Without a listener: remembers answers only while {@code fresh} says so (for tests). */
    AccessTokenStatus(JdbcTemplate jdbc, Clock clock, BooleanSupplier fresh) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.fresh = fresh;
        this.listener = null;
    }

    private AccessTokenStatus(DataSource dataSource, JdbcTemplate jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.listener = new ChannelListener(dataSource, CHANNEL, clock, MAX_STALENESS, this::changed);
        this.fresh = listener::fresh;
    }

    /** With the node-local cache, kept true by the database's change notifications. */
    public static AccessTokenStatus cached(DataSource dataSource, JdbcTemplate jdbc, Clock clock) {
        AccessTokenStatus status = new AccessTokenStatus(dataSource, jdbc, clock);
        status.listener.start(); // after construction: notifications reach a complete object
        return status;
    }

    public boolean isActive(String accessToken) {
        String digest = RefreshTokenRotation.storedForm(accessToken);
        Instant now = clock.instant();
        if (fresh.getAsBoolean()) {
            Instant expires = active.get(digest);
            if (expires != null && now.isBefore(expires)) {
                return true;
            }
        }
        long before = changes.get();
        List<Timestamp> expiry = jdbc.queryForList(ACTIVE, Timestamp.class, digest, Timestamp.from(now), INVALIDATED);
        if (expiry.isEmpty()) {
            active.remove(digest);
            return false;
        }
        remember(digest, expiry.get(0).toInstant(), before);
        return true;
    }

    /**
     * Remembers an answer read when {@code changes} was {@code before}; undone if a change was heard
     * meanwhile (a change counts before it evicts, so a change after this check evicts the entry).
     */
    private void remember(String digest, Instant expires, long before) {
        if (!fresh.getAsBoolean() || changes.get() != before) {
            return;
        }
        if (active.size() >= MAX_ENTRIES) {
            active.clear();
        }
        active.put(digest, expires);
        if (changes.get() != before) {
            active.remove(digest);
        }
    }

    /**
     * The authorization that held this access token (its digest) changed: forget the answer.
     * {@link ChannelListener#ALL} forgets every answer.
     */
    public void changed(String digest) {
        changes.incrementAndGet();
        if (digest == null || ChannelListener.ALL.equals(digest)) {
            active.clear();
        } else {
            active.remove(digest);
        }
    }

    /** How many answers are remembered (for tests). */
    int remembered() {
        return active.size();
    }

    @Override
    public void close() {
        if (listener != null) {
            listener.close();
        }
    }
}
