package org.securefhir.auth.web;

import java.time.Clock;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Token buckets per key (the client's IP address): each key may spend {@code burst} requests at
 * once and regains {@code perMinute} a minute. In memory, per node: a cheap first line against
 * floods and credential stuffing across many accounts; the per-account lockout is shared by all
 * nodes in PostgreSQL.
 */
public final class RateLimiter {

    private static final int MAX_KEYS = 100_000;

    private final double perMillisecond;
    private final double burst;
    private final Clock clock;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    public RateLimiter(int perMinute, int burst, Clock clock) {
        if (perMinute < 1 || burst < 1) {
            throw new IllegalArgumentException("Rate limits must be positive");
        }
        this.perMillisecond = perMinute / 60_000.0;
        this.burst = burst;
        this.clock = clock;
    }

    /** Takes one request from the key's bucket; false when the bucket is empty. */
    public boolean tryAcquire(String key) {
        long now = clock.millis();
        if (buckets.size() > MAX_KEYS) {
            buckets.entrySet().removeIf(entry -> entry.getValue().isFull(now));
        }
        return buckets.computeIfAbsent(key, k -> new Bucket(burst, now)).take(now);
    }

    private final class Bucket {

        private double tokens;
        private long updated;

        Bucket(double tokens, long updated) {
            this.tokens = tokens;
            this.updated = updated;
        }

        synchronized boolean take(long now) {
            refill(now);
            if (tokens < 1) {
                return false;
            }
            tokens -= 1;
            return true;
        }

        synchronized boolean isFull(long now) {
            refill(now);
            return tokens >= burst;
        }

        private void refill(long now) {
            tokens = Math.min(burst, tokens + (now - updated) * perMillisecond);
            updated = now;
        }
    }
}
