package org.securefhir.auth.mfa;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecoveryCodesTest {

    @Test
    void generateWhenCalledThenTenDistinctGroupedCodes() {
        List<String> codes = RecoveryCodes.generate(new SecureRandom());

        assertThat(codes).hasSize(10);
        assertThat(new HashSet<>(codes)).hasSize(10);
        assertThat(codes).allMatch(code -> code.matches("[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}"));
    }

    @Test
    void digestWhenTypedWithDifferentCaseOrSeparatorsThenSame() {
        String code = RecoveryCodes.generate(new SecureRandom()).get(0);

        String typed = code.toLowerCase(java.util.Locale.ROOT).replace("-", " ");

        assertThat(RecoveryCodes.matches(RecoveryCodes.digest(typed), RecoveryCodes.digest(code)))
                .isTrue();
        assertThat(RecoveryCodes.digest(code)).doesNotContain(code.replace("-", ""));
    }

    @Test
    void matchesWhenDifferentCodeThenFalse() {
        List<String> codes = RecoveryCodes.generate(new SecureRandom());

        assertThat(RecoveryCodes.matches(RecoveryCodes.digest(codes.get(0)), RecoveryCodes.digest(codes.get(1))))
                .isFalse();
    }
}
