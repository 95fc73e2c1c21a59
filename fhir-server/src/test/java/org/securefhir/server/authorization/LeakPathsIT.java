package org.securefhir.server.authorization;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Device;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Task;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.securefhir.auth.mfa.TotpService;
import org.securefhir.auth.user.Role;
import org.securefhir.auth.user.UserAccounts;
import org.securefhir.server.support.AbstractFhirServerIT;
import org.securefhir.server.support.TestFhirClient;
import org.securefhir.server.support.TestFhirClient.Response;
import org.securefhir.server.support.TestLogins;
import org.securefhir.server.support.TestResources;
import org.securefhir.server.support.TestStoredTokens;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;

/**
 * The leak paths beyond the matrix (issue 16), each confirmed with real tokens before its fix and
 * compared with what the caller may see (entry ids, totals, status codes), not with marker
 * strings: types R4 leaves out of the Patient compartment (Task, Device, Binary), search criteria
 * on data the caller may not read, operations beyond the token's scopes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LeakPathsIT extends AbstractFhirServerIT {

    private static final String ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
    private static final String SNOMED = "http://snomed.info/sct";

    @Autowired
    private UserAccounts accounts;

    @Autowired
    private TotpService totp;

    @Autowired
    private RegisteredClientRepository clients;

    @Autowired
    private JWKSource<SecurityContext> keys;

    @Autowired
    private JdbcTemplate jdbc;

    private TestStoredTokens tokens;

    private TestLogins logins;
    private String run;
    private String a;
    private String b;
    private String nurse;
    private String doctor;
    private String c;
    private String d;
    private String diagnosis;
    private final Map<String, TestFhirClient> viewers = new LinkedHashMap<>();

    @BeforeAll
    void loadChartsAndSignIn() {
        tokens = new TestStoredTokens(keys, jdbc);
        run = UUID.randomUUID().toString().substring(0, 8);
        a = "lp-a-" + run;
        b = "lp-b-" + run;
        nurse = "Practitioner/lp-nurse-" + run;
        doctor = "Practitioner/lp-doc-" + run;
        c = "lp-c-" + run;
        d = "lp-d-" + run;
        diagnosis = "lp" + run.replace("-", "");
        Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        add(transaction, (Resource) new Practitioner().setId(nurse));
        for (String patient : List.of(a, b)) {
            Patient resource = new Patient();
            resource.setId(patient);
            resource.addName().setFamily("Leak" + patient);
            add(transaction, resource);
            Task task = new Task();
            task.setId(patient + "-task");
            task.setStatus(Task.TaskStatus.REQUESTED);
            task.setIntent(Task.TaskIntent.ORDER);
            task.setFor(new Reference("Patient/" + patient));
            task.setDescription("Call back about results of " + patient);
            add(transaction, task);
            Device device = new Device();
            device.setId(patient + "-dev");
            device.setPatient(new Reference("Patient/" + patient));
            device.addDeviceName().setName("Pacemaker of " + patient).setType(Device.DeviceNameType.USERFRIENDLYNAME);
            add(transaction, device);
            Binary binary = new Binary();
            binary.setId(patient + "-bin");
            binary.setContentType("text/plain");
            binary.setData(("scan of " + patient).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            binary.setSecurityContext(new Reference("Patient/" + patient));
            add(transaction, binary);
        }
        // the nurse treats A only
        Encounter encounter = new Encounter();
        encounter.setId(a + "-enc");
        encounter.setStatus(Encounter.EncounterStatus.INPROGRESS);
        encounter.setClass_(new Coding(ACT_CODE, "AMB", null));
        encounter.setSubject(new Reference("Patient/" + a));
        encounter.addParticipant().setIndividual(new Reference(nurse));
        add(transaction, encounter);
        // C refuses sharing with payers; D refuses treatment access (the doctor treats D)
        for (String patient : List.of(c, d)) {
            Patient resource = new Patient();
            resource.setId(patient);
            resource.addName().setFamily("Leak" + patient);
            add(transaction, resource);
            Encounter visit = new Encounter();
            visit.setId(patient + "-enc");
            visit.setStatus(Encounter.EncounterStatus.INPROGRESS);
            visit.setClass_(new Coding(ACT_CODE, "AMB", null));
            visit.setSubject(new Reference("Patient/" + patient));
            visit.addParticipant().setIndividual(new Reference(doctor));
            add(transaction, visit);
        }
        add(transaction, (Resource) new Practitioner().setId(doctor));
        add(transaction, consent(c + "-consent", c, "data-sharing"));
        add(transaction, consent(d + "-consent", d, "treatment"));
        // A (treated by the nurse) has a psychiatric note the nurse is not cleared for
        Observation psy = new Observation();
        psy.setId(a + "-psynote");
        psy.setStatus(Observation.ObservationStatus.FINAL);
        psy.getCode().addCoding().setSystem(SNOMED).setCode(diagnosis + "psy");
        psy.setSubject(new Reference("Patient/" + a));
        psy.getMeta().addSecurity("http://terminology.hl7.org/CodeSystem/v3-ActCode", "PSY", null);
        add(transaction, psy);
        // B (whom the doctor does not treat) has an observation with a known identifier
        Observation identified = new Observation();
        identified.setId(b + "-ident");
        identified.setStatus(Observation.ObservationStatus.FINAL);
        identified.getCode().setText("identified");
        identified.addIdentifier().setSystem("urn:lp:" + run).setValue("secret");
        identified.setSubject(new Reference("Patient/" + b));
        add(transaction, identified);
        // care with B that is not (or no longer) real: a cancelled visit, one finished 60 days ago,
        // a care team that ended: none of them makes the nurse treat B
        Encounter cancelled = new Encounter();
        cancelled.setId(b + "-cancelled");
        cancelled.setStatus(Encounter.EncounterStatus.CANCELLED);
        cancelled.setClass_(new Coding(ACT_CODE, "AMB", null));
        cancelled.setSubject(new Reference("Patient/" + b));
        cancelled.addParticipant().setIndividual(new Reference(nurse));
        add(transaction, cancelled);
        Encounter old = new Encounter();
        old.setId(b + "-old");
        old.setStatus(Encounter.EncounterStatus.FINISHED);
        old.setClass_(new Coding(ACT_CODE, "AMB", null));
        old.setSubject(new Reference("Patient/" + b));
        old.addParticipant().setIndividual(new Reference(nurse));
        old.getPeriod()
                .setStart(java.util.Date.from(Instant.now().minus(java.time.Duration.ofDays(61))))
                .setEnd(java.util.Date.from(Instant.now().minus(java.time.Duration.ofDays(60))));
        add(transaction, old);
        org.hl7.fhir.r4.model.CareTeam ended = new org.hl7.fhir.r4.model.CareTeam();
        ended.setId(b + "-team");
        ended.setStatus(org.hl7.fhir.r4.model.CareTeam.CareTeamStatus.ACTIVE);
        ended.setSubject(new Reference("Patient/" + b));
        ended.addParticipant().setMember(new Reference(nurse));
        ended.getPeriod().setEnd(java.util.Date.from(Instant.now().minus(java.time.Duration.ofDays(1))));
        add(transaction, ended);
        // a document about A written by C (who refuses sharing beyond treatment), and one of A's alone
        org.hl7.fhir.r4.model.DocumentReference shared = new org.hl7.fhir.r4.model.DocumentReference();
        shared.setId(a + "-shared-doc");
        shared.setStatus(Enumerations.DocumentReferenceStatus.CURRENT);
        shared.setSubject(new Reference("Patient/" + a));
        shared.addAuthor(new Reference("Patient/" + c));
        shared.addContent().getAttachment().setContentType("text/plain").setTitle("letter");
        add(transaction, shared);
        org.hl7.fhir.r4.model.DocumentReference ownDocument = new org.hl7.fhir.r4.model.DocumentReference();
        ownDocument.setId(a + "-own-doc");
        ownDocument.setStatus(Enumerations.DocumentReferenceStatus.CURRENT);
        ownDocument.setSubject(new Reference("Patient/" + a));
        ownDocument.addContent().getAttachment().setContentType("text/plain").setTitle("own letter");
        add(transaction, ownDocument);
        // only B has the diagnosis
        Condition condition = new Condition();
        condition.setId(b + "-cond");
        condition.setSubject(new Reference("Patient/" + b));
        condition.setCode(new CodeableConcept(new Coding(SNOMED, diagnosis, "a diagnosis")));
        add(transaction, condition);
        // an Apgar score of a newborn not yet registered (as in the HL7 R4 examples): its patient is
        // contained, somebody the server cannot identify, under a local id that happens to be the
        // id of A (whom the nurse treats)
        Observation apgar = new Observation();
        apgar.setId("lp-apgar-" + run);
        apgar.setStatus(Observation.ObservationStatus.FINAL);
        apgar.getCode().setText("Apgar score");
        apgar.addIdentifier().setSystem("urn:lp:" + run).setValue("apgar");
        Patient newborn = new Patient();
        newborn.setId(a);
        newborn.addName().setFamily("Newborn" + run);
        apgar.addContained(newborn);
        apgar.setSubject(new Reference("#" + a));
        add(transaction, apgar);
        // C's family history holds, contained, an observation of D's (D refuses treatment access;
        // the doctor treats both); another of C's holds one of C's own
        add(transaction, holding(c + "-family", c, "relative", d, "relative's diabetes " + run));
        add(transaction, holding(c + "-own-family", c, "own", c, "C's own screening " + run));
        Response stored = fhir().send("POST", "", TestFhirClient.FHIR_JSON, TestFhirClient.encode(transaction));
        assertThat(stored.status()).as(stored.body()).isEqualTo(200);

        logins = new TestLogins(
                "https://localhost:" + port,
                TestFhirClient.trusting(certificate()),
                accounts,
                totp,
                clients,
                List.of(
                        "openid",
                        "fhirUser",
                        "launch/patient",
                        "patient/*.rs",
                        "user/*.rs",
                        "user/*.cruds",
                        "user/Organization.rs"));
        viewers.put(
                "patient A",
                client(logins.accessToken(
                        Role.PATIENT, Optional.of("Patient/" + a), "openid fhirUser launch/patient patient/*.rs")));
        viewers.put("physician", client(logins.accessToken(Role.PHYSICIAN, Optional.of(doctor), "user/*.rs")));
        viewers.put("physician cruds", client(logins.accessToken(Role.PHYSICIAN, Optional.of(doctor), "user/*.cruds")));
        viewers.put("nurse", client(logins.accessToken(Role.NURSE, Optional.of(nurse), "user/*.rs")));
        viewers.put(
                "billing",
                client(logins.accessToken(Role.BILLING, Optional.of("Practitioner/lp-billing-" + run), "user/*.rs")));
        viewers.put("auditor", client(logins.accessToken(Role.AUDITOR, Optional.empty(), "user/*.rs")));
        viewers.put(
                "admin Organization.rs",
                client(logins.accessToken(Role.ADMIN, Optional.empty(), "user/Organization.rs")));
    }

    // --- 1. whose data is this: types outside R4's Patient compartment ---

    @Test
    void whenPatientSearchesTasksDevicesBinariesThenOnlyTheirOwn() {
        TestFhirClient patient = viewers.get("patient A");

        for (String type : List.of("Task", "Device")) {
            Response search = patient.get("/" + type + "?_count=200");
            assertThat(search.status()).as(type + " " + search.body()).isEqualTo(200);
            assertThat(ids(search))
                    .as(type)
                    .contains(type + "/" + a + "-" + suffix(type))
                    .allMatch(id -> !id.contains("lp-b-"));
            Response count = patient.get("/" + type + "?_summary=count");
            assertThat(count.as(Bundle.class).getTotal())
                    .as(type + " count")
                    .isEqualTo(ids(search).size());
        }
    }

    @Test
    void whenPatientReadsAnotherPatientsTaskDeviceBinaryThen404AsIfAbsent() {
        TestFhirClient patient = viewers.get("patient A");

        for (String type : List.of("Task", "Device", "Binary")) {
            String other = "/" + type + "/" + b + "-" + suffix(type);
            assertThat(patient.get(other).status()).as(other).isEqualTo(404);
            assertThat(patient.get(other + "/_history/1").status())
                    .as(other + " vread")
                    .isEqualTo(404);
        }
        assertThat(patient.get("/Task/" + a + "-task").status()).isEqualTo(200);
        assertThat(patient.get("/Device/" + a + "-dev").status()).isEqualTo(200);
    }

    @Test
    void whenNurseDoesNotTreatThePatientThenTheirTasksDevicesAndBinariesAreWithheld() {
        TestFhirClient asNurse = viewers.get("nurse");

        for (String type : List.of("Task", "Device", "Binary")) {
            String own = type + "/" + a + "-" + suffix(type);
            String other = type + "/" + b + "-" + suffix(type);
            assertThat(asNurse.get("/" + other).status()).as(other).isEqualTo(404);
            assertThat(asNurse.get("/" + own).status()).as(own).isEqualTo(200);
            Response search = asNurse.get("/" + type + "?_id=" + a + "-" + suffix(type) + "," + b + "-" + suffix(type));
            assertThat(search.status()).as(search.body()).isEqualTo(200);
            assertThat(ids(search)).as(type).containsExactly(own);
        }
    }

    @Test
    void whenNurseReadsTheTreatedPatientsTaskThenTheAccessReportOfThatPatientNamesIt() {
        // the audit trail names the Task's patient, so the patient's access report lists the read
        assertThat(viewers.get("nurse").get("/Task/" + a + "-task").status()).isEqualTo(200);

        Response report =
                viewers.get("auditor").get("/AuditEvent?patient=Patient/" + a + "&entity=Task/" + a + "-task");
        assertThat(report.status()).as(report.body()).isEqualTo(200);
        assertThat(report.as(Bundle.class).getEntry()).isNotEmpty();
    }

    // --- 2. search criteria are reads ---

    @Test
    void whenDataIsAboutAContainedPatientThenOnlyThoseNotBoundByTheRelationshipSeeIt() {
        String apgar = "/Observation/lp-apgar-" + run;
        String search = "/Observation?identifier=urn:lp:" + run + "%7Capgar";

        // whose data it is cannot be decided: never shown under the treatment relationship
        for (String bound : List.of("physician", "physician cruds", "nurse", "patient A")) {
            TestFhirClient viewer = viewers.get(bound);
            assertThat(viewer.get(apgar).status()).as(bound).isEqualTo(404);
            Response found = viewer.get(search);
            assertThat(found.status()).as(bound).isEqualTo(200);
            assertThat(found.as(Bundle.class).getEntry()).as(bound).isEmpty();
            // the type search that met it answered (HAPI's consent visitor once failed on it: 500)
            Response everything = viewer.get("/Observation?_count=500");
            assertThat(everything.status()).as(bound).isLessThan(500);
            assertThat(everything.body()).as(bound).doesNotContain("Newborn" + run);
        }
        // the integration backend reads it as stored, its contained patient with it
        Observation stored = fhir().get(apgar).as(Observation.class);
        assertThat(stored.getContained()).singleElement().isInstanceOf(Patient.class);
        assertThat(fhir().get(search).as(Bundle.class).getEntry()).hasSize(1);
    }

    @Test
    void whenAResourceHoldsWhatTheCallerMayNotSeeThenItIsWithheldWhole() {
        // the doctor may see C's data but not D's: C's record holding D's observation is withheld
        // whole (it once answered 500: HAPI's consent visitor cannot withhold a contained resource)
        TestFhirClient doctor = viewers.get("physician");
        Response plain = doctor.get("/Observation/" + c + "-own-family");
        assertThat(plain.status()).as(plain.body()).isEqualTo(200);
        assertThat(plain.body()).contains("C's own screening " + run); // what it holds, opened
        Response read = doctor.get("/Observation/" + c + "-family");
        assertThat(read.status()).as(read.body()).isEqualTo(404);
        Response search = doctor.get("/Observation?subject=Patient/" + c + "&code:text=family");
        assertThat(search.status()).as(search.body()).isEqualTo(200);
        assertThat(search.as(Bundle.class).getEntry())
                .extracting(entry -> entry.getResource().getIdElement().getIdPart())
                .containsExactly(c + "-own-family");
        // nor in its history, nor included from the patient it is about
        Response history = doctor.get("/Observation/" + c + "-family/_history");
        assertThat(history.status()).as(history.body()).isIn(200, 404);
        if (history.status() == 200) {
            assertThat(history.as(Bundle.class).getEntry())
                    .noneMatch(entry -> entry.hasResource() && entry.getResource() instanceof Observation);
        }
        Response included = doctor.get("/Patient?_id=" + c + "&_revinclude=Observation:subject");
        assertThat(included.status()).as(included.body()).isEqualTo(200);
        assertThat(included.as(Bundle.class).getEntry())
                .extracting(entry -> entry.getResource().getIdElement().getIdPart())
                .contains(c, c + "-own-family")
                .doesNotContain(c + "-family");
        Response everything = doctor.get("/Observation?_count=500");
        assertThat(everything.status()).as(everything.body()).isEqualTo(200);
        assertThat(everything.body()).doesNotContain("relative's diabetes " + run);
    }

    @Test
    void whenBillingFiltersPatientsOnADiagnosisThen403NamingTheParameterNotTheValue() {
        TestFhirClient billing = viewers.get("billing");
        String code = SNOMED + "%7C" + diagnosis;

        for (String path : List.of(
                "/Patient?_has:Condition:subject:code=" + code,
                "/Patient?_has:Condition:subject:code=" + code + "&_summary=count",
                "/Patient?_id=" + a + "&_has:Condition:subject:code=" + code,
                "/Encounter?diagnosis:Condition.code=" + code,
                "/Patient?_has:Encounter:subject:_has:Condition:encounter:code=" + code)) {
            Response response = billing.get(path);
            assertThat(response.status()).as(path + " " + response.body()).isEqualTo(403);
            assertThat(response.body()).contains("OperationOutcome").doesNotContain(diagnosis);
        }
        // the same searches without the criterion are served
        assertThat(billing.get("/Patient?_id=" + b).status()).isEqualTo(200);
    }

    @Test
    void whenCriteriaOrOtherPatientsTasksAreAskedForInsideABatchThenAnsweredAsOnTheirOwn() {
        String code = SNOMED + "%7C" + diagnosis;

        // criteria the caller may not use refuse the whole bundle, whatever the data
        Response billing = viewers.get("billing").post("", batch("Patient?_has:Condition:subject:code=" + code));
        Response hiddenSort = viewers.get("billing").post("", batch("Encounter?_sort=reason-code"));
        Response patientCriteria =
                viewers.get("patient A").post("", batch("Practitioner?_has:Task:owner:patient=Patient/" + b));
        for (Response refused : List.of(billing, hiddenSort, patientCriteria)) {
            assertThat(refused.status()).as(refused.body()).isEqualTo(403);
            assertThat(refused.body()).doesNotContain(diagnosis);
        }

        // a patient's Task search in a batch is narrowed to them like the same search on its own
        Response tasks = viewers.get("patient A").post("", batch("Task?_count=200", "Task/" + b + "-task"));
        assertThat(tasks.status()).as(tasks.body()).isEqualTo(200);
        Bundle answers = tasks.as(Bundle.class);
        assertThat(answers.getEntry().get(0).getResponse().getStatus())
                .as(tasks.body())
                .startsWith("200");
        assertThat(((Bundle) answers.getEntry().get(0).getResource()).getEntry())
                .extracting(entry -> entry.getResource()
                        .getIdElement()
                        .toUnqualifiedVersionless()
                        .getValue())
                .contains("Task/" + a + "-task")
                .allMatch(id -> !id.contains("lp-b-"));
        assertThat(answers.getEntry().get(1).getResponse().getStatus()).startsWith("404");
    }

    private static Bundle batch(String... urls) {
        Bundle batch = new Bundle().setType(Bundle.BundleType.BATCH);
        for (String url : urls) {
            batch.addEntry().getRequest().setMethod(Bundle.HTTPVerb.GET).setUrl(url);
        }
        return batch;
    }

    @Test
    void whenRevincludeOfATypeTheCallerMayNotReadThenRefusedWhetherOrNotThereIsAMatch() {
        TestFhirClient billing = viewers.get("billing");

        // B has a Condition, A has none: the answer must not tell them apart
        Response withCondition = billing.get("/Patient?_id=" + b + "&_revinclude=Condition:subject");
        Response without = billing.get("/Patient?_id=" + a + "&_revinclude=Condition:subject");

        assertThat(withCondition.status()).isEqualTo(403);
        assertThat(without.status()).isEqualTo(403);
    }

    @Test
    void whenPatientUsesCriteriaOnOtherPatientsDataThenRefusedButOwnCriteriaServed() {
        TestFhirClient patient = viewers.get("patient A");

        // which practitioners performed B's observations: Practitioner searches are not narrowed
        Response other = patient.get("/Practitioner?_has:Task:owner:patient=Patient/" + b);
        assertThat(other.status()).as(other.body()).isEqualTo(403);
        Response own = patient.get("/Patient?_has:Task:patient:status=requested");
        assertThat(own.status()).as(own.body()).isEqualTo(200);
        assertThat(ids(own)).containsExactly("Patient/" + a);
    }

    @Test
    void whenNurseUsesAReverseChainOverDataWithheldFromThemThen403() {
        // A is treated by the nurse, but A's psychiatric note is withheld from them
        TestFhirClient asNurse = viewers.get("nurse");
        assertThat(asNurse.get("/Observation/" + a + "-psynote").status()).isEqualTo(404);

        Response chained = asNurse.get("/Patient?_has:Observation:subject:code=" + SNOMED + "%7C" + diagnosis + "psy");

        assertThat(chained.status()).as(chained.body()).isEqualTo(403);
        assertThat(chained.body()).doesNotContain(diagnosis);
    }

    @Test
    void whenClinicianWritesConditionallyOrValidatesAStoredInstanceThenNoAnswerTellsAWithheldResourceExists() {
        TestFhirClient physician = viewers.get("physician cruds");
        Observation duplicate = new Observation();
        duplicate.setStatus(Observation.ObservationStatus.FINAL);
        duplicate.getCode().setText("duplicate");
        duplicate.setSubject(new Reference("Patient/" + c));
        String body = TestFhirClient.encode(duplicate);

        Response create = physician.send(
                "POST",
                "/Observation",
                TestFhirClient.FHIR_JSON,
                body,
                "If-None-Exist",
                "identifier=urn:lp:" + run + "%7Csecret");
        Response update = physician.send(
                "PUT", "/Observation?identifier=urn:lp:" + run + "%7Csecret", TestFhirClient.FHIR_JSON, body);
        Response validate = physician.get("/Observation/" + b + "-ident/$validate?mode=delete");
        Response validateMissing = physician.get("/Observation/" + b + "-nothing/$validate?mode=delete");

        for (Response response : List.of(create, update, validate, validateMissing)) {
            assertThat(response.status()).as(response.body()).isEqualTo(403);
        }
        assertThat(fhir().get("/Observation?identifier=urn:lp:" + run + "%7Csecret")
                        .as(Bundle.class)
                        .getEntry())
                .hasSize(1);
    }

    // --- 5. the treatment relationship comes from real care, registered by someone else ---

    @Test
    void whenClinicianRegistersCareForThemselfThen403AnAlertAndNoRelationship() throws Exception {
        TestFhirClient physician = viewers.get("physician cruds");
        Encounter own = new Encounter();
        own.setStatus(Encounter.EncounterStatus.INPROGRESS);
        own.setClass_(new Coding(ACT_CODE, "AMB", null));
        own.setSubject(new Reference("Patient/" + a));
        own.addParticipant().setIndividual(new Reference(doctor));
        org.hl7.fhir.r4.model.CareTeam team = new org.hl7.fhir.r4.model.CareTeam();
        team.setStatus(org.hl7.fhir.r4.model.CareTeam.CareTeamStatus.ACTIVE);
        team.setSubject(new Reference("Patient/" + a));
        team.addParticipant().setMember(new Reference(doctor));

        Response encounter = physician.post("/Encounter", own);
        Response careTeam = physician.post("/CareTeam", team);

        assertThat(encounter.status()).as(encounter.body()).isEqualTo(403);
        assertThat(careTeam.status()).as(careTeam.body()).isEqualTo(403);
        assertThat(physician.get("/Task/" + a + "-task").status()).isEqualTo(404);
        // for a patient the doctor already treats, documenting care is fine
        own.setSubject(new Reference("Patient/" + c));
        assertThat(physician.post("/Encounter", own).status()).isEqualTo(201);
        Instant deadline = Instant.now().plusSeconds(10);
        boolean alerted = false;
        while (!alerted && Instant.now().isBefore(deadline)) {
            alerted = viewers.get("auditor")
                    .get("/AuditEvent?subtype=self-made-relationship&_count=200")
                    .body()
                    .contains(doctor);
            if (!alerted) {
                Thread.sleep(200);
            }
        }
        assertThat(alerted)
                .as("a self-made-relationship alert naming the doctor")
                .isTrue();
    }

    @Test
    void whenClinicianUpdatesOrDeletesAWithheldResourceByIdThenItAnswersAsIfAbsentAndNothingChanges() {
        TestFhirClient physician = viewers.get("physician cruds");
        Observation changed = new Observation();
        changed.setId(b + "-ident");
        changed.setStatus(Observation.ObservationStatus.CANCELLED);
        changed.getCode().setText("overwritten");
        changed.setSubject(new Reference("Patient/" + b));

        Response update = physician.put("/Observation/" + b + "-ident", changed);
        Response delete = physician.delete("/Observation/" + b + "-ident");
        Response deleteMissing = physician.delete("/Observation/" + b + "-nothing");
        Response createById =
                physician.put("/Observation/" + b + "-nothing", (Observation) changed.setId(b + "-nothing"));

        for (Response response : List.of(update, delete, deleteMissing, createById)) {
            assertThat(response.status()).as(response.body()).isEqualTo(404);
        }
        assertThat(delete.body().replace(b + "-ident", "ID"))
                .isEqualTo(deleteMissing.body().replace(b + "-nothing", "ID"));
        Observation stored = fhir().get("/Observation/" + b + "-ident").as(Observation.class);
        assertThat(stored.getCode().getText()).isEqualTo("identified");
        // the positive control: the doctor writes what consent shows them (C, whom they treat)
        Observation own = new Observation();
        own.setStatus(Observation.ObservationStatus.FINAL);
        own.getCode().setText("doctor's note");
        own.setSubject(new Reference("Patient/" + c));
        String id = physician.create("/Observation", own);
        own.setId(id);
        own.getCode().setText("doctor's note, amended");
        assertThat(physician.put("/Observation/" + id, own).status()).isEqualTo(200);
        assertThat(physician.delete("/Observation/" + id).status()).isEqualTo(200);
    }

    // --- 4. purpose of use ---

    @Test
    void whenBillingStatesTreatmentThen403AndTheRefusalIsAudited() {
        Response refused = viewers.get("billing").get("/Patient/" + a, "X-Purpose-Of-Use", "TREAT");

        assertThat(refused.status()).as(refused.body()).isEqualTo(403);
        assertThat(refused.body()).contains("TREAT").contains("X-Purpose-Of-Use");
        Bundle audit = viewers.get("auditor")
                .get("/AuditEvent?entity=Patient/" + a + "&_count=200")
                .as(Bundle.class);
        assertThat(audit.getEntry())
                .map(entry -> (org.hl7.fhir.r4.model.AuditEvent) entry.getResource())
                .anySatisfy(event -> {
                    assertThat(event.getOutcome().toCode()).isNotEqualTo("0");
                    assertThat(event.getPurposeOfEventFirstRep()
                                    .getCodingFirstRep()
                                    .getCode())
                            .isEqualTo("TREAT");
                });
        assertThat(viewers.get("billing")
                        .get("/Patient/" + a, "X-Purpose-Of-Use", "HPAYMT")
                        .status())
                .isEqualTo(200);
    }

    @Test
    void whenPatientRefusesSharingWithPayersThenBillingNoLongerSeesThem() {
        TestFhirClient billing = viewers.get("billing");

        // billing's requests are for payment without saying so: the Consent binds them
        assertThat(billing.get("/Patient/" + c).status()).isEqualTo(404);
        assertThat(billing.get("/Encounter/" + c + "-enc").status()).isEqualTo(404);
        assertThat(ids(billing.get("/Encounter?_id=" + c + "-enc," + d + "-enc")))
                .containsExactly("Encounter/" + d + "-enc");
        assertThat(billing.get("/Patient/" + d).status()).isEqualTo(200);
    }

    @Test
    void whenPhysicianExcludedByATreatmentConsentStatesAnotherPurposeThenStillExcluded() {
        TestFhirClient physician = viewers.get("physician");

        assertThat(physician.get("/Encounter/" + d + "-enc").status()).isEqualTo(404);
        for (String purpose : List.of("HOPERAT", "PUBHLTH", "CAREMGT")) {
            Response stated = physician.get("/Encounter/" + d + "-enc", "X-Purpose-Of-Use", purpose);
            assertThat(stated.status()).as(purpose + " " + stated.body()).isEqualTo(404);
        }
        // the positive control: the same doctor sees C, who refuses payers only
        assertThat(physician.get("/Encounter/" + c + "-enc").status()).isEqualTo(200);
        assertThat(physician
                        .get("/Encounter/" + c + "-enc", "X-Purpose-Of-Use", "HPAYMT")
                        .status())
                .isEqualTo(403);
    }

    // --- 6. patients see only themselves; a label on any version protects every version ---

    @Test
    void whenOneAuditRecordNamesSeveralPatientsThenThePatientsViewShowsOnlyThemselves() {
        // one request that touched A's and B's data, found by a query naming both
        Response both = fhir().get("/Task?_id=" + a + "-task," + b + "-task");
        assertThat(ids(both)).hasSize(2);
        TestFhirClient patient = viewers.get("patient A");

        Response events = patient.get("/AuditEvent?patient=Patient/" + a + "&_count=200");
        Response report = patient.get("/Patient/" + a + "/$access-report");
        Response csv = patient.get("/Patient/" + a + "/$access-report?format=csv");

        for (Response view : List.of(events, report, csv)) {
            assertThat(view.status()).as(view.body()).isEqualTo(200);
            assertThat(view.body())
                    .doesNotContain(b)
                    .doesNotContain("127.0.0.1")
                    .doesNotContain("_id=");
        }
        assertThat(events.as(Bundle.class).getEntry()).isNotEmpty();
        // the auditor sees the whole record
        Response audited = viewers.get("auditor").get("/AuditEvent?patient=Patient/" + a + "&_count=200");
        assertThat(audited.body()).contains(b);
    }

    @Test
    void whenAResourceIsAlsoAnotherPatientsThenThatPatientsConsentsBindThePatientsOwnToken() {
        TestFhirClient patient = viewers.get("patient A");

        assertThat(patient.get("/DocumentReference/" + a + "-own-doc").status()).isEqualTo(200);
        assertThat(patient.get("/DocumentReference/" + a + "-shared-doc").status())
                .isEqualTo(404);
        Response search = patient.get("/DocumentReference?_count=200");
        assertThat(ids(search))
                .contains("DocumentReference/" + a + "-own-doc")
                .doesNotContain("DocumentReference/" + a + "-shared-doc");
    }

    @Test
    void whenALaterVersionIsLabelledThenEarlierVersionsAreWithheldToo() {
        String id = a + "-psy";
        Observation observation = new Observation();
        observation.setId(id);
        observation.setStatus(Observation.ObservationStatus.FINAL);
        observation.getCode().setText("therapy note");
        observation.setSubject(new Reference("Patient/" + a));
        assertThat(fhir().put("/Observation/" + id, observation).status()).isIn(200, 201);
        TestFhirClient asNurse = viewers.get("nurse");
        assertThat(asNurse.get("/Observation/" + id).status())
                .as("unlabelled, treated patient")
                .isEqualTo(200);

        observation.getMeta().addSecurity("http://terminology.hl7.org/CodeSystem/v3-ActCode", "PSY", null);
        assertThat(fhir().put("/Observation/" + id, observation).status()).isEqualTo(200);

        assertThat(asNurse.get("/Observation/" + id).status()).isEqualTo(404);
        assertThat(asNurse.get("/Observation/" + id + "/_history/1").status()).isEqualTo(404);
        Response history = asNurse.get("/Observation/" + id + "/_history");
        assertThat(history.as(Bundle.class).getEntry()).as(history.body()).isEmpty();
    }

    // --- 3. operations need scopes; irreversible ones a recent second factor ---

    @Test
    void whenAdminAppGrantedOnlyOrganizationsRunsEraseKeysThen403AndNothingErased() {
        Parameters confirm = new Parameters();
        confirm.addParameter("confirm", new StringType("Patient/" + b));

        Response erased = viewers.get("admin Organization.rs").post("/Patient/" + b + "/$erase-keys", confirm);
        Response rotated = viewers.get("admin Organization.rs").post("/$rotate-data-keys", new Parameters());

        assertThat(erased.status()).as(erased.body()).isEqualTo(403);
        assertThat(erased.body()).contains("OperationOutcome").contains("Patient.d");
        assertThat(rotated.status()).as(rotated.body()).isEqualTo(403);
        Patient stored = fhir().get("/Patient/" + b).as(Patient.class);
        assertThat(stored.getNameFirstRep().getFamily()).isEqualTo("Leak" + b);
        assertThat(stored.getMeta().getSecurity()).noneMatch(label -> "REDACTED".equals(label.getCode()));
    }

    @Test
    void whenAdminsSecondFactorIsOlderThanFiveMinutesThenEraseKeysAsksForStepUp() throws Exception {
        // a stored, valid admin token whose only change is an auth_time of ten minutes ago
        String token = logins.accessToken(Role.ADMIN, Optional.empty(), "user/*.cruds");
        String stale = tokens.withClaims(
                token, Map.of("auth_time", Instant.now().minusSeconds(600).getEpochSecond()));
        String patient = "lp-erase-" + run;
        Patient resource = new Patient();
        resource.addName().setFamily("Erasable");
        fhir().put("/Patient/" + patient, (Patient) resource.setId(patient));
        Parameters confirm = new Parameters();
        confirm.addParameter("confirm", new StringType("Patient/" + patient));

        Response stepUp = client(stale).post("/Patient/" + patient + "/$erase-keys", confirm);
        assertThat(stepUp.status()).as(stepUp.body()).isEqualTo(403);
        assertThat(stepUp.body()).contains("second factor");
        assertThat(stepUp.header("WWW-Authenticate")).contains("insufficient_user_authentication");
        assertThat(fhir().get("/Patient/" + patient)
                        .as(Patient.class)
                        .getNameFirstRep()
                        .getFamily())
                .isEqualTo("Erasable");

        String fresh = tokens.withClaims(
                stale, Map.of("auth_time", Instant.now().minusSeconds(60).getEpochSecond()));
        Response done = client(fresh).post("/Patient/" + patient + "/$erase-keys", confirm);
        assertThat(done.status()).as(done.body()).isEqualTo(200);
    }

    /** A family history of {@code patient} holding, contained, an observation of {@code heldPatient}. */
    private static Observation holding(String id, String patient, String heldId, String heldPatient, String heldText) {
        Observation history = observation(id, patient, "family history");
        history.addContained(observation(heldId, heldPatient, heldText));
        history.addHasMember(new Reference("#" + heldId));
        return history;
    }

    private static Observation observation(String id, String patient, String text) {
        return TestResources.observation(id, patient, text);
    }

    private static org.hl7.fhir.r4.model.Consent consent(String id, String patient, String category) {
        org.hl7.fhir.r4.model.Consent consent = new org.hl7.fhir.r4.model.Consent();
        consent.setId(id);
        consent.setStatus(org.hl7.fhir.r4.model.Consent.ConsentState.ACTIVE);
        consent.setScope(new CodeableConcept(
                new Coding("http://terminology.hl7.org/CodeSystem/consentscope", "patient-privacy", null)));
        consent.addCategory(new CodeableConcept(new Coding("urn:securefhir:consent-category", category, null)));
        consent.setPatient(new Reference("Patient/" + patient));
        consent.getProvision().setType(org.hl7.fhir.r4.model.Consent.ConsentProvisionType.DENY);
        return consent;
    }

    private static String suffix(String type) {
        return switch (type) {
            case "Task" -> "task";
            case "Device" -> "dev";
            default -> "bin";
        };
    }

    private TestFhirClient client(String token) {
        return new TestFhirClient(
                "https://localhost:" + port + "/fhir", TestFhirClient.trusting(certificate()), () -> token);
    }

    private static Set<String> ids(Response search) {
        Set<String> ids = new TreeSet<>();
        for (Bundle.BundleEntryComponent entry : search.as(Bundle.class).getEntry()) {
            ids.add(entry.getResource()
                    .getIdElement()
                    .toUnqualifiedVersionless()
                    .getValue());
        }
        return ids;
    }

    private static void add(Bundle transaction, Resource resource) {
        String reference = resource.getIdElement().toUnqualifiedVersionless().getValue();
        if (!reference.contains("/")) {
            reference = resource.fhirType() + "/" + reference;
        }
        transaction
                .addEntry()
                .setResource(resource)
                .getRequest()
                .setMethod(Bundle.HTTPVerb.PUT)
                .setUrl(reference);
    }
}
