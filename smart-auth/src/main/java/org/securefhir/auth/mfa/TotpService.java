package org.securefhir.auth.mfa;

import java.security.SecureRandom;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The TOTP second factor of each user: enrollment (secret shown once as base32 and QR code,
 * confirmed by a first code), verification with a ±{@code window} step tolerance where each code
 * is good once (the last accepted time step is stored and advanced atomically, so concurrent
 * replays on several nodes fail too), and ten single-use recovery codes.
 */
public final class TotpService {

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final SecretCipher cipher;
    private final SecureRandom random;
    private final Clock clock;
    private final String issuer;
    private final int window;

    public TotpService(
            JdbcTemplate jdbc,
            TransactionTemplate transactions,
            SecretCipher cipher,
            SecureRandom random,
            Clock clock,
            String issuer,
            int window) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.cipher = cipher;
        this.random = random;
        this.clock = clock;
        this.issuer = issuer;
        this.window = window;
    }

    /** What the enrollment page shows, once. */
    public record Enrollment(String base32Secret, String otpauthUri, byte[] qrCodePng) {}

    /** Starts (or restarts) enrollment; an already confirmed factor is never replaced here. */
    public Enrollment begin(String userId, String accountName) {
        if (isEnrolled(userId)) {
            throw new IllegalStateException("A confirmed second factor exists; an administrator must reset it");
        }
        byte[] secret = Totp.newSecret(random);
        jdbc.update(
                "INSERT INTO smart_auth.mfa_totp (user_id, secret_encrypted, confirmed, last_used_step, created_at)"
                        + " VALUES (?, ?, FALSE, -1, ?) ON CONFLICT (user_id) DO UPDATE SET"
                        + " secret_encrypted = EXCLUDED.secret_encrypted, last_used_step = -1, created_at = EXCLUDED.created_at"
                        + " WHERE smart_auth.mfa_totp.confirmed = FALSE",
                userId,
                cipher.encrypt(secret, userId),
                Timestamp.from(clock.instant()));
        String uri = Totp.otpauthUri(issuer, accountName, secret);
        return new Enrollment(Base32.encode(secret), uri, QrCodes.png(uri));
    }

    /**
     * Confirms enrollment with a first code.
     *
     * @return the ten recovery codes to show once, or empty when the code is wrong
     */
    public Optional<List<String>> confirm(String userId, String code) {
        return transactions.execute(status -> {
            Optional<StoredFactor> factor = load(userId, false);
            if (factor.isEmpty()) {
                return Optional.empty();
            }
            OptionalLong step = Totp.verify(
                    factor.get().secret(),
                    code,
                    clock.instant(),
                    window,
                    factor.get().lastUsedStep());
            if (step.isEmpty()) {
                return Optional.empty();
            }
            jdbc.update(
                    "UPDATE smart_auth.mfa_totp SET confirmed = TRUE, last_used_step = ? WHERE user_id = ?",
                    step.getAsLong(),
                    userId);
            List<String> codes = RecoveryCodes.generate(random);
            jdbc.update("DELETE FROM smart_auth.mfa_recovery_code WHERE user_id = ?", userId);
            for (String recovery : codes) {
                jdbc.update(
                        "INSERT INTO smart_auth.mfa_recovery_code (user_id, code_digest) VALUES (?, ?)",
                        userId,
                        RecoveryCodes.digest(recovery));
            }
            return Optional.of(codes);
        });
    }

    public boolean isEnrolled(String userId) {
        return Boolean.TRUE.equals(jdbc
                .query(
                        "SELECT confirmed FROM smart_auth.mfa_totp WHERE user_id = ?",
                        (row, n) -> row.getBoolean(1),
                        userId)
                .stream()
                .findFirst()
                .orElse(false));
    }

    /** Checks a code of a confirmed factor; a code (or an older one) already used is refused. */
    public boolean verify(String userId, String code) {
        Optional<StoredFactor> factor = load(userId, true);
        if (factor.isEmpty()) {
            return false;
        }
        OptionalLong step = Totp.verify(
                factor.get().secret(),
                code,
                clock.instant(),
                window,
                factor.get().lastUsedStep());
        if (step.isEmpty()) {
            return false;
        }
        // Atomic: of two concurrent uses of the same code, only one advances the step.
        return jdbc.update(
                        "UPDATE smart_auth.mfa_totp SET last_used_step = ? WHERE user_id = ? AND confirmed AND last_used_step < ?",
                        step.getAsLong(),
                        userId,
                        step.getAsLong())
                == 1;
    }

    /** Consumes a recovery code; each works once. */
    public boolean useRecoveryCode(String userId, String code) {
        if (code == null || code.isBlank()) {
            return false;
        }
        return jdbc.update(
                        "DELETE FROM smart_auth.mfa_recovery_code WHERE user_id = ? AND code_digest = ?",
                        userId,
                        RecoveryCodes.digest(code))
                == 1;
    }

    public int remainingRecoveryCodes(String userId) {
        Integer count = jdbc.queryForObject(
                "SELECT count(*) FROM smart_auth.mfa_recovery_code WHERE user_id = ?", Integer.class, userId);
        return count == null ? 0 : count;
    }

    /**
     * Stores an already known secret as a confirmed factor: for demo accounts only, whose secrets are
     * published in docs/demo-accounts.md.
     */
    public void importConfirmed(String userId, byte[] secret) {
        jdbc.update(
                "INSERT INTO smart_auth.mfa_totp (user_id, secret_encrypted, confirmed, last_used_step, created_at)"
                        + " VALUES (?, ?, TRUE, -1, ?) ON CONFLICT (user_id) DO NOTHING",
                userId,
                cipher.encrypt(secret, userId),
                Timestamp.from(clock.instant()));
    }

    /** Administrator action: the user enrolls again at the next login. */
    public void reset(String userId) {
        transactions.executeWithoutResult(status -> {
            jdbc.update("DELETE FROM smart_auth.mfa_recovery_code WHERE user_id = ?", userId);
            jdbc.update("DELETE FROM smart_auth.mfa_totp WHERE user_id = ?", userId);
        });
    }

    private Optional<StoredFactor> load(String userId, boolean confirmed) {
        return jdbc
                .query(
                        "SELECT secret_encrypted, last_used_step FROM smart_auth.mfa_totp WHERE user_id = ? AND confirmed = ?",
                        (row, n) -> new StoredFactor(cipher.decrypt(row.getBytes(1), userId), row.getLong(2)),
                        userId,
                        confirmed)
                .stream()
                .findFirst();
    }

    private record StoredFactor(byte[] secret, long lastUsedStep) {}
}
