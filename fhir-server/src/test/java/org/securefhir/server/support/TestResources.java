package org.securefhir.server.support;

import java.math.BigDecimal;
import org.hl7.fhir.r4.model.Claim;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Money;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;

/** Builders of valid test resources. */
public final class TestResources {

    public static final String MRN_SYSTEM = "urn:oid:2.16.840.1.113883.19.5";

    private TestResources() {}

    public static Patient patient(String family, String birthDate) {
        Patient patient = new Patient();
        patient.addName().setFamily(family).addGiven("Test");
        patient.setBirthDateElement(new DateType(birthDate));
        return patient;
    }

    /** A final Observation with an id, a coded text and its patient. */
    public static Observation observation(String id, String patient, String text) {
        Observation observation = new Observation();
        observation.setId(id);
        observation.setStatus(Observation.ObservationStatus.FINAL);
        observation.getCode().setText(text);
        observation.setSubject(new Reference("Patient/" + patient));
        return observation;
    }

    public static Encounter encounter(String subjectReference) {
        Encounter encounter = new Encounter();
        encounter.setStatus(Encounter.EncounterStatus.FINISHED);
        encounter.setClass_(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "AMB", "ambulatory"));
        encounter.setSubject(new Reference(subjectReference));
        return encounter;
    }

    public static Claim claim(String patientReference, String insurerReference) {
        Claim claim = new Claim();
        claim.setStatus(Claim.ClaimStatus.ACTIVE);
        claim.setUse(Claim.Use.CLAIM);
        claim.setType(new CodeableConcept(
                new Coding("http://terminology.hl7.org/CodeSystem/claim-type", "professional", "Professional")));
        claim.setPatient(new Reference(patientReference));
        claim.setCreatedElement(DateTimeType.now());
        claim.setProvider(new Reference(insurerReference));
        claim.setInsurer(new Reference(insurerReference));
        claim.setPriority(new CodeableConcept(
                new Coding("http://terminology.hl7.org/CodeSystem/processpriority", "normal", "Normal")));
        claim.addInsurance().setSequence(1).setFocal(true).setCoverage(new Reference().setDisplay("Self-pay"));
        claim.setTotal(new Money().setValue(new BigDecimal("125.50")).setCurrency("USD"));
        return claim;
    }
}
