package org.securefhir.interceptors.encryption;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.context.FhirContext;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Claim;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.ContactPoint;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Narrative;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import org.securefhir.interceptors.ownership.PatientOwnership;

class ResourceProtectionTest {

    private static final FhirContext FHIR = FhirContext.forR4Cached();
    static final EncryptedFields FIELDS = EncryptedFields.of(
            FHIR,
            Map.of(
                    "Patient",
                    List.of("name", "identifier.value", "telecom", "address", "birthDate", "photo", "contact"),
                    "Claim",
                    List.of("identifier.value", "insurance.identifier.value", "insurance.preAuthRef")),
            true);

    private final TestDataKeys keys = new TestDataKeys();
    private final BlindIndex index = new BlindIndex(keys.blindIndexKey());
    private final ResourceProtection protection =
            new ResourceProtection(FHIR, new PatientOwnership(FHIR), FIELDS, index, keys);

    @Test
    void whenSealedThenNoPlaintextRemainsAndOpeningRestoresTheResourceExactly() {
        // given
        Patient patient = patient();
        String clear = FHIR.newJsonParser().encodeResourceToString(patient);

        // when
        protection.seal(patient);
        String stored = FHIR.newJsonParser().encodeResourceToString(patient);

        // then
        for (String marker : List.of(
                "Zyxwarden",
                "Quillon",
                "MRN-77123",
                "555-0199",
                "zq@example.org",
                "1971-04-05",
                "Elmstreet",
                "narrative-secret",
                "Kinsman")) {
            assertThat(stored).doesNotContainIgnoringCase(marker);
        }
        assertThat(stored).contains("http://hospital.example/mrn"); // identifier systems stay
        assertThat(patient.getExtension()).extracting(Extension::getUrl).contains(BlindIndex.URL);

        protection.openAll(patient);
        assertThat(FHIR.newJsonParser().encodeResourceToString(patient)).isEqualTo(clear);
    }

    @Test
    void whenSealedThenEachCiphertextIsBase64InAValueStringAndTheEarlierBase64BinaryFormStillOpens() {
        // given a patient stored in the current form, and the same ciphertexts in the form written until 2026-12
        Patient patient = patient();
        String clear = FHIR.newJsonParser().encodeResourceToString(patient);
        protection.seal(patient);
        String stored = FHIR.newJsonParser().encodeResourceToString(patient);
        assertThat(stored).doesNotContain("valueBase64Binary");
        Patient legacy = FHIR.newJsonParser().parseResource(Patient.class, stored);
        int converted = 0;
        for (Extension value : FHIR.newTerser().getAllPopulatedChildElementsOfType(legacy, Extension.class)) {
            if ("value".equals(value.getUrl()) && value.getValue() instanceof org.hl7.fhir.r4.model.StringType text) {
                value.setValue(new org.hl7.fhir.r4.model.Base64BinaryType(
                        java.util.Base64.getDecoder().decode(text.getValue())));
                converted++;
            }
        }
        assertThat(converted).isEqualTo(7); // text, name, identifier.value, telecom, address, birthDate, contact
        Patient reparsed = FHIR.newJsonParser()
                .parseResource(Patient.class, FHIR.newJsonParser().encodeResourceToString(legacy));

        // when
        protection.openAll(patient);
        protection.openAll(reparsed);

        // then
        assertThat(FHIR.newJsonParser().encodeResourceToString(patient)).isEqualTo(clear);
        assertThat(FHIR.newJsonParser().encodeResourceToString(reparsed)).isEqualTo(clear);
    }

    @Test
    void whenBinaryOfAPatientIsSealedThenItsContentIsUnderTheirKeyAndShreddedWithIt() {
        byte[] scan = "scan of the chest, Zyxwarden".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        org.hl7.fhir.r4.model.Binary binary = new org.hl7.fhir.r4.model.Binary();
        binary.setContentType("text/plain");
        binary.setSecurityContext(new Reference("Patient/p9"));
        binary.setData(scan);

        protection.seal(binary);
        String stored = FHIR.newJsonParser().encodeResourceToString(binary);

        assertThat(binary.hasData()).isFalse();
        assertThat(stored)
                .doesNotContain(java.util.Base64.getEncoder().encodeToString(scan))
                .contains(ResourceEncryptor.ENCRYPTED_URL)
                .contains(keys.forWriting("Patient/p9").id());
        org.hl7.fhir.r4.model.Binary copy =
                FHIR.newJsonParser().parseResource(org.hl7.fhir.r4.model.Binary.class, stored);
        protection.openAll(copy);
        assertThat(copy.getData()).isEqualTo(scan);
        assertThat(copy.getMeta().getExtension()).isEmpty();

        keys.erase("Patient/p9");
        org.hl7.fhir.r4.model.Binary shredded =
                FHIR.newJsonParser().parseResource(org.hl7.fhir.r4.model.Binary.class, stored);
        protection.openAll(shredded);
        assertThat(shredded.hasData()).isFalse();
        assertThat(shredded.getMeta().getSecurity()).anyMatch(label -> "REDACTED".equals(label.getCode()));
    }

    @Test
    void whenNestedPathsOfAClaimThenEachInstanceIsEncryptedOnItsOwn() {
        Claim claim = new Claim();
        claim.setPatient(new Reference("Patient/p1"));
        claim.addIdentifier().setSystem("urn:claims").setValue("CLM-55501");
        claim.addInsurance()
                .setSequence(1)
                .setIdentifier(new Identifier().setValue("INS-1"))
                .addPreAuthRef("PA-1");
        claim.addInsurance().setSequence(2).setIdentifier(new Identifier().setValue("INS-2"));
        String clear = FHIR.newJsonParser().encodeResourceToString(claim);

        protection.seal(claim);
        String stored = FHIR.newJsonParser().encodeResourceToString(claim);

        assertThat(stored).doesNotContain("CLM-55501", "INS-1", "INS-2", "PA-1");
        assertThat(claim.getInsurance().get(0).getExtensionsByUrl(ResourceEncryptor.ENCRYPTED_URL))
                .hasSize(1);
        assertThat(claim.getInsurance().get(0).getIdentifier().getExtensionsByUrl(ResourceEncryptor.ENCRYPTED_URL))
                .singleElement()
                .satisfies(extension ->
                        assertThat(extension.getExtensionString("key")).isEqualTo("Patient/p1#1"));
        protection.openAll(claim);
        assertThat(FHIR.newJsonParser().encodeResourceToString(claim)).isEqualTo(clear);
    }

    @Test
    void whenACiphertextIsMovedToAnotherFieldThenItDoesNotOpen() {
        Patient patient = patient();
        protection.seal(patient);
        Extension name = encrypted(patient, "name");
        Extension birthDate = encrypted(patient, "birthDate");
        // the name's ciphertext relabelled as the birth date
        birthDate
                .getExtensionByUrl("value")
                .setValue(name.getExtensionByUrl("value").getValue());

        assertThatThrownBy(() -> protection.openAll(patient)).isInstanceOf(UndecryptableException.class);
    }

    @Test
    void whenThePatientsKeyIsErasedThenTheElementsStayAbsentAndTheResourceIsLabelledRedacted() {
        Patient patient = patient();
        protection.seal(patient);
        keys.erase("Patient/p1");

        protection.openAll(patient);

        assertThat(patient.hasName()).isFalse();
        assertThat(patient.hasBirthDate()).isFalse();
        assertThat(patient.getGender()).isEqualTo(Enumerations.AdministrativeGender.FEMALE);
        assertThat(patient.getMeta().getSecurity()).extracting(Coding::getCode).contains("REDACTED");
        assertThat(patient.getExtension()).isEmpty();
    }

    @Test
    void whenContainedResourcesAreSealedThenTheyAreGivenAsWrittenAndTheResourceIsLeftSealed() {
        // given a claim holding a contained patient (the subscriber), sealed for storage
        Claim claim = new Claim();
        claim.setPatient(new Reference("Patient/p1"));
        Patient subscriber = new Patient();
        subscriber.setId("subscriber");
        subscriber.addName().setFamily("Zyxwarden");
        subscriber.setManagingOrganization(new Reference("Organization/o1"));
        claim.addContained(subscriber);
        claim.getInsuranceFirstRep().setCoverage(new Reference("#subscriber"));
        assertThat(protection.containedOf(claim)).containsExactly(subscriber); // nothing sealed yet
        protection.seal(claim);
        String sealed = FHIR.newJsonParser().encodeResourceToString(claim);
        assertThat(sealed).doesNotContain("Zyxwarden").doesNotContain("Organization/o1");

        // when its contained resources are asked for
        List<org.hl7.fhir.instance.model.api.IBaseResource> written = protection.containedOf(claim);

        // then they are as written, and the resource itself is untouched
        assertThat(written).singleElement().isInstanceOfSatisfying(Patient.class, opened -> {
            assertThat(opened.getNameFirstRep().getFamily()).isEqualTo("Zyxwarden");
            assertThat(opened.getManagingOrganization().getReference()).isEqualTo("Organization/o1");
        });
        assertThat(FHIR.newJsonParser().encodeResourceToString(claim)).isEqualTo(sealed);

        // and nothing once the owner's key is erased (crypto-shredded)
        keys.erase("Patient/p1");
        assertThat(protection.containedOf(claim)).isEmpty();
    }

    @Test
    void whenAClientSendsBlindIndexTokensThenTheyAreReplacedByTheComputedOnes() {
        Patient patient = patient();
        patient.addExtension(new Extension(BlindIndex.URL, new Coding("family", "forged", null)));

        protection.seal(patient);

        assertThat(patient.getExtensionsByUrl(BlindIndex.URL))
                .extracting(extension -> ((Coding) extension.getValue()).getCode())
                .doesNotContain("forged")
                .contains(index.token("family", "ZYXWARDEN"));
    }

    @Test
    void whenAStoredVersionIsPatchedThenItsCiphertextsAreMergedWithTheNewValues() {
        Patient patient = patient();
        protection.seal(patient);
        patient.setBirthDateElement(new org.hl7.fhir.r4.model.DateType("1980-01-02")); // a patch's new value

        protection.seal(patient);
        protection.openAll(patient);

        assertThat(patient.getBirthDateElement().getValueAsString()).isEqualTo("1980-01-02");
        assertThat(patient.getNameFirstRep().getFamily()).isEqualTo("Zyxwarden");
    }

    private static Extension encrypted(Patient patient, String path) {
        return patient.getExtensionsByUrl(ResourceEncryptor.ENCRYPTED_URL).stream()
                .filter(extension -> path.equals(extension.getExtensionString("path")))
                .findFirst()
                .orElseThrow();
    }

    static Patient patient() {
        Patient patient = new Patient();
        patient.setId("p1");
        patient.getText()
                .setStatus(Narrative.NarrativeStatus.GENERATED)
                .setDivAsString("<div xmlns=\"http://www.w3.org/1999/xhtml\">narrative-secret</div>");
        patient.addName().setFamily("Zyxwarden").addGiven("Quillon");
        patient.addIdentifier().setSystem("http://hospital.example/mrn").setValue("MRN-77123");
        patient.addTelecom().setSystem(ContactPoint.ContactPointSystem.PHONE).setValue("555-0199");
        patient.addTelecom().setSystem(ContactPoint.ContactPointSystem.EMAIL).setValue("zq@example.org");
        patient.addAddress().addLine("1 Elmstreet").setPostalCode("90210");
        patient.setBirthDateElement(new org.hl7.fhir.r4.model.DateType("1971-04-05"));
        patient.addContact().addTelecom().setValue("Kinsman");
        patient.setGender(Enumerations.AdministrativeGender.FEMALE);
        return patient;
    }
}
