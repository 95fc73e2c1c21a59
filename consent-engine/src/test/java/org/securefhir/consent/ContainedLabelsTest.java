package org.securefhir.consent;

import static org.assertj.core.api.Assertions.assertThat;

import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;

class ContainedLabelsTest {

    private static final String ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
    private static final String CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality";

    @Test
    void whenAContainedResourceIsLabelledThenTheContainerCarriesTheLabel() {
        Observation panel = panelHolding(new Coding(ACT_CODE, "PSY", "psychiatry"));

        ContainedLabels.raise(panel);

        assertThat(panel.getMeta().getSecurity()).singleElement().satisfies(label -> {
            assertThat(label.getSystem()).isEqualTo(ACT_CODE);
            assertThat(label.getCode()).isEqualTo("PSY");
            assertThat(label.getDisplay()).isEqualTo("psychiatry");
        });
    }

    @Test
    void whenTheContainerHasTheLabelAlreadyThenItIsNotRepeated() {
        Observation panel = panelHolding(new Coding(CONFIDENTIALITY, "R", null));
        panel.getMeta().addSecurity(CONFIDENTIALITY, "R", null);

        ContainedLabels.raise(panel);
        ContainedLabels.raise(panel);

        assertThat(panel.getMeta().getSecurity()).hasSize(1);
    }

    @Test
    void whenTheSameCodeIsOfAnotherSystemThenBothAreKept() {
        Observation panel = panelHolding(new Coding("urn:local:labels", "R", null));
        panel.getMeta().addSecurity(CONFIDENTIALITY, "R", null);

        ContainedLabels.raise(panel);

        assertThat(panel.getMeta().getSecurity())
                .extracting(Coding::getSystem)
                .containsExactly(CONFIDENTIALITY, "urn:local:labels");
    }

    @Test
    void whenAContainedResourceIsMarkedRedactedThenTheMarkerIsNotRaised() {
        Observation panel = panelHolding(new Coding(ContainedLabels.OBSERVATION_VALUE, "REDACTED", null));

        ContainedLabels.raise(panel);

        assertThat(panel.getMeta().getSecurity()).isEmpty();
    }

    @Test
    void whenEveryContainedResourceIsLabelledThenTheContainerCarriesEveryLabel() {
        Observation panel = panelHolding(new Coding(ACT_CODE, "PSY", null));
        Patient mother = new Patient();
        mother.setId("mother");
        mother.getMeta().addSecurity(ACT_CODE, "HIV", null);
        panel.addContained(mother);
        panel.setFocus(java.util.List.of(new Reference("#mother")));

        ContainedLabels.raise(panel);

        assertThat(panel.getMeta().getSecurity()).extracting(Coding::getCode).containsExactly("PSY", "HIV");
    }

    @Test
    void whenNothingIsContainedThenNothingChanges() {
        Observation plain = new Observation();

        ContainedLabels.raise(plain);
        ContainedLabels.raise(new org.hl7.fhir.r4.model.Parameters());

        assertThat(plain.getMeta().getSecurity()).isEmpty();
    }

    private static Observation panelHolding(Coding label) {
        Observation screening = new Observation();
        screening.setId("screening");
        screening.getMeta().addSecurity(label);
        Observation panel = new Observation();
        panel.addContained(screening);
        panel.addHasMember(new Reference("#screening"));
        return panel;
    }
}
