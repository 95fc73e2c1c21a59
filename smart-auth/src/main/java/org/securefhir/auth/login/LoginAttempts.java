package org.securefhir.auth.login;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Failed attempts and temporary locks per login name (case-insensitive), in PostgreSQL so that all
 * server nodes share them. Names that match no account are counted and locked the same way.
 */
final class LoginAttempts {

    private final JdbcTemplate jdbc;
    private final LockoutSettings settings;

    LoginAttempts(JdbcTemplate jdbc, LockoutSettings settings) {
        this.jdbc = jdbc;
        this.settings = settings;
    }

    Optional<Instant> lockedUntil(String username, Instant now) {
        return jdbc
                .query(
                        "SELECT locked_until FROM smart_auth.login_lock WHERE username_key = ? AND locked_until > ?",
                        (row, n) -> row.getTimestamp(1).toInstant(),
                        key(username),
                        Timestamp.from(now))
                .stream()
                .findFirst();
    }

    /** Records a failure; returns the lock end if this failure locked the name. */
    Optional<Instant> recordFailure(String username, String factor, Instant now) {
        String key = key(username);
        jdbc.update(
                "INSERT INTO smart_auth.login_failure (username_key, failed_at, factor) VALUES (?, ?, ?)",
                key,
                Timestamp.from(now),
                factor);
        Integer failures = jdbc.queryForObject(
                "SELECT count(*) FROM smart_auth.login_failure WHERE username_key = ? AND failed_at > ?",
                Integer.class,
                key,
                Timestamp.from(now.minus(settings.window())));
        if (failures == null || failures < settings.maxFailures()) {
            return Optional.empty();
        }
        Instant until = now.plus(settings.lockDuration());
        jdbc.update(
                "INSERT INTO smart_auth.login_lock (username_key, locked_until) VALUES (?, ?)"
                        + " ON CONFLICT (username_key) DO UPDATE SET locked_until = EXCLUDED.locked_until",
                key,
                Timestamp.from(until));
        jdbc.update("DELETE FROM smart_auth.login_failure WHERE username_key = ?", key);
        return Optional.of(until);
    }

    void clear(String username) {
        jdbc.update("DELETE FROM smart_auth.login_failure WHERE username_key = ?", key(username));
    }

    void unlock(String username) {
        String key = key(username);
        jdbc.update("DELETE FROM smart_auth.login_lock WHERE username_key = ?", key);
        jdbc.update("DELETE FROM smart_auth.login_failure WHERE username_key = ?", key);
    }

    static String key(String username) {
        String trimmed = username == null ? "" : username.trim().toLowerCase(Locale.ROOT);
        return trimmed.length() > 128 ? trimmed.substring(0, 128) : trimmed;
    }
}
