package org.securefhir.server.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.UUID;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.Claim;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Coverage;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import org.securefhir.server.support.AbstractFhirServerIT;
import org.securefhir.server.support.TestFhirClient;
import org.securefhir.server.support.TestFhirClient.Response;
import org.securefhir.server.support.TestResources;

/** Full REST semantics for Patient, Encounter and Claim, over HTTPS against PostgreSQL. */
class FhirRestIT extends AbstractFhirServerIT {

    @Test
    void metadataWhenRequestedThenCapabilityStatementListsCoreTypes() {
        Response response = fhir().get("/metadata");

        assertThat(response.status()).isEqualTo(200);
        CapabilityStatement capabilities = response.as(CapabilityStatement.class);
        assertThat(capabilities.getFhirVersion()).isEqualTo(Enumerations.FHIRVersion._4_0_1);
        List<String> types = capabilities.getRestFirstRep().getResource().stream()
                .map(r -> r.getType())
                .toList();
        assertThat(types)
                .contains(
                        "Patient",
                        "Encounter",
                        "Claim",
                        "Practitioner",
                        "Organization",
                        "Coverage",
                        "Location",
                        "Observation",
                        "Condition",
                        "Consent",
                        "Provenance");
        List<String> operations = new java.util.ArrayList<>();
        capabilities.getRestFirstRep().getOperation().forEach(op -> operations.add(op.getName()));
        capabilities
                .getRestFirstRep()
                .getResource()
                .forEach(r -> r.getOperation().forEach(op -> operations.add(op.getName())));
        assertThat(operations)
                .contains("everything")
                .doesNotContain("expunge", "reindex-terminology", "hapi.fhir.merge", "meta-delete");
        assertThat(capabilities.getSoftware().getName()).isEqualTo("Secure FHIR Server");
        assertThat(response.body()).doesNotContain("8.8.0");
    }

    @Test
    void patientWhenCreatedReadUpdatedAndDeletedThenEachStepIsVisible() {
        TestFhirClient fhir = fhir();
        String family = unique("Crud");

        // create
        Response created = fhir.post("/Patient", TestResources.patient(family, "1980-02-03"));
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.header("Location")).contains("/Patient/").contains("/_history/1");
        String id = created.as(Patient.class).getIdElement().getIdPart();

        // read
        Response read = fhir.get("/Patient/" + id);
        assertThat(read.status()).isEqualTo(200);
        assertThat(read.header("ETag")).isEqualTo("W/\"1\"");
        assertThat(read.as(Patient.class).getNameFirstRep().getFamily()).isEqualTo(family);

        // update
        Patient changed = read.as(Patient.class);
        changed.setGender(Enumerations.AdministrativeGender.FEMALE);
        Response updated = fhir.put("/Patient/" + id, changed);
        assertThat(updated.status()).isEqualTo(200);
        assertThat(updated.as(Patient.class).getMeta().getVersionId()).isEqualTo("2");

        // vread of the first version still shows the original
        Response v1 = fhir.get("/Patient/" + id + "/_history/1");
        assertThat(v1.status()).isEqualTo(200);
        assertThat(v1.as(Patient.class).hasGender()).isFalse();

        // patch (JSON Patch)
        Response patched = fhir.send(
                "PATCH",
                "/Patient/" + id,
                "application/json-patch+json",
                "[{\"op\":\"replace\",\"path\":\"/birthDate\",\"value\":\"1980-02-04\"}]");
        assertThat(patched.status()).isEqualTo(200);
        assertThat(fhir.get("/Patient/" + id)
                        .as(Patient.class)
                        .getBirthDateElement()
                        .getValueAsString())
                .isEqualTo("1980-02-04");

        // history
        Bundle history = fhir.get("/Patient/" + id + "/_history").as(Bundle.class);
        assertThat(history.getType()).isEqualTo(Bundle.BundleType.HISTORY);
        assertThat(history.getEntry()).hasSize(3);

        // delete, then read is 410 Gone and the history keeps the deletion
        assertThat(fhir.delete("/Patient/" + id).status()).isEqualTo(200);
        assertThat(fhir.get("/Patient/" + id).status()).isEqualTo(410);
        Bundle afterDelete = fhir.get("/Patient/" + id + "/_history").as(Bundle.class);
        assertThat(afterDelete.getEntryFirstRep().getRequest().getMethod()).isEqualTo(Bundle.HTTPVerb.DELETE);
        assertThat(afterDelete.getEntryFirstRep().getRequest().getUrl()).endsWith("/_history/4");
        // Upstream HAPI FHIR omits version 1 from instance history right after a delete
        // (hapifhir/hapi-fhir#5296); type-level history keeps every version:
        Bundle typeHistory = fhir.get("/Patient/_history?_count=200").as(Bundle.class);
        assertThat(typeHistory.getEntry())
                .extracting(e -> e.getRequest().getUrl())
                .contains("Patient/" + id + "/_history/1", "Patient/" + id + "/_history/4");
    }

    @Test
    void updateWhenIfMatchIsStaleThenPreconditionFailed() {
        TestFhirClient fhir = fhir();
        String id = fhir.create("/Patient", TestResources.patient(unique("Stale"), "1990-01-01"));
        Patient patient = fhir.get("/Patient/" + id).as(Patient.class);
        patient.setGender(Enumerations.AdministrativeGender.OTHER);
        assertThat(fhir.put("/Patient/" + id, patient, "If-Match", "W/\"1\"").status())
                .isEqualTo(200);
        // an unchanged body would be a no-op that keeps version 1, so change it again
        patient.setGender(Enumerations.AdministrativeGender.UNKNOWN);

        Response stale = fhir.put("/Patient/" + id, patient, "If-Match", "W/\"1\"");

        assertThat(stale.status()).isIn(409, 412);
        assertThat(stale.body()).contains("OperationOutcome");
    }

    @Test
    void deleteWhenPatientIsReferencedThenConflict() {
        TestFhirClient fhir = fhir();
        String patientId = fhir.create("/Patient", TestResources.patient(unique("Ref"), "1991-01-01"));
        assertThat(fhir.post("/Encounter", TestResources.encounter("Patient/" + patientId))
                        .status())
                .isEqualTo(201);

        Response conflict = fhir.delete("/Patient/" + patientId);

        assertThat(conflict.status()).isEqualTo(409);
        assertThat(conflict.body()).contains("OperationOutcome");
    }

    @Test
    void encounterAndClaimWhenCreatedThenSearchableWithIncludeAndRevinclude() {
        TestFhirClient fhir = fhir();
        String family = unique("Inc");
        String patientId = fhir.create("/Patient", TestResources.patient(family, "1975-05-05"));
        String encounterId = fhir.create("/Encounter", TestResources.encounter("Patient/" + patientId));
        Organization insurer = fhir.post("/Organization", new Organization().setName("Insurer " + family))
                .as(Organization.class);
        Response claim =
                fhir.post("/Claim", TestResources.claim("Patient/" + patientId, "Organization/" + insurer.getIdPart()));
        assertThat(claim.status()).isEqualTo(201);

        Bundle withInclude = fhir.get("/Encounter?_id=" + encounterId + "&_include=Encounter:subject")
                .as(Bundle.class);
        assertThat(withInclude.getEntry())
                .extracting(e -> e.getResource().fhirType())
                .containsExactlyInAnyOrder("Encounter", "Patient");

        Bundle withRevinclude = fhir.get(
                        "/Patient?_id=" + patientId + "&_revinclude=Encounter:subject&_revinclude=Claim:patient")
                .as(Bundle.class);
        assertThat(withRevinclude.getEntry())
                .extracting(e -> e.getResource().fhirType())
                .containsExactlyInAnyOrder("Patient", "Encounter", "Claim");

        Bundle claims = fhir.get("/Claim?patient=Patient/" + patientId).as(Bundle.class);
        assertThat(claims.getEntry()).hasSize(1);
        assertThat(((Claim) claims.getEntryFirstRep().getResource()).getTotal().getValue())
                .isEqualByComparingTo("125.50");
    }

    @Test
    void searchWhenMoreResultsThanPageSizeThenNextLinksPageThroughAll() {
        TestFhirClient fhir = fhir();
        String family = unique("Page");
        for (int i = 0; i < 5; i++) {
            assertThat(fhir.post("/Patient", TestResources.patient(family, "1960-01-0" + (i + 1)))
                            .status())
                    .isEqualTo(201);
        }

        Bundle page = fhir.get("/Patient?family=" + family + "&_count=2").as(Bundle.class);
        // no total where patient consent applies (withheld resources are not counted)
        assertThat(page.hasTotal()).isFalse();
        int seen = page.getEntry().size();
        int pages = 1;
        while (page.getLink(Bundle.LINK_NEXT) != null) {
            page = fhir.get(page.getLink(Bundle.LINK_NEXT).getUrl()).as(Bundle.class);
            seen += page.getEntry().size();
            pages++;
        }

        assertThat(seen).isEqualTo(5);
        assertThat(pages).isEqualTo(3);
    }

    @Test
    void searchWhenFamilyAndBirthdateGivenThenOnlyMatchesReturned() {
        TestFhirClient fhir = fhir();
        String family = unique("Dob");
        fhir.post("/Patient", TestResources.patient(family, "1950-03-03"));
        fhir.post("/Patient", TestResources.patient(family, "1951-03-03"));

        Bundle found =
                fhir.get("/Patient?family=" + family + "&birthdate=1950-03-03").as(Bundle.class);

        assertThat(found.getEntry()).hasSize(1);
    }

    @Test
    void conditionalCreateWhenIdentifierExistsThenExistingResourceIsKept() {
        TestFhirClient fhir = fhir();
        String mrn = unique("mrn");
        Patient patient = TestResources.patient(unique("Cond"), "1999-09-09");
        patient.addIdentifier().setSystem(TestResources.MRN_SYSTEM).setValue(mrn);
        String ifNoneExist = "identifier=" + TestResources.MRN_SYSTEM + "%7C" + mrn;

        Response first = fhir.post("/Patient", patient, "If-None-Exist", ifNoneExist);
        Response second = fhir.post("/Patient", patient, "If-None-Exist", ifNoneExist);

        assertThat(first.status()).isEqualTo(201);
        assertThat(second.status()).isEqualTo(200);
        assertThat(second.header("Location")).isEqualTo(first.header("Location"));
        assertThat(fhir.get("/Patient?identifier=" + TestResources.MRN_SYSTEM + "%7C" + mrn)
                        .as(Bundle.class)
                        .getEntry())
                .hasSize(1);
    }

    @Test
    void conditionalUpdateWhenNoMatchThenCreatesAndWhenOneMatchThenUpdates() {
        TestFhirClient fhir = fhir();
        String mrn = unique("mrn");
        Patient patient = TestResources.patient(unique("CondUpd"), "1988-08-08");
        patient.addIdentifier().setSystem(TestResources.MRN_SYSTEM).setValue(mrn);
        String url = "/Patient?identifier=" + TestResources.MRN_SYSTEM + "%7C" + mrn;

        Response created = fhir.put(url, patient);
        patient.setGender(Enumerations.AdministrativeGender.MALE);
        Response updated = fhir.put(url, patient);

        assertThat(created.status()).isEqualTo(201);
        assertThat(updated.status()).isEqualTo(200);
        assertThat(updated.as(Patient.class).getMeta().getVersionId()).isEqualTo("2");
    }

    @Test
    void transactionWhenEntriesReferenceEachOtherThenAllAreCreatedAtomically() {
        TestFhirClient fhir = fhir();
        String family = unique("Tx");
        Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        String patientFullUrl = "urn:uuid:" + UUID.randomUUID();
        String practitionerFullUrl = "urn:uuid:" + UUID.randomUUID();
        transaction
                .addEntry()
                .setFullUrl(patientFullUrl)
                .setResource(TestResources.patient(family, "1970-07-07"))
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Patient");
        transaction
                .addEntry()
                .setFullUrl(practitionerFullUrl)
                .setResource(new Practitioner().addName(new org.hl7.fhir.r4.model.HumanName().setFamily("Doc")))
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Practitioner");
        Encounter encounter = TestResources.encounter(patientFullUrl);
        encounter.addParticipant().setIndividual(new Reference(practitionerFullUrl));
        transaction
                .addEntry()
                .setResource(encounter)
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Encounter");

        Response response = fhir.post("", transaction);

        assertThat(response.status()).isEqualTo(200);
        Bundle result = response.as(Bundle.class);
        assertThat(result.getType()).isEqualTo(Bundle.BundleType.TRANSACTIONRESPONSE);
        assertThat(result.getEntry())
                .allSatisfy(e -> assertThat(e.getResponse().getStatus()).startsWith("201"));
        String patientId = result.getEntry().get(0).getResponse().getLocation().split("/")[1];
        Bundle encounters = fhir.get("/Encounter?subject=Patient/" + patientId).as(Bundle.class);
        assertThat(encounters.getEntry()).hasSize(1);
    }

    @Test
    void transactionWhenOneEntryFailsThenNothingIsStored() {
        TestFhirClient fhir = fhir();
        String family = unique("TxFail");
        Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        transaction
                .addEntry()
                .setResource(TestResources.patient(family, "1970-07-07"))
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Patient");
        transaction
                .addEntry()
                .setResource(TestResources.encounter("Patient/does-not-exist-" + family))
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Encounter");

        Response response = fhir.post("", transaction);

        assertThat(response.status()).isBetween(400, 499);
        assertThat(fhir.get("/Patient?family=" + family).as(Bundle.class).getEntry())
                .isEmpty();
    }

    @Test
    void batchWhenEntriesAreIndependentThenEachGetsItsOwnOutcome() {
        TestFhirClient fhir = fhir();
        Bundle batch = new Bundle().setType(Bundle.BundleType.BATCH);
        batch.addEntry()
                .setResource(TestResources.patient(unique("Batch"), "1970-07-07"))
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Patient");
        batch.addEntry()
                .getRequest()
                .setMethod(Bundle.HTTPVerb.GET)
                .setUrl("Patient/no-such-patient-" + UUID.randomUUID());

        Response response = fhir.post("", batch);

        assertThat(response.status()).isEqualTo(200);
        Bundle result = response.as(Bundle.class);
        assertThat(result.getType()).isEqualTo(Bundle.BundleType.BATCHRESPONSE);
        assertThat(result.getEntry().get(0).getResponse().getStatus()).startsWith("201");
        assertThat(result.getEntry().get(1).getResponse().getStatus()).startsWith("404");
    }

    @Test
    void referencedTypesWhenCreatedThenStored() {
        TestFhirClient fhir = fhir();
        String patientId = fhir.create("/Patient", TestResources.patient(unique("Types"), "1966-06-06"));
        Coverage coverage = new Coverage();
        coverage.setStatus(Coverage.CoverageStatus.ACTIVE);
        coverage.setBeneficiary(new Reference("Patient/" + patientId));
        coverage.addPayor(new Reference("Patient/" + patientId));
        org.hl7.fhir.r4.model.Observation observation = new org.hl7.fhir.r4.model.Observation();
        observation.setStatus(org.hl7.fhir.r4.model.Observation.ObservationStatus.FINAL);
        observation.setCode(new CodeableConcept(new Coding("http://loinc.org", "8867-4", "Heart rate")));
        observation.setSubject(new Reference("Patient/" + patientId));
        org.hl7.fhir.r4.model.Condition condition = new org.hl7.fhir.r4.model.Condition();
        condition.setSubject(new Reference("Patient/" + patientId));
        condition.setCode(new CodeableConcept(new Coding("http://snomed.info/sct", "38341003", "Hypertension")));

        assertThat(fhir.post("/Coverage", coverage).status()).isEqualTo(201);
        assertThat(fhir.post("/Observation", observation).status()).isEqualTo(201);
        assertThat(fhir.post("/Condition", condition).status()).isEqualTo(201);
        assertThat(fhir.post("/Location", new org.hl7.fhir.r4.model.Location().setName("Ward 3"))
                        .status())
                .isEqualTo(201);
        Bundle everything = fhir.get("/Patient/" + patientId + "/$everything").as(Bundle.class);
        assertThat(everything.getEntry())
                .extracting(e -> e.getResource().fhirType())
                .contains("Patient", "Coverage", "Observation", "Condition");
    }

    static String unique(String prefix) {
        return prefix + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }
}
