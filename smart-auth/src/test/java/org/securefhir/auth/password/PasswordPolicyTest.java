package org.securefhir.auth.password;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.security.crypto.password.PasswordEncoder;

/** NIST SP 800-63B §5.1.1.2 memorized secret rules. */
class PasswordPolicyTest {

    private static CommonPasswords common;
    // Cheap parameters: these tests check the policy, not the hashing cost.
    private static final PasswordEncoder ENCODER = PasswordHashing.argon2id(1024, 1, 1);

    @BeforeAll
    static void loadList() {
        common = CommonPasswords.bundled();
    }

    private final PasswordPolicy policy = new PasswordPolicy(PasswordPolicySettings.DEFAULTS, common, ENCODER);

    @Test
    void violationsWhenLongUncommonPassphraseThenNone() {
        assertThat(policy.violations("correct horse battery staple", "jdoe", List.of()))
                .isEmpty();
    }

    @Test
    void violationsWhenShorterThan12ThenTooShort() {
        assertThat(policy.violations("Tr0ub4dor&3", "jdoe", List.of()))
                .containsExactly("must be at least 12 characters long");
    }

    @Test
    void violationsWhenOnCommonListThenRefusedWhateverTheCase() {
        assertThat(policy.violations("QAZWSXEDCRFV", "jdoe", List.of()))
                .contains("is a commonly used or breached password");
    }

    @Test
    void violationsWhenCommonPasswordPaddedWithDigitsThenRefused() {
        assertThat(policy.violations("password2024!!", "jdoe", List.of()))
                .contains("is a commonly used or breached password");
    }

    @Test
    void violationsWhenContainsUserNameThenRefused() {
        assertThat(policy.violations("my-name-is-jdoe-ok", "jdoe", List.of()))
                .containsExactly("must not contain the user name");
    }

    @Test
    void violationsWhenOneOfLastFivePasswordsThenRefused() {
        String old = "an older passphrase here";
        List<String> history = List.of(ENCODER.encode("newest passphrase 1"), ENCODER.encode(old));

        assertThat(policy.violations(old, "jdoe", history)).containsExactly("must differ from the last 5 passwords");
    }

    @Test
    void violationsWhenCompositionRulesConfiguredThenEnforced() {
        PasswordPolicy strict =
                new PasswordPolicy(new PasswordPolicySettings(12, 128, 5, true, true, true), common, ENCODER);

        assertThat(strict.violations("alllowercaseletters", "jdoe", List.of()))
                .containsExactly(
                        "must contain upper- and lower-case letters", "must contain a digit", "must contain a symbol");
    }
}
