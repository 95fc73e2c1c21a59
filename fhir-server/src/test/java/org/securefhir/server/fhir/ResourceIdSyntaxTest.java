package org.securefhir.server.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** FHIR R4 id syntax, https://hl7.org/fhir/R4/datatypes.html#id. */
class ResourceIdSyntaxTest {

    @ParameterizedTest
    @ValueSource(strings = {"1", "abc", "A-b.c", "123e4567-e89b-12d3-a456-426614174000"})
    void isValidWhenIdMatchesSpecThenTrue(String id) {
        assertThat(ResourceIdSyntax.isValid(id)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a b", "a/b", "a_b", "é", "a$b", "a;drop"})
    void isValidWhenIdHasIllegalCharactersThenFalse(String id) {
        assertThat(ResourceIdSyntax.isValid(id)).isFalse();
    }

    @org.junit.jupiter.api.Test
    void isValidWhenIdIsLongerThan64ThenFalse() {
        assertThat(ResourceIdSyntax.isValid("a".repeat(64))).isTrue();
        assertThat(ResourceIdSyntax.isValid("a".repeat(65))).isFalse();
        assertThat(ResourceIdSyntax.isValid(null)).isFalse();
    }
}
