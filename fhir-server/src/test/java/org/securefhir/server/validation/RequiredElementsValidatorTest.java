package org.securefhir.server.validation;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;

/** Required elements per FHIR R4 cardinality, https://hl7.org/fhir/R4/conformance-rules.html#cardinality. */
class RequiredElementsValidatorTest {

    private final RequiredElementsValidator validator = new RequiredElementsValidator(FhirContext.forR4Cached());

    @Test
    void missingWhenResourceHasNoRequiredElementsThenEmpty() {
        Patient patient = new Patient();
        patient.addName().setFamily("Chalmers");

        assertThat(validator.missingRequiredElements(patient)).isEmpty();
    }

    @Test
    void missingWhenTopLevelRequiredElementAbsentThenReportsPath() {
        Encounter encounter = new Encounter();
        encounter.setSubject(new Reference("Patient/1"));

        assertThat(validator.missingRequiredElements(encounter))
                .containsExactlyInAnyOrder("Encounter.status", "Encounter.class");
    }

    @Test
    void missingWhenRequiredElementInsideBackboneAbsentThenReportsNestedPath() {
        Observation observation = validObservation();
        observation.addComponent().setValue(new org.hl7.fhir.r4.model.Quantity(80));

        assertThat(validator.missingRequiredElements(observation)).containsExactly("Observation.component.code");
    }

    @Test
    void missingWhenContainedResourceLacksRequiredElementThenReportsIt() {
        Observation observation = validObservation();
        observation.addContained(
                new Encounter().setClass_(new Coding("http://x", "AMB", null)).setId("enc"));

        assertThat(validator.missingRequiredElements(observation))
                .containsExactly("Observation.contained(Encounter).status");
    }

    @Test
    void missingWhenRequiredPrimitiveCarriesOnlyAnExtensionThenPresent() {
        Observation observation = validObservation();
        observation.getStatusElement().setValue(null);
        observation
                .getStatusElement()
                .addExtension(new Extension(
                        "http://hl7.org/fhir/StructureDefinition/data-absent-reason", new CodeType("unknown")));

        assertThat(validator.missingRequiredElements(observation)).isEmpty();
    }

    @Test
    void missingWhenExtensionHasNoUrlThenReportsIt() {
        Patient patient = new Patient();
        patient.setGender(Enumerations.AdministrativeGender.FEMALE);
        patient.addExtension().setValue(new CodeType("x"));

        assertThat(validator.missingRequiredElements(patient)).containsExactly("Patient.extension.url");
    }

    @Test
    void missingWhenAnElementIsEmptyThenWhatItRequiresIsNotReported() {
        Observation observation = validObservation();
        observation.addComponent(); // an empty component is absent, not a component without code

        assertThat(validator.missingRequiredElements(observation)).isEmpty();
    }

    @Test
    void missingWhenARequiredElementHasOnlyOptionalPrimitivesThenPresent() {
        Observation observation = new Observation();
        observation.setStatus(Observation.ObservationStatus.FINAL);
        observation.setCode(new CodeableConcept().setText("Heart rate"));

        assertThat(validator.missingRequiredElements(observation)).isEmpty();
    }

    @Test
    void missingWhenRequiredElementsAreMissingDeepInsideThenEachIsReportedOnceWithItsPath() {
        org.hl7.fhir.r4.model.Bundle bundle = new org.hl7.fhir.r4.model.Bundle(); // type missing
        bundle.addEntry().setResource(new Encounter().setStatus(Encounter.EncounterStatus.FINISHED));
        bundle.addEntry().getRequest().setUrl("Patient"); // method missing

        assertThat(validator.missingRequiredElements(bundle))
                .containsExactlyInAnyOrder(
                        "Bundle.type", "Bundle.entry.resource(Encounter).class", "Bundle.entry.request.method");
    }

    private static Observation validObservation() {
        Observation observation = new Observation();
        observation.setStatus(Observation.ObservationStatus.FINAL);
        observation.setCode(new CodeableConcept(new Coding("http://loinc.org", "8867-4", "Heart rate")));
        return observation;
    }
}
