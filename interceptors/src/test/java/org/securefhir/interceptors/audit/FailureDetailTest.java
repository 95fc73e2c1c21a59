package org.securefhir.interceptors.audit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FailureDetailTest {

    @Test
    void whenAParserMessageQuotesTheValueThenTheValueIsDroppedAndTheElementKept() {
        String detail = FailureDetail.of(
                400,
                "HAPI-1821: [element=\"birthDate\"] Invalid attribute value \"1990-13-45\": Invalid date/time format:"
                        + " \"1990-13-45\"");

        assertThat(detail)
                .doesNotContain("1990-13-45")
                .contains("400 HAPI-1821")
                .contains("element=\"birthDate\"")
                .contains("Invalid date/time format");
    }

    @Test
    void whenASearchMessageQuotesWhatWasSearchedForThenDroppedButTheParameterKept() {
        String detail = FailureDetail.of(
                400, "Unknown search parameter \"fmaily\" for resource type \"Patient\"; value 'Smithson-Jones'");

        assertThat(detail).contains("\"fmaily\"").contains("\"Patient\"").doesNotContain("Smithson-Jones");
    }

    @Test
    void whenLongThenCutTo300Characters() {
        assertThat(FailureDetail.of(400, "x".repeat(1000))).hasSize(300);
    }
}
