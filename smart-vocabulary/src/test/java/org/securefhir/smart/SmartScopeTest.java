package org.securefhir.smart;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.securefhir.smart.SmartScope.Context;
import org.securefhir.smart.SmartScope.Permission;

/** SMART App Launch 2.2 §3 scope syntax, https://hl7.org/fhir/smart-app-launch/STU2.2/scopes-and-launch-context.html */
class SmartScopeTest {

    @Test
    void parseWhenV2GranularScopeThenTypedParts() {
        SmartScope scope = SmartScope.parse(
                        "patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory")
                .orElseThrow();

        assertThat(scope.context()).isEqualTo(Context.PATIENT);
        assertThat(scope.resourceType()).isEqualTo("Observation");
        assertThat(scope.permissions()).containsExactlyInAnyOrder(Permission.READ, Permission.SEARCH);
        assertThat(scope.query())
                .contains("category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory");
    }

    @Test
    void parseWhenV1ScopesThenMappedToV2Permissions() {
        assertThat(SmartScope.parse("user/Patient.read").orElseThrow().permissions())
                .isEqualTo(EnumSet.of(Permission.READ, Permission.SEARCH));
        assertThat(SmartScope.parse("user/Patient.write").orElseThrow().permissions())
                .isEqualTo(EnumSet.of(Permission.CREATE, Permission.UPDATE, Permission.DELETE));
        assertThat(SmartScope.parse("system/*.*").orElseThrow().permissions()).hasSize(5);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "openid",
                "launch/patient",
                "patient/Observation.sr",
                "patient/Observation.rr",
                "patient/Observation.x",
                "clinic/Observation.rs",
                "patient/observation.rs",
                "patient/Observation.",
                "patient/Observation.rs?",
                "patient/Observation.rs?a b"
            })
    void parseWhenNotAValidResourceScopeThenEmpty(String text) {
        assertThat(SmartScope.parse(text)).isEmpty();
    }

    @Test
    void coversWhenWildcardTypeAndSupersetPermissionsThenTrue() {
        SmartScope registered = SmartScope.parse("patient/*.rs").orElseThrow();

        assertThat(registered.covers(SmartScope.parse("patient/Observation.rs?category=x|lab")
                        .orElseThrow()))
                .isTrue();
        assertThat(registered.covers(
                        SmartScope.parse("patient/Observation.read").orElseThrow()))
                .isTrue();
        assertThat(registered.covers(SmartScope.parse("patient/Observation.s").orElseThrow()))
                .isTrue();
    }

    @Test
    void coversWhenMorePermissionsOtherContextOrWiderQueryThenFalse() {
        SmartScope registered = SmartScope.parse("patient/*.rs").orElseThrow();
        SmartScope granular =
                SmartScope.parse("patient/Observation.rs?category=x|lab").orElseThrow();

        assertThat(registered.covers(
                        SmartScope.parse("patient/Observation.cruds").orElseThrow()))
                .isFalse();
        assertThat(registered.covers(SmartScope.parse("user/Observation.rs").orElseThrow()))
                .isFalse();
        assertThat(granular.covers(SmartScope.parse("patient/Observation.rs").orElseThrow()))
                .isFalse();
    }
}
