package org.securefhir.auth.user;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.securefhir.auth.password.PasswordPolicy;
import org.securefhir.auth.password.PasswordRejectedException;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.transaction.support.TransactionTemplate;

/** User accounts and their passwords, in PostgreSQL (schema {@code smart_auth}). */
public final class UserAccounts {

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final PasswordPolicy passwordPolicy;
    private final PasswordEncoder passwordEncoder;
    private final Clock clock;

    public UserAccounts(
            JdbcTemplate jdbc,
            TransactionTemplate transactions,
            PasswordPolicy passwordPolicy,
            PasswordEncoder passwordEncoder,
            Clock clock) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.passwordPolicy = passwordPolicy;
        this.passwordEncoder = passwordEncoder;
        this.clock = clock;
    }

    /**
     * @throws PasswordRejectedException when the password breaks the policy
     * @throws DuplicateUsernameException when the user name is taken (ignoring case)
     */
    public UserAccount create(NewUser user, CharSequence password) {
        List<String> violations = passwordPolicy.violations(password, user.username(), List.of());
        if (!violations.isEmpty()) {
            throw new PasswordRejectedException(violations);
        }
        String id = UUID.randomUUID().toString();
        String hash = passwordEncoder.encode(password);
        Timestamp now = Timestamp.from(clock.instant());
        try {
            transactions.executeWithoutResult(status -> {
                jdbc.update(
                        "INSERT INTO smart_auth.user_account (id, username, display_name, fhir_user, password_hash,"
                                + " password_set_at, enabled, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, TRUE, ?, ?)",
                        id,
                        user.username(),
                        user.displayName(),
                        user.fhirUser().orElse(null),
                        hash,
                        now,
                        now,
                        now);
                for (Role role : user.roles()) {
                    jdbc.update("INSERT INTO smart_auth.user_role (user_id, role) VALUES (?, ?)", id, role.code());
                }
                jdbc.update(
                        "INSERT INTO smart_auth.password_history (user_id, password_hash, set_at) VALUES (?, ?, ?)",
                        id,
                        hash,
                        now);
            });
        } catch (DuplicateKeyException e) {
            throw new DuplicateUsernameException(user.username());
        }
        return findById(id).orElseThrow();
    }

    public Optional<UserAccount> findById(String id) {
        return find("WHERE id = ?", id);
    }

    /** Whether any enabled account has the role (e.g. whether an administrator exists yet). */
    public boolean anyEnabledWithRole(Role role) {
        Boolean exists = jdbc.queryForObject(
                "SELECT EXISTS (SELECT 1 FROM smart_auth.user_role r JOIN smart_auth.user_account a ON a.id = r.user_id"
                        + " WHERE r.role = ? AND a.enabled)",
                Boolean.class,
                role.code());
        return Boolean.TRUE.equals(exists);
    }

    public Optional<UserAccount> findByUsername(String username) {
        return find("WHERE lower(username) = lower(?)", username);
    }

    /** The stored Argon2id hash, for the authenticator only. */
    public Optional<String> passwordHash(String userId) {
        return jdbc
                .query(
                        "SELECT password_hash FROM smart_auth.user_account WHERE id = ?",
                        (row, n) -> row.getString(1),
                        userId)
                .stream()
                .findFirst();
    }

    /** @throws PasswordRejectedException when the password breaks the policy or repeats a recent one */
    public void changePassword(String userId, CharSequence newPassword) {
        UserAccount user = findById(userId).orElseThrow(() -> new IllegalArgumentException("No such user"));
        List<String> history = jdbc.query(
                "SELECT password_hash FROM smart_auth.password_history WHERE user_id = ? ORDER BY set_at DESC LIMIT 20",
                (row, n) -> row.getString(1),
                userId);
        List<String> violations = passwordPolicy.violations(newPassword, user.username(), history);
        if (!violations.isEmpty()) {
            throw new PasswordRejectedException(violations);
        }
        String hash = passwordEncoder.encode(newPassword);
        Timestamp now = Timestamp.from(clock.instant());
        transactions.executeWithoutResult(status -> {
            jdbc.update(
                    "UPDATE smart_auth.user_account SET password_hash = ?, password_set_at = ?, updated_at = ? WHERE id = ?",
                    hash,
                    now,
                    now,
                    userId);
            jdbc.update(
                    "INSERT INTO smart_auth.password_history (user_id, password_hash, set_at) VALUES (?, ?, ?)",
                    userId,
                    hash,
                    now);
        });
    }

    /** Enables or disables the account; either way its login sessions end ({@link #accessChangedAt}). */
    public void setEnabled(String userId, boolean enabled) {
        Timestamp now = Timestamp.from(clock.instant());
        int updated = jdbc.update(
                "UPDATE smart_auth.user_account SET enabled = ?, updated_at = ?, access_changed_at = ? WHERE id = ?",
                enabled,
                now,
                now,
                userId);
        if (updated != 1) {
            throw new IllegalArgumentException("No such user");
        }
    }

    /**
     * Replaces the user's roles and FHIR user; their login sessions end ({@link #accessChangedAt}).
     */
    public UserAccount setRoles(String userId, Set<Role> roles, Optional<String> fhirUser) {
        if (roles.isEmpty()) {
            throw new IllegalArgumentException("A user needs at least one role");
        }
        Timestamp now = Timestamp.from(clock.instant());
        transactions.executeWithoutResult(status -> {
            int updated = jdbc.update(
                    "UPDATE smart_auth.user_account SET fhir_user = ?, updated_at = ?, access_changed_at = ?"
                            + " WHERE id = ?",
                    fhirUser.orElse(null),
                    now,
                    now,
                    userId);
            if (updated != 1) {
                throw new IllegalArgumentException("No such user");
            }
            jdbc.update("DELETE FROM smart_auth.user_role WHERE user_id = ?", userId);
            for (Role role : roles) {
                jdbc.update("INSERT INTO smart_auth.user_role (user_id, role) VALUES (?, ?)", userId, role.code());
            }
        });
        return findById(userId).orElseThrow();
    }

    /** Ends the user's login sessions (e.g. after a second-factor reset), on every node. */
    public void endSessions(String userId) {
        jdbc.update(
                "UPDATE smart_auth.user_account SET access_changed_at = ? WHERE id = ?",
                Timestamp.from(clock.instant()),
                userId);
    }

    /**
     * Whether a login session that completed at {@code loggedInAt} may go on: the account exists, is
     * enabled, and nothing about its access changed since (disabled, enabled, roles, second factor).
     */
    public boolean sessionValid(String userId, Instant loggedInAt) {
        List<Boolean> valid = jdbc.query(
                "SELECT enabled AND (access_changed_at IS NULL OR access_changed_at < ?)"
                        + " FROM smart_auth.user_account WHERE id = ?",
                (row, n) -> row.getBoolean(1),
                Timestamp.from(loggedInAt),
                userId);
        return !valid.isEmpty() && valid.get(0);
    }

    private Optional<UserAccount> find(String where, String value) {
        List<UserAccount> found = jdbc.query(
                "SELECT id, username, display_name, fhir_user, enabled FROM smart_auth.user_account " + where,
                (row, n) -> new UserAccount(
                        row.getString("id"),
                        row.getString("username"),
                        row.getString("display_name"),
                        Optional.ofNullable(row.getString("fhir_user")),
                        roles(row.getString("id")),
                        row.getBoolean("enabled")),
                value);
        return found.stream().findFirst();
    }

    private Set<Role> roles(String userId) {
        Set<Role> roles = EnumSet.noneOf(Role.class);
        jdbc.query(
                "SELECT role FROM smart_auth.user_role WHERE user_id = ?",
                row -> {
                    roles.add(Role.fromCode(row.getString(1)));
                },
                userId);
        return roles;
    }
}
