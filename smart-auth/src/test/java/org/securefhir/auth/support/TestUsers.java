package org.securefhir.auth.support;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import javax.crypto.spec.SecretKeySpec;
import org.securefhir.auth.mfa.SecretCipher;
import org.securefhir.auth.mfa.TotpService;
import org.securefhir.auth.password.CommonPasswords;
import org.securefhir.auth.password.PasswordHashing;
import org.securefhir.auth.password.PasswordPolicy;
import org.securefhir.auth.password.PasswordPolicySettings;
import org.securefhir.auth.user.NewUser;
import org.securefhir.auth.user.Role;
import org.securefhir.auth.user.UserAccounts;
import org.springframework.security.crypto.password.PasswordEncoder;

/** Builds the services under test on the {@link TestDatabase}, with cheap hashing parameters. */
public final class TestUsers {

    public static final String PASSWORD = "a long and unusual passphrase";
    public static final PasswordEncoder ENCODER = PasswordHashing.argon2id(1024, 1, 1);
    private static final CommonPasswords COMMON = CommonPasswords.bundled();
    private static final SecretCipher CIPHER = new SecretCipher(randomKey(), new SecureRandom());

    private TestUsers() {}

    public static UserAccounts accounts(Clock clock) {
        return new UserAccounts(
                TestDatabase.jdbc(),
                TestDatabase.transactions(),
                new PasswordPolicy(PasswordPolicySettings.DEFAULTS, COMMON, ENCODER),
                ENCODER,
                clock);
    }

    public static TotpService totp(Clock clock) {
        return new TotpService(
                TestDatabase.jdbc(), TestDatabase.transactions(), CIPHER, new SecureRandom(), clock, "Secure FHIR", 1);
    }

    public static NewUser nurse() {
        return new NewUser(
                uniqueName("nurse"),
                "Test Nurse",
                Optional.of("Practitioner/" + UUID.randomUUID()),
                Set.of(Role.NURSE));
    }

    public static String uniqueName(String prefix) {
        return prefix + "." + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Keyed pseudonyms under a random key of this test run. */
    public static final org.securefhir.auth.keys.Pseudonyms PSEUDONYMS =
            new org.securefhir.auth.keys.Pseudonyms(randomKey());

    private static SecretKeySpec randomKey() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return new SecretKeySpec(key, "AES");
    }
}
