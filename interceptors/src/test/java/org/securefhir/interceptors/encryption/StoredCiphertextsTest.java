package org.securefhir.interceptors.encryption;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.securefhir.interceptors.ownership.PatientOwnership;

class StoredCiphertextsTest {

    private static final FhirContext FHIR = FhirContext.forR4Cached();
    private final TestDataKeys keys = new TestDataKeys();
    private final ResourceProtection protection = new ResourceProtection(
            FHIR,
            new PatientOwnership(FHIR),
            ResourceProtectionTest.FIELDS,
            new BlindIndex(keys.blindIndexKey()),
            keys);

    @Test
    void whenTheOwnersKeyWasRotatedThenEveryCiphertextIsResealedUnderTheNewKeyAndStillOpens() {
        // given a stored body sealed under Patient/p1#1
        Patient patient = ResourceProtectionTest.patient();
        String clear = FHIR.newJsonParser().encodeResourceToString(patient);
        protection.seal(patient);
        String stored = FHIR.newJsonParser().setOmitResourceId(true).encodeResourceToString(patient);
        keys.rotate("Patient/p1");

        // when
        StoredCiphertexts.Rekeyed result = StoredCiphertexts.rekey(stored, "Patient", keys);

        // then
        assertThat(result.rekeyed()).isEqualTo(7); // text, name, identifier.value, telecom, address, birthDate, contact
        assertThat(result.json()).get().asString().contains("Patient/p1#2").doesNotContain("Patient/p1#1");
        Patient reopened =
                FHIR.newJsonParser().parseResource(Patient.class, result.json().get());
        reopened.setId("p1");
        protection.openAll(reopened);
        assertThat(FHIR.newJsonParser().encodeResourceToString(reopened)).isEqualTo(clear);
    }

    @Test
    void whenABodyWrittenInTheEarlierBase64BinaryFormIsRekeyedThenItIsWrittenInTheCurrentFormAndOpens() {
        // given a body sealed under Patient/p1#1 with its ciphertexts as valueBase64Binary (until 2026-12)
        Patient patient = ResourceProtectionTest.patient();
        String clear = FHIR.newJsonParser().encodeResourceToString(patient);
        protection.seal(patient);
        String stored = FHIR.newJsonParser()
                .setOmitResourceId(true)
                .encodeResourceToString(patient)
                .replaceAll("\\{\"url\":\"value\",\"valueString\":", "{\"url\":\"value\",\"valueBase64Binary\":");
        assertThat(stored).contains("valueBase64Binary");
        keys.rotate("Patient/p1");

        // when
        StoredCiphertexts.Rekeyed result = StoredCiphertexts.rekey(stored, "Patient", keys);

        // then
        assertThat(result.rekeyed()).isEqualTo(7);
        assertThat(result.json()).get().asString().doesNotContain("valueBase64Binary");
        Patient reopened =
                FHIR.newJsonParser().parseResource(Patient.class, result.json().get());
        reopened.setId("p1");
        protection.openAll(reopened);
        assertThat(FHIR.newJsonParser().encodeResourceToString(reopened)).isEqualTo(clear);
    }

    @Test
    void whenAlreadyUnderTheCurrentKeyThenNothingChanges() {
        Patient patient = ResourceProtectionTest.patient();
        protection.seal(patient);
        String stored = FHIR.newJsonParser().encodeResourceToString(patient);

        assertThat(StoredCiphertexts.rekey(stored, "Patient", keys).json()).isEmpty();
    }

    @Test
    void whenTheKeyWasErasedThenTheCiphertextIsCountedUnreadableAndLeftAlone() {
        Patient patient = ResourceProtectionTest.patient();
        protection.seal(patient);
        String stored = FHIR.newJsonParser().encodeResourceToString(patient);
        keys.erase("Patient/p1");

        StoredCiphertexts.Rekeyed result = StoredCiphertexts.rekey(stored, "Patient", keys);

        assertThat(result.json()).isEmpty();
        assertThat(result.unreadable()).isEqualTo(7);
    }
}
