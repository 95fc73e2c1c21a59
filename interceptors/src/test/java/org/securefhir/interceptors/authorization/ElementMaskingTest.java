package org.securefhir.interceptors.authorization;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Narrative;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;

class ElementMaskingTest {

    private final ElementMasking masking = new ElementMasking(FhirContext.forR4Cached());

    @Test
    void whenHiddenElementsInBundleEntriesThenRemovedAndMarkedRedacted() {
        Encounter encounter = new Encounter();
        encounter.addReasonCode(new CodeableConcept().setText("depression"));
        Patient patient = new Patient();
        patient.addName().setFamily("Kept");
        Bundle bundle = new Bundle();
        bundle.addEntry().setResource(encounter);
        bundle.addEntry().setResource(patient);

        masking.hide(bundle, type -> type.equals("Encounter") ? Set.of("reasonCode") : Set.of());

        assertThat(encounter.hasReasonCode()).isFalse();
        assertThat(encounter.getMeta().getSecurity()).anyMatch(c -> c.getCode().equals("REDACTED"));
        assertThat(patient.getNameFirstRep().getFamily()).isEqualTo("Kept");
        assertThat(patient.getMeta().getSecurity()).isEmpty();
    }

    @Test
    void whenRoleUpdatesResourceWithHiddenElementThenStoredValueKept() {
        Patient stored = new Patient();
        stored.setText(new Narrative().setStatus(Narrative.NarrativeStatus.GENERATED));
        stored.getText().setDivAsString("<div xmlns=\"http://www.w3.org/1999/xhtml\">history</div>");
        Patient incoming = new Patient();
        incoming.getMeta().addSecurity(ElementMasking.REDACTED_SYSTEM, ElementMasking.REDACTED_CODE, "redacted");

        masking.keepHidden(stored, incoming, Set.of("text"));

        assertThat(incoming.getText().getDivAsString()).contains("history");
        assertThat(incoming.getMeta().getSecurity()).isEmpty();
    }

    @Test
    void whenSearchOnHiddenElementThenNamed() {
        assertThat(masking.searchOnHidden("Encounter", Map.of("reason-code", new String[] {"x"}), Set.of("reasonCode")))
                .contains("reason-code");
        assertThat(masking.searchOnHidden(
                        "Encounter", Map.of("_sort", new String[] {"-reason-code"}), Set.of("reasonCode")))
                .contains("reason-code");
        assertThat(masking.searchOnHidden("Patient", Map.of("_content", new String[] {"x"}), Set.of("text")))
                .contains("_content");
        assertThat(masking.searchOnHidden("Encounter", Map.of("date", new String[] {"x"}), Set.of("reasonCode")))
                .isEmpty();
    }
}
