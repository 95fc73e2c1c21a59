package org.securefhir.server.encryption;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.hl7.fhir.r4.model.Attachment;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Claim;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.ContactPoint;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Money;
import org.hl7.fhir.r4.model.Narrative;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.securefhir.server.support.AbstractFhirServerIT;
import org.securefhir.server.support.TestFhirClient;
import org.securefhir.server.support.TestFhirClient.Response;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Field-level encryption end to end, on the shared server (PostgreSQL, HTTPS): canary values in
 * every encrypted field never reach the database in any form (whole-database dump), searches on
 * them still find the right patients through the blind indexes, searches that cannot work on
 * ciphertext are refused with the reason, and erasing a patient's keys makes every stored version
 * of their data unreadable.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EncryptionIT extends AbstractFhirServerIT {

    @Autowired
    private JdbcTemplate jdbc;

    @Autowired
    private DataSource dataSource;

    private TestFhirClient fhir;

    @BeforeAll
    void client() {
        fhir = fhir();
    }

    /** Unique marker values of one patient's encrypted fields (letters only, so no tokenizer splits them). */
    private record Canary(String tag) {
        static Canary next() {
            StringBuilder tag = new StringBuilder();
            for (char c : UUID.randomUUID().toString().replace("-", "").toCharArray()) {
                tag.append((char) ('a' + (Character.digit(c, 16) % 26)));
            }
            return new Canary(tag.substring(0, 10));
        }

        String family() {
            return "Zorvak" + tag;
        }

        String given() {
            return "Yelvin" + tag;
        }

        String mrn() {
            return "MRN" + tag;
        }

        String email() {
            return "mail" + tag + "@example.org";
        }

        String line() {
            return "Wexmoor" + tag;
        }

        String city() {
            return "Thrayle" + tag;
        }

        String postal() {
            return "PC" + tag;
        }

        String photo() {
            return "Photo" + tag;
        }

        String contact() {
            return "Kinsfolk" + tag;
        }

        String narrative() {
            return "Narrative" + tag;
        }

        String encounterId() {
            return "ENC" + tag;
        }

        String claimId() {
            return "CLM" + tag;
        }

        String insuranceId() {
            return "INS" + tag;
        }

        String preAuth() {
            return "PRE" + tag;
        }

        List<String> words() {
            return List.of(
                    family(),
                    given(),
                    mrn(),
                    email(),
                    line(),
                    city(),
                    postal(),
                    photo(),
                    contact(),
                    narrative(),
                    encounterId(),
                    claimId(),
                    insuranceId(),
                    preAuth());
        }
    }

    private static String phoneDigits(int seed) {
        return "1555" + String.format(Locale.ROOT, "%07d", Math.abs(seed) % 10_000_000);
    }

    private static String birthDate(int seed) {
        int day = Math.abs(seed) % 28 + 1;
        int month = Math.abs(seed / 28) % 12 + 1;
        return String.format(Locale.ROOT, "1907-%02d-%02d", month, day);
    }

    private static Patient patient(Canary c, String phoneDigits, String birthDate) {
        Patient patient = new Patient();
        patient.getText()
                .setStatus(Narrative.NarrativeStatus.GENERATED)
                .setDivAsString("<div xmlns=\"http://www.w3.org/1999/xhtml\">" + c.narrative() + "</div>");
        patient.addName().setFamily(c.family()).addGiven(c.given());
        patient.addIdentifier().setSystem("http://hospital.example/mrn").setValue(c.mrn());
        patient.addTelecom()
                .setSystem(ContactPoint.ContactPointSystem.PHONE)
                .setValue("+" + phoneDigits.substring(0, 1) + " (" + phoneDigits.substring(1, 4) + ") "
                        + phoneDigits.substring(4, 7) + "-" + phoneDigits.substring(7));
        patient.addTelecom().setSystem(ContactPoint.ContactPointSystem.EMAIL).setValue(c.email());
        patient.addAddress().addLine(c.line()).setCity(c.city()).setPostalCode(c.postal());
        patient.setBirthDateElement(new DateType(birthDate));
        patient.addPhoto(new Attachment().setTitle(c.photo()).setContentType("image/png"));
        patient.addContact().getName().setFamily(c.contact());
        patient.setGender(org.hl7.fhir.r4.model.Enumerations.AdministrativeGender.OTHER);
        return patient;
    }

    @Test
    void whenResourcesWithCanaryValuesAreWrittenSearchedAndAuditedThenNoneIsAnywhereInTheDatabase() throws Exception {
        // given a patient, an encounter and a claim with a marker in every encrypted field
        Canary c = Canary.next();
        int seed = c.tag().hashCode();
        String phone = phoneDigits(seed);
        String born = birthDate(seed);
        String p = fhir.create("/Patient", patient(c, phone, born));
        Encounter encounter = new Encounter();
        encounter.setStatus(Encounter.EncounterStatus.FINISHED);
        encounter.setClass_(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "AMB", null));
        encounter.setSubject(new Reference("Patient/" + p));
        encounter.addIdentifier().setSystem("urn:encounters").setValue(c.encounterId());
        encounter
                .getText()
                .setStatus(Narrative.NarrativeStatus.GENERATED)
                .setDivAsString("<div xmlns=\"http://www.w3.org/1999/xhtml\">" + c.narrative() + " visit</div>");
        String e = fhir.create("/Encounter", encounter);
        Claim claim = new Claim();
        claim.setStatus(Claim.ClaimStatus.ACTIVE);
        claim.setType(new CodeableConcept(
                new Coding("http://terminology.hl7.org/CodeSystem/claim-type", "professional", null)));
        claim.setUse(Claim.Use.CLAIM);
        claim.setPatient(new Reference("Patient/" + p));
        claim.setCreatedElement(new org.hl7.fhir.r4.model.DateTimeType("2026-11-01"));
        claim.setProvider(new Reference().setDisplay("Clinic"));
        claim.setPriority(new CodeableConcept(
                new Coding("http://terminology.hl7.org/CodeSystem/processpriority", "normal", null)));
        claim.addIdentifier().setSystem("urn:claims").setValue(c.claimId());
        claim.addInsurance()
                .setSequence(1)
                .setFocal(true)
                .setIdentifier(new Identifier().setValue(c.insuranceId()))
                .setCoverage(new Reference().setDisplay("Coverage"))
                .addPreAuthRef(c.preAuth());
        claim.setTotal(new Money().setValue(10).setCurrency("USD"));
        String cl = fhir.create("/Claim", claim);
        // and an observation whose performer is contained (no field of a contained Practitioner is
        // configured for encryption: the contained resources are sealed whole)
        org.hl7.fhir.r4.model.Practitioner carer = new org.hl7.fhir.r4.model.Practitioner();
        carer.setId("carer");
        carer.addName().setFamily(c.family()).addGiven(c.given());
        carer.addTelecom()
                .setSystem(org.hl7.fhir.r4.model.ContactPoint.ContactPointSystem.PHONE)
                .setValue(phone);
        org.hl7.fhir.r4.model.Observation observation = new org.hl7.fhir.r4.model.Observation();
        observation.setStatus(org.hl7.fhir.r4.model.Observation.ObservationStatus.FINAL);
        observation.setCode(new CodeableConcept(new Coding("http://loinc.org", "8867-4", "Heart rate")));
        observation.setSubject(new Reference("Patient/" + p));
        observation.getContained().add(carer);
        observation.addPerformer(new Reference("#carer"));
        String o = fhir.create("/Observation", observation);
        org.hl7.fhir.r4.model.Observation readObservation =
                fhir.get("/Observation/" + o).as(org.hl7.fhir.r4.model.Observation.class);
        assertThat(readObservation.getContained()).hasSize(1);
        assertThat(((org.hl7.fhir.r4.model.Practitioner)
                                readObservation.getContained().get(0))
                        .getNameFirstRep()
                        .getFamily())
                .isEqualTo(c.family());
        assertThat(readObservation.getPerformerFirstRep().getReference()).isEqualTo("#carer");
        assertThat(readObservation.getMeta().getExtension()).isEmpty(); // the sealed form never leaves
        readObservation.setStatus(org.hl7.fhir.r4.model.Observation.ObservationStatus.AMENDED);
        assertThat(fhir.put("/Observation/" + o, readObservation).status()).isEqualTo(200);
        assertThat(fhir.get("/Observation/" + o + "/_history/1").body()).contains(c.family(), phone);
        assertThat(fhir.get("/Observation?subject=Patient/" + p).body()).contains(c.family());

        // when they are read, updated, searched (also conditionally and in a batch), and searched
        // in ways that are refused
        Patient read = fhir.get("/Patient/" + p).as(Patient.class);
        assertThat(read.getNameFirstRep().getFamily()).isEqualTo(c.family());
        read.getNameFirstRep().addGiven("Second" + c.tag());
        assertThat(fhir.put("/Patient/" + p, read).status()).isEqualTo(200);
        Response patched = fhir.send(
                "PATCH",
                "/Patient/" + p,
                "application/json-patch+json",
                "[{\"op\":\"replace\",\"path\":\"/address/0/city\",\"value\":\"" + c.city() + "\"}]");
        assertThat(patched.status()).as(patched.body()).isEqualTo(200);
        assertThat(patched.as(Patient.class).getAddressFirstRep().getLine())
                .extracting("value")
                .containsExactly(c.line());
        assertThat(ids(fhir.get("/Patient?family=" + c.family()))).containsExactly(p);
        assertThat(ids(fhir.get("/Patient?identifier=http://hospital.example/mrn%7C" + c.mrn())))
                .containsExactly(p);
        assertThat(ids(fhir.get("/Patient?birthdate=" + born + "&phone=" + phone)))
                .containsExactly(p);
        assertThat(ids(fhir.get("/Encounter?identifier=urn:encounters%7C" + c.encounterId())))
                .containsExactly(e);
        assertThat(ids(fhir.get("/Claim?identifier=" + c.claimId()))).containsExactly(cl);
        assertThat(fhir.post("/Patient", patient(c, phone, born), "If-None-Exist", "identifier=" + c.mrn())
                        .status())
                .isEqualTo(200); // matched the existing one: nothing created
        assertThat(fhir.get("/Patient?address-city=" + c.city()).status()).isEqualTo(400);
        assertThat(fhir.get("/Patient?family:contains=" + c.family()).status()).isEqualTo(400);
        Response batch = fhir.send(
                "POST",
                "",
                TestFhirClient.FHIR_JSON,
                "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[{\"request\":{\"method\":\"GET\","
                        + "\"url\":\"Patient?given=" + c.given() + "\"}}]}");
        assertThat(batch.status()).isEqualTo(200);
        assertThat(batch.body()).contains(c.given()); // decrypted in the entry's search result
        assertThat(fhir.get("/Patient/" + p + "/$everything").body())
                .contains(c.family(), c.claimId(), c.encounterId());

        // then no form of any marker is in any table of any schema, nor in a pg_dump of the database
        List<String> forbidden = new ArrayList<>();
        for (String word : c.words()) {
            forbidden.add(word);
            forbidden.add(word.toLowerCase(Locale.ROOT));
            forbidden.add(word.toUpperCase(Locale.ROOT));
        }
        forbidden.add(phone);
        forbidden.add(phone.substring(4, 7) + "-" + phone.substring(7));
        forbidden.add(born);
        Map<String, String> tables = everyRowAsText();
        assertThat(String.join("\n", tables.values())).contains(p); // the scan sees the data
        for (String marker : forbidden) {
            tables.forEach((table, rows) -> {
                int at = rows.indexOf(marker);
                assertThat(at)
                        .as(
                                "%s found in %s: ...%s...",
                                marker,
                                table,
                                at < 0 ? "" : rows.substring(Math.max(0, at - 200), Math.min(rows.length(), at + 100)))
                        .isEqualTo(-1);
            });
        }
        Optional<String> dump = pgDump();
        dump.ifPresent(text -> {
            assertThat(text).contains("hfj_res_ver");
            assertThat(forbidden).allSatisfy(marker -> assertThat(text).doesNotContain(marker));
        });
    }

    @Test
    void whenSearchingByNameIdentifierBirthdateAndPhoneThenExactlyTheRightPatients() {
        Canary a = Canary.next();
        Canary b = Canary.next();
        String pa = fhir.create("/Patient", patient(a, phoneDigits(11), "1950-02-03"));
        String pb = fhir.create("/Patient", patient(b, phoneDigits(12), "1950-02-04"));

        assertThat(ids(fhir.get("/Patient?family=" + a.family().toLowerCase(Locale.ROOT))))
                .containsExactly(pa);
        assertThat(ids(fhir.get("/Patient?name=" + b.given()))).containsExactly(pb);
        assertThat(ids(fhir.get("/Patient?family=" + a.family() + "," + b.family())))
                .containsExactlyInAnyOrder(pa, pb);
        assertThat(ids(fhir.get("/Patient?identifier=" + b.mrn()))).containsExactly(pb);
        assertThat(ids(fhir.get("/Patient?family=" + a.family() + "&birthdate=1950-02-03")))
                .containsExactly(pa);
        assertThat(ids(fhir.get("/Patient?family=" + a.family() + "&birthdate=1950-02-04")))
                .isEmpty();
        assertThat(ids(fhir.get("/Patient?given=" + b.given() + "&birthdate=1950-02")))
                .containsExactly(pb);
        assertThat(ids(fhir.get("/Patient?phone=" + phoneDigits(12) + "&family=" + b.family())))
                .containsExactly(pb);
        assertThat(ids(fhir.get("/Patient?email=" + a.email().toUpperCase(Locale.ROOT))))
                .containsExactly(pa);
        assertThat(ids(fhir.get("/Patient?address-postalcode=" + b.postal()))).containsExactly(pb);

        Response range = fhir.get("/Patient?birthdate=ge1950-01-01");
        assertThat(range.status()).isEqualTo(400);
        assertThat(range.as(OperationOutcome.class).getIssueFirstRep().getDiagnostics())
                .contains("birthdate is encrypted at rest")
                .doesNotContain("1950-01-01");
    }

    @Test
    void whenAPatientsKeysAreErasedThenEveryVersionOfTheirDataIsUnreadableAndUnsearchable() {
        // given a patient with two versions and an encounter
        Canary c = Canary.next();
        String p = fhir.create("/Patient", patient(c, phoneDigits(77), "1960-06-06"));
        Patient patient = fhir.get("/Patient/" + p).as(Patient.class);
        patient.getNameFirstRep().setFamily(c.family() + "x");
        assertThat(fhir.put("/Patient/" + p, patient).status()).isEqualTo(200);
        Encounter encounter = new Encounter();
        encounter.setStatus(Encounter.EncounterStatus.FINISHED);
        encounter.setClass_(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "AMB", null));
        encounter.setSubject(new Reference("Patient/" + p));
        encounter.addIdentifier().setSystem("urn:encounters").setValue(c.encounterId());
        String e = fhir.create("/Encounter", encounter);
        assertThat(jdbc.queryForObject(
                        "SELECT count(*) FROM encryption.data_key WHERE owner = ?", Integer.class, "Patient/" + p))
                .isEqualTo(1);
        // and a scan of theirs (a Binary whose securityContext is the patient): sealed at rest
        byte[] scan = ("chest scan " + c.tag()).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        org.hl7.fhir.r4.model.Binary binary = new org.hl7.fhir.r4.model.Binary();
        binary.setContentType("text/plain");
        binary.setSecurityContext(new Reference("Patient/" + p));
        binary.setData(scan);
        String bin = fhir.create("/Binary", binary);
        assertThat(fhir.get("/Binary/" + bin, "Accept", "application/fhir+json")
                        .as(org.hl7.fhir.r4.model.Binary.class)
                        .getData())
                .isEqualTo(scan);
        // read raw (as a browser or a PDF viewer would), the content comes back as it was sent
        assertThat(fhir.get("/Binary/" + bin, "Accept", "text/plain").body())
                .isEqualTo(new String(scan, java.nio.charset.StandardCharsets.UTF_8));
        assertThat(jdbc.queryForObject(
                        "SELECT count(*) FROM hfj_res_ver v JOIN hfj_resource r ON r.res_id = v.res_id"
                                + " WHERE r.fhir_id = ? AND v.res_text_vc LIKE ?",
                        Integer.class,
                        bin,
                        "%" + java.util.Base64.getEncoder().encodeToString(scan) + "%"))
                .isZero();

        // when an admin erases the patient's keys
        String admin = adminToken();
        TestFhirClient asAdmin =
                new TestFhirClient(fhir.baseUrl(), TestFhirClient.trusting(certificate()), () -> admin);
        Parameters confirm = new Parameters();
        confirm.addParameter("confirm", new StringType("Patient/" + p));
        Response refused = asAdmin.post("/Patient/" + p + "/$erase-keys", new Parameters());
        assertThat(refused.status()).isEqualTo(400);
        Response erased = asAdmin.post("/Patient/" + p + "/$erase-keys", confirm);
        assertThat(erased.status()).as(erased.body()).isEqualTo(200);

        // then no version of the patient, nor the encounter's identifier, can be read, nor found
        for (String version :
                List.of("/Patient/" + p, "/Patient/" + p + "/_history/1", "/Patient/" + p + "/_history/2")) {
            Patient shredded = fhir.get(version).as(Patient.class);
            assertThat(shredded.hasName()).isFalse();
            assertThat(shredded.hasBirthDate()).isFalse();
            assertThat(shredded.getGender()).isEqualTo(org.hl7.fhir.r4.model.Enumerations.AdministrativeGender.OTHER);
            assertThat(shredded.getMeta().getSecurity())
                    .extracting(Coding::getCode)
                    .contains("REDACTED");
        }
        assertThat(fhir.get("/Encounter/" + e)
                        .as(Encounter.class)
                        .getIdentifierFirstRep()
                        .hasValue())
                .isFalse();
        org.hl7.fhir.r4.model.Binary shreddedScan =
                fhir.get("/Binary/" + bin, "Accept", "application/fhir+json").as(org.hl7.fhir.r4.model.Binary.class);
        assertThat(shreddedScan.hasData()).isFalse();
        assertThat(shreddedScan.getMeta().getSecurity())
                .extracting(Coding::getCode)
                .contains("REDACTED");
        assertThat(ids(fhir.get("/Patient?family=" + c.family()))).isEmpty();
        assertThat(ids(fhir.get("/Encounter?identifier=urn:encounters%7C" + c.encounterId())))
                .isEmpty();
        assertThat(jdbc.queryForObject(
                        "SELECT count(*) FROM encryption.data_key WHERE owner = ? AND wrapped IS NOT NULL",
                        Integer.class,
                        "Patient/" + p))
                .isZero();
        assertThat(jdbc.queryForObject(
                        "SELECT count(*) FROM hfj_res_ver v JOIN hfj_resource r ON r.res_id = v.res_id"
                                + " WHERE r.fhir_id IN (?, ?) AND v.res_text_vc LIKE '%blind-index%'",
                        Integer.class, p, e))
                .isZero();
        // a new write for the patient gets a new key version, never the erased one's
        Patient again = fhir.get("/Patient/" + p).as(Patient.class);
        again.addName().setFamily("Renamed" + c.tag());
        assertThat(fhir.put("/Patient/" + p, again).status()).isEqualTo(200);
        assertThat(fhir.get("/Patient/" + p).as(Patient.class).getNameFirstRep().getFamily())
                .isEqualTo("Renamed" + c.tag());
        assertThat(fhir.get("/Patient/" + p + "/_history/1").status()).isEqualTo(200);
    }

    @Test
    void whenDataKeysAreRotatedThenEveryStoredVersionIsReencryptedUnderNewKeysAndStillReadable() throws Exception {
        // given a patient with two versions sealed under their current key
        Canary c = Canary.next();
        String p = fhir.create("/Patient", patient(c, phoneDigits(99), "1945-05-08"));
        Patient patient = fhir.get("/Patient/" + p).as(Patient.class);
        patient.getNameFirstRep().addGiven("Also" + c.tag());
        assertThat(fhir.put("/Patient/" + p, patient).status()).isEqualTo(200);
        String oldKey = "Patient/" + p + "#1";
        assertThat(storedVersions(p))
                .hasSize(2)
                .allSatisfy(json -> assertThat(json).contains(oldKey));

        // when an admin rotates the data keys and the job finishes
        String admin = adminToken();
        TestFhirClient asAdmin =
                new TestFhirClient(fhir.baseUrl(), TestFhirClient.trusting(certificate()), () -> admin);
        Response started = asAdmin.post("/$rotate-data-keys", new Parameters());
        assertThat(started.status()).as(started.body()).isEqualTo(200);
        Parameters status = null;
        for (int i = 0; i < 120; i++) {
            status = asAdmin.get("/$encryption-status").as(Parameters.class);
            if (rotationPart(status, "finished").equals("true")) {
                break;
            }
            Thread.sleep(500);
        }
        assertThat(rotationPart(status, "finished")).isEqualTo("true");
        assertThat(Integer.parseInt(rotationPart(status, "elementsReencrypted")))
                .isPositive();
        assertThat(Integer.parseInt(rotationPart(status, "supersededKeysErased")))
                .isPositive();

        // then every version is sealed under the new key only, the old key is gone, and all reads
        // and searches work as before
        assertThat(storedVersions(p))
                .allSatisfy(json -> assertThat(json).doesNotContain(oldKey).contains("Patient/" + p + "#2"));
        assertThat(jdbc.queryForObject(
                        "SELECT count(*) FROM encryption.data_key WHERE owner = ? AND version = 1 AND wrapped IS NOT NULL",
                        Integer.class,
                        "Patient/" + p))
                .isZero();
        assertThat(fhir.get("/Patient/" + p + "/_history/1")
                        .as(Patient.class)
                        .getNameFirstRep()
                        .getFamily())
                .isEqualTo(c.family());
        assertThat(fhir.get("/Patient/" + p).as(Patient.class).getNameFirstRep().getGiven())
                .extracting("value")
                .contains("Also" + c.tag());
        assertThat(ids(fhir.get("/Patient?given=Also" + c.tag()))).containsExactly(p);
    }

    private List<String> storedVersions(String id) {
        return jdbc.queryForList(
                "SELECT v.res_text_vc FROM hfj_res_ver v JOIN hfj_resource r ON r.res_id = v.res_id"
                        + " WHERE r.fhir_id = ? ORDER BY v.res_ver",
                String.class,
                id);
    }

    private static String rotationPart(Parameters status, String name) {
        return status.getParameter().stream()
                .filter(parameter -> "rotation".equals(parameter.getName()))
                .flatMap(parameter -> parameter.getPart().stream())
                .filter(part -> name.equals(part.getName()))
                .map(part -> part.getValue().primitiveValue())
                .findFirst()
                .orElse("");
    }

    private String adminToken() {
        return new org.securefhir.server.support.TestLogins(
                        "https://localhost:" + port,
                        TestFhirClient.trusting(certificate()),
                        accounts,
                        totp,
                        clients,
                        List.of("openid", "fhirUser", "user/*.cruds"))
                .accessToken(org.securefhir.auth.user.Role.ADMIN, Optional.empty(), "user/*.cruds");
    }

    @Autowired
    private org.securefhir.auth.user.UserAccounts accounts;

    @Autowired
    private org.securefhir.auth.mfa.TotpService totp;

    @Autowired
    private org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository clients;

    private static List<String> ids(Response response) {
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.as(Bundle.class).getEntry().stream()
                .filter(entry -> entry.getSearch().getMode() != Bundle.SearchEntryMode.OUTCOME)
                .map(entry -> entry.getResource().getIdElement().getIdPart())
                .toList();
    }

    /** Every row of every table of every non-system schema, as PostgreSQL's text form. */
    private Map<String, String> everyRowAsText() {
        Map<String, String> all = new java.util.TreeMap<>();
        List<Map<String, Object>> tables = jdbc.queryForList(
                "SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'"
                        + " AND table_schema NOT IN ('pg_catalog', 'information_schema')");
        for (Map<String, Object> table : tables) {
            String name = "\"" + table.get("table_schema") + "\".\"" + table.get("table_name") + "\"";
            StringBuilder rows = new StringBuilder();
            jdbc.query("SELECT t::text FROM " + name + " t", row -> {
                rows.append(row.getString(1)).append('\n');
            });
            all.put(name, rows.toString());
        }
        return all;
    }

    /** A pg_dump of the whole database, where a PostgreSQL client is installed. */
    private Optional<String> pgDump() throws Exception {
        Optional<Path> binary = pgDumpBinary();
        if (binary.isEmpty() || !(dataSource instanceof HikariDataSource hikari)) {
            return Optional.empty();
        }
        java.net.URI uri = java.net.URI.create(hikari.getJdbcUrl().substring("jdbc:".length()));
        ProcessBuilder builder = new ProcessBuilder(
                binary.get().toString(),
                "-h",
                uri.getHost(),
                "-p",
                Integer.toString(uri.getPort()),
                "-U",
                "postgres", // the whole database, the audit schema (not readable by the server's role) too
                "--no-owner",
                uri.getPath().substring(1));
        if (hikari.getPassword() != null) {
            builder.environment().put("PGPASSWORD", hikari.getPassword());
        }
        builder.redirectErrorStream(true);
        Process process = builder.start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream in = process.getInputStream()) {
            in.transferTo(out);
        }
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(process.exitValue())
                .as(text.length() > 500 ? text.substring(0, 500) : text)
                .isZero();
        return Optional.of(text);
    }

    private static Optional<Path> pgDumpBinary() throws Exception {
        List<Path> candidates = new ArrayList<>();
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            candidates.add(Path.of(dir, "pg_dump"));
        }
        Path versions = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(versions)) {
            try (var stream = Files.list(versions)) {
                stream.sorted(java.util.Comparator.reverseOrder())
                        .forEach(version ->
                                candidates.add(0, version.resolve("bin").resolve("pg_dump")));
            }
        }
        return candidates.stream().filter(Files::isExecutable).findFirst();
    }
}
