package org.securefhir.interceptors.encryption;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Coding;
import org.junit.jupiter.api.Test;

class BlindSearchTest {

    private static final FhirContext FHIR = FhirContext.forR4Cached();
    private final TestDataKeys keys = new TestDataKeys();
    private final BlindIndex index = new BlindIndex(keys.blindIndexKey());
    private final BlindSearch search = new BlindSearch(FHIR, ResourceProtectionTest.FIELDS, index);

    @Test
    void whenSearchingEncryptedNameAndBirthDateThenTheyBecomeTheTokensTheResourceCarries() {
        List<Coding> stored = index.tokens(ResourceProtectionTest.patient(), ResourceProtectionTest.FIELDS);

        Map<String, String[]> rewritten = search.rewrite(
                "Patient",
                params("family", "zyxwärden", "birthdate", "eq1971-04-05", "gender", "female", "_count", "5"));

        assertThat(rewritten).containsOnlyKeys("gender", "_count", "blind-index");
        assertThat(rewritten.get("blind-index"))
                .containsExactly(
                        "family|" + index.token("family", "ZYXWARDEN"),
                        "birthdate|" + index.token("birthdate", "1971-04-05"));
        assertThat(stored)
                .extracting(coding -> coding.getSystem() + "|" + coding.getCode())
                .contains(rewritten.get("blind-index"));
    }

    @Test
    void whenIdentifierPhoneAndBirthYearThenTheyMatchTheStoredTokens() {
        List<String> stored = index.tokens(ResourceProtectionTest.patient(), ResourceProtectionTest.FIELDS).stream()
                .map(coding -> coding.getSystem() + "|" + coding.getCode())
                .toList();

        for (Map<String, String[]> query : List.of(
                params("identifier", "http://hospital.example/mrn|MRN-77123"),
                params("identifier", "MRN-77123"),
                params("phone", "(555) 0199"),
                params("email", "ZQ@example.org"),
                params("birthdate", "1971"),
                params("address-postalcode", "90210"),
                params("name", "quillon"))) {
            assertThat(stored).contains(search.rewrite("Patient", query).get("blind-index"));
        }
    }

    @Test
    void whenOrValuesThenOneTokenEach() {
        Map<String, String[]> rewritten = search.rewrite("Patient", params("family", "a,b"));

        assertThat(rewritten.get("blind-index")[0]).matches("family\\|[0-9a-f]{32},family\\|[0-9a-f]{32}");
    }

    @Test
    void whenASearchCannotWorkOnCiphertextThen400SaysWhyWithoutEchoingTheValue() {
        for (Map<String, String[]> query : List.of(
                params("family:contains", "zyx"),
                params("birthdate", "ge1970-01-01"),
                params("address-city", "Springfield"),
                params("_sort", "-birthdate"),
                params("_content", "secret"),
                params("subject.family", "Zyxwarden"))) {
            String type = query.containsKey("subject.family") ? "Encounter" : "Patient";
            assertThatThrownBy(() -> search.rewrite(type, query))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessageContaining("encrypted at rest")
                    .hasMessageNotContainingAny("zyx", "Zyxwarden", "1970-01-01", "Springfield", "secret");
        }
    }

    @Test
    void whenNoEncryptedParameterThenTheSameMapIsReturned() {
        Map<String, String[]> query = params("gender", "female", "_id", "p1");

        assertThat(search.rewrite("Patient", query)).isSameAs(query);
        assertThat(search.rewrite("Observation", params("code", "1234-5"))).containsOnlyKeys("code");
    }

    @Test
    void whenAnEncryptedClaimIdentifierThenItIsRewrittenAndAnUnencryptedEncounterOneIsNot() {
        assertThat(search.rewrite("Claim", params("identifier", "urn:claims|CLM-1")))
                .containsOnlyKeys("blind-index");
        assertThat(search.rewrite("Encounter", params("identifier", "E-1"))).containsOnlyKeys("identifier");
    }

    private static Map<String, String[]> params(String... pairs) {
        Map<String, String[]> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], new String[] {pairs[i + 1]});
        }
        return map;
    }
}
