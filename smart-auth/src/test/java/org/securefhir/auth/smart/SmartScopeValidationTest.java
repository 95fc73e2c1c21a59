package org.securefhir.auth.smart;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

class SmartScopeValidationTest {

    @Test
    void allowedWhenExactOrCoveredThenTrueOtherwiseFalse() {
        Set<String> registered = Set.of("openid", "launch/patient", "patient/*.rs");

        assertThat(SmartScopeValidation.allowed("openid", registered)).isTrue();
        assertThat(SmartScopeValidation.allowed("patient/Condition.rs?clinical-status=active", registered))
                .isTrue();
        assertThat(SmartScopeValidation.allowed("patient/Condition.cud", registered))
                .isFalse();
        assertThat(SmartScopeValidation.allowed("offline_access", registered)).isFalse();
        assertThat(SmartScopeValidation.allowed("user/*.rs", registered)).isFalse();
    }
}
