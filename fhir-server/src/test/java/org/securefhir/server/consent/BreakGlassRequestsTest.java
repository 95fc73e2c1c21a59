package org.securefhir.server.consent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class BreakGlassRequestsTest {

    @Test
    void whenTheTokenNamesAPractitionerThenThatPractitionerDeclares() {
        assertThat(BreakGlassRequests.practitioner(Optional.of("https://ehr.example/fhir/Practitioner/dr-1")))
                .isEqualTo("Practitioner/dr-1");
    }

    @Test
    void whenTheTokenNamesNoPractitionerThenTheDeclarationIsForbidden() {
        for (Optional<String> fhirUser : java.util.List.of(
                Optional.<String>empty(), Optional.of("Patient/p-1"), Optional.of("RelatedPerson/r"))) {
            assertThatThrownBy(() -> BreakGlassRequests.practitioner(fhirUser))
                    .as(fhirUser.toString())
                    .isInstanceOf(ForbiddenOperationException.class)
                    .hasMessageContaining("practitioner");
        }
    }

    @Test
    void whenTheReasonIsOneOfTheCodesThenItIsTakenElseRefusedNamingThem() {
        assertThat(BreakGlassRequests.reason("emergency-treatment")).isEqualTo("emergency-treatment");
        for (String code : new String[] {null, "", "EMERGENCY-TREATMENT", "curiosity"}) {
            assertThatThrownBy(() -> BreakGlassRequests.reason(code))
                    .as(String.valueOf(code))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessageContaining("patient-unable-to-consent")
                    .hasMessageContaining(BreakGlassOperations.REASON_SYSTEM);
        }
    }

    @Test
    void whenTheJustificationIsBetweenTenAndAThousandCharactersThenItIsKeptStripped() {
        assertThat(BreakGlassRequests.justification("  unconscious in ED  ")).isEqualTo("unconscious in ED");
        assertThat(BreakGlassRequests.justification("x".repeat(1000))).hasSize(1000);
    }

    @Test
    void whenTheJustificationIsMissingShortOrLongThenItIsRefused() {
        for (String text : new String[] {null, "", "   ", "too short", "          x        ", "x".repeat(1001)}) {
            assertThatThrownBy(() -> BreakGlassRequests.justification(text))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessageContaining("10 to 1000 characters");
        }
    }

    @Test
    void whenTheReviewQueueIsAskedForThenUnreviewedIsTheDefaultAndAllTheOnlyOtherChoice() {
        assertThat(BreakGlassRequests.onlyUnreviewed(null)).isTrue();
        assertThat(BreakGlassRequests.onlyUnreviewed("unreviewed")).isTrue();
        assertThat(BreakGlassRequests.onlyUnreviewed("all")).isFalse();
        assertThatThrownBy(() -> BreakGlassRequests.onlyUnreviewed("reviewed"))
                .isInstanceOf(InvalidRequestException.class);
    }

    @Test
    void whenAReviewNamesADeclarationThenItMustBeAnId() {
        UUID id = UUID.randomUUID();

        assertThat(BreakGlassRequests.declaration(id.toString())).isEqualTo(id);
        for (String bad : new String[] {null, "", "Patient/1", "1' OR '1'='1"}) {
            assertThatThrownBy(() -> BreakGlassRequests.declaration(bad))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessage("declaration must be the id of a break-glass declaration");
        }
    }

    @Test
    void whenAReviewRecordsItsFindingThenTheNoteIsOneToTwoThousandCharacters() {
        assertThat(BreakGlassRequests.reviewNote(" justified: cardiac arrest ")).isEqualTo("justified: cardiac arrest");
        assertThat(BreakGlassRequests.reviewNote("x".repeat(2000))).hasSize(2000);
        for (String note : new String[] {null, "", "  ", "x".repeat(2001)}) {
            assertThatThrownBy(() -> BreakGlassRequests.reviewNote(note)).isInstanceOf(InvalidRequestException.class);
        }
    }
}
