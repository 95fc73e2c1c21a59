package org.securefhir.auth.login;

import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import org.securefhir.auth.event.SecurityEvent;
import org.securefhir.auth.event.SecurityEventSink;
import org.securefhir.auth.keys.Pseudonyms;
import org.securefhir.auth.mfa.TotpService;
import org.securefhir.auth.user.UserAccount;
import org.securefhir.auth.user.UserAccounts;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.crypto.password.PasswordEncoder;

/**
 * The two login steps, with brute-force protection: a password check, then a second factor (TOTP
 * code or recovery code) for the same account. After {@link LockoutSettings#maxFailures()} failed
 * passwords, or as many failed second factors, within the window, the name is locked (both are
 * counted apart: a correct password does not forgive wrong codes); the outcome never tells whether
 * an account exists (unknown names are counted and locked too, and a dummy Argon2 verification
 * keeps the timing similar). Every outcome becomes a {@link SecurityEvent}; a lock is an {@code
 * ACCOUNT_LOCKED} event whose detail says which step locked it (the audit raises an alert).
 */
public final class LoginService {

    /** Result of a login step. */
    public sealed interface Outcome {
        /** The step succeeded for this account. */
        record Success(UserAccount user) implements Outcome {}

        /** Wrong credentials, unknown or disabled account: deliberately indistinguishable. */
        record Failure() implements Outcome {}

        /** Too many failures: no check was made. */
        record Locked(Instant until) implements Outcome {}
    }

    private final UserAccounts users;
    private final TotpService totp;
    private final LoginAttempts attempts;
    private final PasswordEncoder passwordEncoder;
    private final SecurityEventSink events;
    private final Clock clock;
    private final Pseudonyms pseudonyms;
    private final LockoutSettings lockout;
    private volatile String dummyHash;

    public LoginService(
            UserAccounts users,
            TotpService totp,
            JdbcTemplate jdbc,
            LockoutSettings lockout,
            PasswordEncoder passwordEncoder,
            SecurityEventSink events,
            Clock clock,
            Pseudonyms pseudonyms) {
        this.users = users;
        this.totp = totp;
        this.pseudonyms = pseudonyms;
        this.attempts = new LoginAttempts(jdbc, lockout, pseudonyms);
        this.lockout = lockout;
        this.passwordEncoder = passwordEncoder;
        this.events = events;
        this.clock = clock;
    }

    /** First step: user name and password. */
    public Outcome checkPassword(String username, CharSequence password, String sourceAddress) {
        Instant now = clock.instant();
        Optional<Instant> locked = attempts.lockedUntil(username, now);
        if (locked.isPresent()) {
            event(SecurityEvent.Type.LOGIN_FAILURE, Optional.empty(), username, sourceAddress, "locked");
            return new Outcome.Locked(locked.get());
        }
        Optional<UserAccount> user = users.findByUsername(username == null ? "" : username);
        String hash = user.flatMap(u -> users.passwordHash(u.id())).orElseGet(this::dummyHash);
        boolean matches = password != null && passwordEncoder.matches(password, hash);
        if (user.isPresent() && user.get().enabled() && matches) {
            attempts.clear(username, LoginAttempts.Step.PASSWORD);
            event(SecurityEvent.Type.LOGIN_SUCCESS, user.map(UserAccount::id), username, sourceAddress, "password");
            return new Outcome.Success(user.get());
        }
        String reason = user.isEmpty() ? "unknown name" : !user.get().enabled() ? "account disabled" : "wrong password";
        event(SecurityEvent.Type.LOGIN_FAILURE, user.map(UserAccount::id), username, sourceAddress, reason);
        return failure(username, user, "password", sourceAddress, now);
    }

    /** A hash to verify against when the name matches no account, so that timing does not tell. */
    private String dummyHash() {
        String hash = dummyHash;
        if (hash == null) {
            hash = passwordEncoder.encode("dummy password for timing equalisation");
            dummyHash = hash;
        }
        return hash;
    }

    /** Second step, for the account that passed the first: a TOTP code. */
    public Outcome checkTotp(UserAccount user, String code, String sourceAddress) {
        return checkSecondFactor(user, sourceAddress, "totp", () -> totp.verify(user.id(), code));
    }

    /**
     * Second step at the first login: confirms TOTP enrollment with a first code.
     *
     * @param recoveryCodes receives the ten new recovery codes on success, to show once
     */
    public Outcome confirmEnrollment(
            UserAccount user,
            String code,
            String sourceAddress,
            java.util.function.Consumer<java.util.List<String>> recoveryCodes) {
        Outcome outcome = checkSecondFactor(
                user,
                sourceAddress,
                "totp",
                () -> totp.confirm(user.id(), code)
                        .map(codes -> {
                            recoveryCodes.accept(codes);
                            return true;
                        })
                        .orElse(false));
        if (outcome instanceof Outcome.Success) {
            event(SecurityEvent.Type.MFA_ENROLLED, Optional.of(user.id()), user.username(), sourceAddress, "totp");
        }
        return outcome;
    }

    /** Second step alternative: a single-use recovery code. */
    public Outcome checkRecoveryCode(UserAccount user, String code, String sourceAddress) {
        Outcome outcome =
                checkSecondFactor(user, sourceAddress, "recovery", () -> totp.useRecoveryCode(user.id(), code));
        if (outcome instanceof Outcome.Success) {
            event(
                    SecurityEvent.Type.RECOVERY_CODE_USED,
                    Optional.of(user.id()),
                    user.username(),
                    sourceAddress,
                    totp.remainingRecoveryCodes(user.id()) + " left");
        }
        return outcome;
    }

    /** Administrator action. */
    public void unlock(String username) {
        attempts.unlock(username);
    }

    private Outcome checkSecondFactor(
            UserAccount user, String sourceAddress, String factor, java.util.function.BooleanSupplier check) {
        Instant now = clock.instant();
        Optional<Instant> locked = attempts.lockedUntil(user.username(), now);
        if (locked.isPresent()) {
            event(SecurityEvent.Type.MFA_FAILURE, Optional.of(user.id()), user.username(), sourceAddress, "locked");
            return new Outcome.Locked(locked.get());
        }
        if (check.getAsBoolean()) {
            attempts.clear(user.username(), LoginAttempts.Step.SECOND_FACTOR);
            event(SecurityEvent.Type.MFA_SUCCESS, Optional.of(user.id()), user.username(), sourceAddress, factor);
            return new Outcome.Success(user);
        }
        event(SecurityEvent.Type.MFA_FAILURE, Optional.of(user.id()), user.username(), sourceAddress, factor);
        return failure(user.username(), Optional.of(user), factor, sourceAddress, now);
    }

    private Outcome failure(
            String username, Optional<UserAccount> user, String factor, String sourceAddress, Instant now) {
        Optional<Instant> lockedNow = attempts.recordFailure(username, factor, now);
        if (lockedNow.isPresent()) {
            event(
                    SecurityEvent.Type.ACCOUNT_LOCKED,
                    user.map(UserAccount::id),
                    username,
                    sourceAddress,
                    (factor.equals("password")
                                    ? "password failed " + lockout.maxFailures() + " times"
                                    : "second factor failed " + lockout.maxFailures()
                                            + " times after a correct password (the password is known)")
                            + "; locked until " + lockedNow.get());
            return new Outcome.Locked(lockedNow.get());
        }
        return new Outcome.Failure();
    }

    private void event(
            SecurityEvent.Type type, Optional<String> userId, String typedName, String sourceAddress, String detail) {
        events.record(new SecurityEvent(
                clock.instant(),
                type,
                userId,
                Optional.of(pseudonyms.shortOf(typedName)),
                Optional.empty(),
                Optional.ofNullable(sourceAddress),
                detail));
    }
}
