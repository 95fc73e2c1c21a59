package org.securefhir.auth.login;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;
import org.securefhir.auth.keys.Pseudonyms;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Failed attempts and temporary locks per login name, in PostgreSQL so that all server nodes share
 * them, keyed by the name's keyed pseudonym (never the typed text). Names that match no account are
 * counted and locked the same way. Password failures and second-factor failures (TOTP and recovery
 * codes) are counted apart: a correct password never clears the second factor's count, so wrong
 * codes cannot be tried forever between correct passwords.
 */
final class LoginAttempts {

    /** What failed: the password, or a second factor. */
    enum Step {
        PASSWORD("factor = 'password'"),
        SECOND_FACTOR("factor IN ('totp', 'recovery')");

        private final String condition;

        Step(String condition) {
            this.condition = condition;
        }

        static Step of(String factor) {
            return factor.equals("password") ? PASSWORD : SECOND_FACTOR;
        }
    }

    private final JdbcTemplate jdbc;
    private final LockoutSettings settings;
    private final Pseudonyms pseudonyms;

    LoginAttempts(JdbcTemplate jdbc, LockoutSettings settings, Pseudonyms pseudonyms) {
        this.jdbc = jdbc;
        this.settings = settings;
        this.pseudonyms = pseudonyms;
    }

    Optional<Instant> lockedUntil(String username, Instant now) {
        return jdbc
                .query(
                        "SELECT locked_until FROM smart_auth.login_lock WHERE username_key = ? AND locked_until > ?",
                        (row, n) -> row.getTimestamp(1).toInstant(),
                        pseudonyms.of(username),
                        Timestamp.from(now))
                .stream()
                .findFirst();
    }

    /** Records a failure of a factor; returns the lock end if this failure locked the name. */
    Optional<Instant> recordFailure(String username, String factor, Instant now) {
        String key = pseudonyms.of(username);
        Step step = Step.of(factor);
        jdbc.update(
                "INSERT INTO smart_auth.login_failure (username_key, failed_at, factor) VALUES (?, ?, ?)",
                key,
                Timestamp.from(now),
                factor);
        Integer failures = jdbc.queryForObject(
                "SELECT count(*) FROM smart_auth.login_failure WHERE username_key = ? AND failed_at > ? AND "
                        + step.condition,
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
        jdbc.update("DELETE FROM smart_auth.login_failure WHERE username_key = ? AND " + step.condition, key);
        return Optional.of(until);
    }

    /** After a success of this step: its failures are forgiven, never the other step's. */
    void clear(String username, Step step) {
        jdbc.update(
                "DELETE FROM smart_auth.login_failure WHERE username_key = ? AND " + step.condition,
                pseudonyms.of(username));
    }

    void unlock(String username) {
        String key = pseudonyms.of(username);
        jdbc.update("DELETE FROM smart_auth.login_lock WHERE username_key = ?", key);
        jdbc.update("DELETE FROM smart_auth.login_failure WHERE username_key = ?", key);
    }
}
