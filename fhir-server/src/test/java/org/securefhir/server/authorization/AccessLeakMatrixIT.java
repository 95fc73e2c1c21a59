package org.securefhir.server.authorization;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Claim;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Coverage;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.Money;
import org.hl7.fhir.r4.model.Narrative;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.securefhir.auth.mfa.TotpService;
import org.securefhir.auth.user.Role;
import org.securefhir.auth.user.UserAccounts;
import org.securefhir.server.support.AbstractFhirServerIT;
import org.securefhir.server.support.TestFhirClient;
import org.securefhir.server.support.TestFhirClient.Response;
import org.securefhir.server.support.TestLogins;
import org.securefhir.server.support.TestTokens;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;

/**
 * The leak matrix (issue 4): two patients with full charts (Encounter, Observation, Condition,
 * Claim, Coverage, Consent, Provenance, DocumentReference, Binary), every request shape that has
 * leaked data in FHIR servers, run with real tokens of every role and scope kind, asserting that
 * no response body (whatever its status) contains anything the token may not see, and that no
 * request is a server error. The physician's token is the positive control: it must see what the
 * others must not, so the matrix cannot pass by seeing nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AccessLeakMatrixIT extends AbstractFhirServerIT {

    private static final String LAB_ONLY =
            "patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory";

    @Autowired
    private UserAccounts accounts;

    @Autowired
    private TotpService totp;

    @Autowired
    private RegisteredClientRepository clients;

    private Chart a;
    private Chart b;
    private final Map<String, Viewer> viewers = new LinkedHashMap<>();

    /** A patient's chart: resource ids and the markers written into each kind of data. */
    record Chart(String label, String patient, String ids) {
        String id(String kind) {
            return patient + "-" + kind;
        }

        String demographics() {
            return "DEMO" + label;
        }

        String narrative() {
            return "NARR" + label;
        }

        String reason() {
            return "REASON" + label;
        }

        String clinical() {
            return "CLIN" + label;
        }

        String vital() {
            return "VITAL" + label;
        }

        String claim() {
            return "BILL" + label;
        }

        String coverage() {
            return "COV" + label;
        }

        /** Every marker and id of the chart. */
        List<String> everything() {
            List<String> all = new ArrayList<>(
                    List.of(demographics(), narrative(), reason(), clinical(), vital(), claim(), coverage(), patient));
            return all;
        }

        List<String> clinicalOnly() {
            return List.of(
                    clinical(),
                    vital(),
                    reason(),
                    narrative(),
                    id("obs"),
                    id("cond"),
                    id("doc"),
                    id("bin"),
                    id("task"),
                    id("dev"));
        }
    }

    /** A token and what it must never see. */
    record Viewer(String name, TestFhirClient fhir, List<String> forbidden) {
        /** Writes are run only by tokens that may not change B's chart (the others legitimately could). */
        boolean writesShapes() {
            return forbidden.stream().anyMatch(marker -> marker.startsWith("leak-b-"));
        }
    }

    @BeforeAll
    void loadChartsAndSignIn() {
        String run = UUID.randomUUID().toString().substring(0, 8);
        a = new Chart("A" + run, "leak-a-" + run, "");
        b = new Chart("B" + run, "leak-b-" + run, "");
        store(a);
        store(b);

        TestLogins logins = new TestLogins(
                "https://localhost:" + port,
                TestFhirClient.trusting(certificate()),
                accounts,
                totp,
                clients,
                List.of(
                        "openid",
                        "fhirUser",
                        "launch",
                        "launch/patient",
                        "patient/*.rs",
                        "patient/*.cruds",
                        "user/*.rs",
                        "user/*.cruds",
                        LAB_ONLY));
        List<String> allOfA = a.everything();
        List<String> allOfB = b.everything();

        // positive control first: it also leaves cached searches behind for the others
        viewers.put(
                "physician user/*.cruds",
                viewer(
                        "physician user/*.cruds",
                        logins.accessToken(
                                Role.PHYSICIAN, Optional.of("Practitioner/doc"), "openid fhirUser user/*.cruds"),
                        List.of()));
        viewers.put(
                "patient A patient/*.rs",
                viewer(
                        "patient A patient/*.rs",
                        logins.accessToken(
                                Role.PATIENT,
                                Optional.of("Patient/" + a.patient()),
                                "openid fhirUser launch/patient patient/*.rs"),
                        concat(allOfB)));
        viewers.put(
                "patient A granular laboratory only",
                viewer(
                        "patient A granular laboratory only",
                        logins.accessToken(
                                Role.PATIENT, Optional.of("Patient/" + a.patient()), "launch/patient " + LAB_ONLY),
                        concat(allOfB, List.of(a.vital(), a.reason(), a.claim(), a.coverage(), a.demographics()))));
        String launch = logins.mintLaunch(Map.of("patient", a.patient()));
        viewers.put(
                "physician in patient A's context patient/*.cruds",
                viewer(
                        "physician in patient A's context patient/*.cruds",
                        logins.tokens(
                                        Role.PHYSICIAN,
                                        Optional.of("Practitioner/doc"),
                                        "openid fhirUser launch patient/*.cruds",
                                        Optional.of(launch))
                                .path("access_token")
                                .asText(),
                        concat(allOfB)));
        viewers.put(
                "nurse user/*.cruds",
                viewer(
                        "nurse user/*.cruds",
                        logins.accessToken(Role.NURSE, Optional.of("Practitioner/nurse"), "user/*.cruds"),
                        List.of(a.claim(), b.claim(), a.coverage(), b.coverage())));
        viewers.put(
                "front-desk user/*.cruds",
                viewer(
                        "front-desk user/*.cruds",
                        logins.accessToken(Role.FRONT_DESK, Optional.of("Practitioner/desk"), "user/*.cruds"),
                        concat(a.clinicalOnly(), b.clinicalOnly(), List.of(a.claim(), b.claim()))));
        viewers.put(
                "billing user/*.cruds",
                viewer(
                        "billing user/*.cruds",
                        logins.accessToken(Role.BILLING, Optional.of("Practitioner/billing"), "user/*.cruds"),
                        concat(a.clinicalOnly(), b.clinicalOnly())));
        viewers.put(
                "auditor user/*.rs",
                viewer(
                        "auditor user/*.rs",
                        logins.accessToken(Role.AUDITOR, Optional.empty(), "user/*.rs"),
                        concat(allOfA, allOfB)));
        viewers.put(
                "admin user/*.cruds",
                viewer(
                        "admin user/*.cruds",
                        logins.accessToken(Role.ADMIN, Optional.empty(), "user/*.cruds"),
                        concat(allOfA, allOfB)));
        TestTokens billingService = new TestTokens(
                "https://localhost:" + port,
                TestFhirClient.trusting(certificate()),
                clients,
                "system/*.rs",
                List.of("billing"));
        viewers.put(
                "billing backend service system/*.rs",
                new Viewer(
                        "billing backend service system/*.rs",
                        new TestFhirClient(baseUrl(), TestFhirClient.trusting(certificate()), billingService),
                        concat(a.clinicalOnly(), b.clinicalOnly())));
    }

    @TestFactory
    Stream<DynamicNode> noResponseOfAnyShapeShowsWhatTheTokenMayNotSee() {
        return viewers.values().stream()
                .map(viewer -> DynamicContainer.dynamicContainer(
                        viewer.name(),
                        shapes().stream()
                                .filter(shape -> shape.method().equals("GET")
                                        || shape.path().isEmpty()
                                        || viewer.writesShapes())
                                .map(shape -> DynamicTest.dynamicTest(
                                        shape.name(), () -> assertNoLeak(viewer, shape, shape.send(viewer.fhir()))))));
    }

    @Test
    void whenPhysicianThenBothChartsVisibleSoTheMatrixCanFail() {
        TestFhirClient physician = viewer("physician user/*.cruds");

        assertThat(physician.get("/Observation?subject=Patient/" + b.patient()).body())
                .contains(b.clinical())
                .contains(b.vital());
        assertThat(physician.get("/Patient/" + b.patient() + "/$everything").body())
                .contains(b.claim())
                .contains(b.reason());
    }

    @Test
    void whenPatientReadsAnotherPatientsDataThen404AsIfAbsentAndOwnDataVisible() {
        TestFhirClient patientA = viewer("patient A patient/*.rs");

        assertThat(patientA.get("/Patient/" + b.patient()).status()).isEqualTo(404);
        assertThat(patientA.get("/Observation/" + b.id("obs")).status()).isEqualTo(404);
        assertThat(patientA.get("/Patient/" + a.patient()).body()).contains(a.demographics());
        Response everything = patientA.get("/Patient/" + a.patient() + "/$everything");
        assertThat(everything.status()).as(everything.body()).isEqualTo(200);
        assertThat(everything.body()).contains(a.clinical()).contains(a.claim());
        int countOfA = fhir().get("/Observation?subject=Patient/" + a.patient() + "&_count=200")
                .as(Bundle.class)
                .getEntry()
                .size();
        assertThat(patientA.get("/Observation?_summary=count").as(Bundle.class).getTotal())
                .isEqualTo(countOfA);
    }

    @Test
    void whenRoleLacksTheTypeThen403WithOperationOutcome() {
        Response billing = viewer("billing user/*.cruds").get("/Observation?patient=" + a.patient());
        Response auditor = viewer("auditor user/*.rs").get("/Patient/" + a.patient());
        Response nurseDeletes = viewer("nurse user/*.cruds").delete("/Condition/" + a.id("cond"));

        for (Response response : List.of(billing, auditor, nurseDeletes)) {
            assertThat(response.status()).as(response.body()).isEqualTo(403);
            assertThat(response.body()).contains("OperationOutcome").contains("Access denied");
        }
    }

    @Test
    void whenGranularScopeThenOnlyMatchingResourcesAreFound() {
        Response labs = viewer("patient A granular laboratory only").get("/Observation");

        assertThat(labs.status()).as(labs.body()).isEqualTo(200);
        assertThat(labs.body()).contains(a.clinical()).doesNotContain(a.vital());
    }

    @Test
    void whenFrontDeskReadsEncounterThenClinicalReasonHiddenAndKeptWhenTheyUpdateIt() {
        TestFhirClient frontDesk = viewer("front-desk user/*.cruds");

        Response read = frontDesk.get("/Encounter/" + a.id("enc"));
        assertThat(read.body()).doesNotContain(a.reason()).contains("REDACTED");
        Encounter encounter = read.as(Encounter.class);
        encounter.setStatus(Encounter.EncounterStatus.CANCELLED);
        Response updated = frontDesk.put("/Encounter/" + a.id("enc"), encounter);
        assertThat(updated.status()).as(updated.body()).isEqualTo(200);

        Encounter stored = fhir().get("/Encounter/" + a.id("enc")).as(Encounter.class);
        assertThat(stored.getStatus()).isEqualTo(Encounter.EncounterStatus.CANCELLED);
        assertThat(stored.getReasonCodeFirstRep().getText()).isEqualTo(a.reason());
        assertThat(stored.getMeta().getSecurity())
                .noneMatch(code -> code.getCode().equals("REDACTED"));
        assertThat(frontDesk.get("/Encounter?reason-code=x").status()).isEqualTo(403);
    }

    @Test
    void whenPageFetchedWithAnotherTokenThenRefused() {
        TestFhirClient physician = viewer("physician user/*.cruds");
        Bundle first = physician.get("/Observation?_count=1").as(Bundle.class);
        String next = first.getLink("next").getUrl();

        assertThat(physician.get(next).status()).isEqualTo(200);
        for (String other : List.of("patient A patient/*.rs", "nurse user/*.cruds", "billing user/*.cruds")) {
            Response page = viewer(other).get(next);
            assertThat(page.status()).as(other).isEqualTo(403);
            assertThat(page.body()).doesNotContain("Observation/");
        }
    }

    @Test
    void whenPatientContextUpdateMovesResourceToAnotherPatientThenRefusedAndUnchanged() {
        TestFhirClient inContext = viewer("physician in patient A's context patient/*.cruds");

        Response moved = inContext.send(
                "PUT",
                "/Observation/" + a.id("obs2"),
                TestFhirClient.FHIR_JSON,
                observation(a.id("obs2"), b.patient(), "moved"));
        Response created = inContext.send(
                "POST", "/Observation", TestFhirClient.FHIR_JSON, observation(null, b.patient(), "planted"));
        Response own =
                inContext.send("POST", "/Observation", TestFhirClient.FHIR_JSON, observation(null, a.patient(), "own"));

        assertThat(moved.status()).as(moved.body()).isEqualTo(403);
        assertThat(created.status()).as(created.body()).isEqualTo(403);
        assertThat(own.status()).as(own.body()).isEqualTo(201);
        assertThat(fhir().get("/Observation/" + a.id("obs2"))
                        .as(Observation.class)
                        .getSubject()
                        .getReference())
                .isEqualTo("Patient/" + a.patient());
        assertThat(fhir().get("/Observation?subject=Patient/" + b.patient() + "&code:text=planted")
                        .as(Bundle.class)
                        .getEntry())
                .isEmpty();
    }

    private TestFhirClient viewer(String name) {
        return viewers.get(name).fhir();
    }

    // --- the request shapes ---

    record Shape(String name, String method, String path, String contentType, String body, String... headers) {
        Response send(TestFhirClient fhir) {
            return fhir.send(method, path, contentType, body, headers);
        }

        static Shape write(String name, String method, String path, String body, String... headers) {
            return new Shape(name, method, path, body == null ? null : TestFhirClient.FHIR_JSON, body, headers);
        }
    }

    private List<Shape> shapes() {
        String bp = b.patient();
        List<Shape> shapes = new ArrayList<>(List.of(
                get("read", "/Patient/" + bp),
                get("read clinical", "/Observation/" + b.id("obs")),
                get("vread", "/Observation/" + b.id("obs") + "/_history/1"),
                get("read Binary", "/Binary/" + b.id("bin")),
                get("read Task", "/Task/" + b.id("task")),
                get("read Device", "/Device/" + b.id("dev")),
                get("Task search", "/Task?_count=200"),
                get("Device search", "/Device?_count=200"),
                get("Task by patient", "/Task?patient=Patient/" + bp),
                get("type search", "/Observation"),
                get("search by subject", "/Observation?subject=Patient/" + bp),
                get("search by patient", "/Observation?patient=" + bp),
                get("search by value", "/Patient?family=" + b.demographics()),
                get("system search", "/?_type=Observation,Condition,Patient"),
                get("compartment search", "/Patient/" + bp + "/Observation"),
                get("_include", "/Observation?_include=Observation:subject"),
                get("_include of another's", "/Observation?_id=" + b.id("obs") + "&_include=Observation:subject"),
                get("_revinclude", "/Patient?_revinclude=Observation:subject&_revinclude=Claim:patient"),
                get(
                        "_revinclude:iterate",
                        "/Encounter?_include=Encounter:subject&_revinclude:iterate=Condition:subject"
                                + "&_revinclude:iterate=Provenance:target"),
                get("_include Provenance targets", "/Provenance?_include=Provenance:target"),
                get("chained", "/Observation?subject.family=" + b.demographics()),
                get("chained to id", "/Observation?subject:Patient._id=" + bp),
                get("_has", "/Patient?_has:Observation:subject:_id=" + b.id("obs")),
                get("_has on claim", "/Patient?_has:Claim:patient:_id=" + b.id("claim")),
                get("instance history", "/Patient/" + bp + "/_history"),
                get("type history", "/Observation/_history"),
                get("system history", "/_history"),
                get("$everything of another", "/Patient/" + bp + "/$everything"),
                get("$everything of A", "/Patient/" + a.patient() + "/$everything"),
                get("_summary=count", "/Observation?_summary=count"),
                get("Bundle.total", "/Observation?_total=accurate&_count=1"),
                get("_elements", "/Observation?_elements=subject,code"),
                get("claims", "/Claim?patient=" + bp),
                get("coverage", "/Coverage?beneficiary=Patient/" + bp),
                get("consent", "/Consent?patient=" + bp),
                get("encounters", "/Encounter?subject=" + bp),
                get("documents", "/DocumentReference?subject=" + bp),
                get("GraphQL", "/$graphql?query=%7BPatient(id:%22" + bp + "%22)%7Bname%7Bfamily%7D%7D%7D"),
                Shape.write("batch of GETs", "POST", "", batch("batch")),
                Shape.write("transaction of GETs", "POST", "", batch("transaction")),
                Shape.write(
                        "conditional create matching another's",
                        "POST",
                        "/Observation",
                        observation(null, a.patient(), "conditional"),
                        "If-None-Exist",
                        "subject=Patient/" + bp),
                Shape.write(
                        "conditional update of another's",
                        "PUT",
                        "/Observation?subject=Patient/" + bp,
                        observation(null, a.patient(), "conditional")),
                Shape.write("conditional delete of another's", "DELETE", "/Observation?subject=Patient/" + bp, null),
                new Shape(
                        "patch of another's",
                        "PATCH",
                        "/Observation/" + b.id("obs"),
                        "application/json-patch+json",
                        "[{\"op\":\"replace\",\"path\":\"/status\",\"value\":\"cancelled\"}]"),
                Shape.write(
                        "update moving A's into B's compartment",
                        "PUT",
                        "/Observation/" + a.id("obs2"),
                        observation(a.id("obs2"), bp, "moved")),
                Shape.write(
                        "create in another's compartment", "POST", "/Observation", observation(null, bp, "planted")),
                Shape.write("delete of another's", "DELETE", "/Observation/" + b.id("obs"), null)));
        return shapes;
    }

    private static Shape get(String name, String path) {
        return new Shape(name, "GET", path, null, null);
    }

    private String batch(String type) {
        return "{\"resourceType\":\"Bundle\",\"type\":\"" + type + "\",\"entry\":["
                + "{\"request\":{\"method\":\"GET\",\"url\":\"Patient/" + b.patient() + "\"}},"
                + "{\"request\":{\"method\":\"GET\",\"url\":\"Observation?subject=Patient/" + b.patient() + "\"}},"
                + "{\"request\":{\"method\":\"GET\",\"url\":\"Claim/" + b.id("claim") + "\"}}]}";
    }

    private static String observation(String id, String patient, String text) {
        Observation observation = new Observation();
        observation.setId(id);
        observation.setStatus(Observation.ObservationStatus.FINAL);
        observation.getCode().setText(text);
        observation.setSubject(new Reference("Patient/" + patient));
        return TestFhirClient.encode(observation);
    }

    // --- assertions ---

    /**
     * No forbidden marker in the response, except that a response may echo what the request itself
     * said (an id in the URL, in a Bundle's self link or in an OperationOutcome): markers the
     * request contained are looked for in the returned resources only.
     */
    /**
     * What a token that may see nothing of patient B gets for a request naming B's resources must
     * be what it gets for a patient that does not exist: the same status, and for a search the
     * same number of entries and the same total. Otherwise the answer itself (not its content)
     * tells that B and B's data exist.
     */
    @TestFactory
    Stream<DynamicNode> aTokenThatMayNotSeePatientBGetsForBWhatItGetsForNobody() {
        String ghost = b.patient().replace("leak-b-", "leak-z-");
        return viewers.values().stream()
                .filter(viewer -> viewer.forbidden().contains(b.patient()))
                .map(viewer -> DynamicContainer.dynamicContainer(
                        viewer.name(),
                        shapes().stream()
                                .filter(shape -> shape.method().equals("GET")
                                        && shape.path().contains(b.patient()))
                                .map(shape -> DynamicTest.dynamicTest(shape.name(), () -> {
                                    Response real = shape.send(viewer.fhir());
                                    Response nobody = new Shape(
                                                    shape.name(),
                                                    "GET",
                                                    shape.path().replace(b.patient(), ghost),
                                                    null,
                                                    null)
                                            .send(viewer.fhir());
                                    assertSameAnswer(viewer, shape, real, nobody);
                                }))));
    }

    private static void assertSameAnswer(Viewer viewer, Shape shape, Response real, Response nobody) {
        String what = viewer.name() + ", " + shape.name() + ": " + real.body() + " | for nobody: " + nobody.body();
        assertThat(real.status()).as(what).isEqualTo(nobody.status());
        if (real.status() == 200
                && real.body().contains("\"Bundle\"")
                && nobody.body().contains("\"Bundle\"")) {
            Bundle shown = real.as(Bundle.class);
            Bundle none = nobody.as(Bundle.class);
            assertThat(shown.getEntry().size())
                    .as(what)
                    .isEqualTo(none.getEntry().size());
            assertThat(shown.hasTotal()).as(what).isEqualTo(none.hasTotal());
            if (shown.hasTotal()) {
                assertThat(shown.getTotal()).as(what).isEqualTo(none.getTotal());
            }
        }
    }

    private void assertNoLeak(Viewer viewer, Shape shape, Response response) {
        assertThat(response.status())
                .as("%s, %s: server error %s", viewer.name(), shape.name(), response.body())
                .isLessThan(500);
        String request = shape.path() + " " + (shape.body() == null ? "" : shape.body());
        String resources = returnedResources(response.body());
        for (String forbidden : viewer.forbidden()) {
            String where = request.contains(forbidden) ? resources : response.body();
            assertThat(where)
                    .as(
                            "%s, %s (status %d) must not show %s: %s",
                            viewer.name(), shape.name(), response.status(), forbidden, response.body())
                    .doesNotContain(forbidden);
        }
    }

    /** The resources of a response (bundle entries, nested too), without links and OperationOutcomes. */
    private static String returnedResources(String body) {
        IBaseResource parsed;
        try {
            parsed = TestFhirClient.fhir().newJsonParser().parseResource(body);
        } catch (RuntimeException notFhir) {
            return body;
        }
        StringBuilder resources = new StringBuilder();
        collect(parsed, resources);
        return resources.toString();
    }

    private static void collect(IBaseResource resource, StringBuilder out) {
        if (resource == null || resource instanceof OperationOutcome) {
            return;
        }
        if (resource instanceof Bundle bundle) {
            for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
                collect(entry.getResource(), out);
                if (entry.hasResponse()) {
                    collect(entry.getResponse().getOutcome(), out);
                }
            }
            return;
        }
        out.append(TestFhirClient.encode(resource)).append('\n');
    }

    // --- fixtures ---

    private Viewer viewer(String name, String accessToken, List<String> forbidden) {
        return new Viewer(
                name,
                new TestFhirClient(baseUrl(), TestFhirClient.trusting(certificate()), () -> accessToken),
                forbidden);
    }

    private String baseUrl() {
        return "https://localhost:" + port + "/fhir";
    }

    @SafeVarargs
    private static List<String> concat(List<String>... lists) {
        return Stream.of(lists).flatMap(List::stream).distinct().toList();
    }

    /** Stores a full chart with client-assigned ids (so that ids are markers too). */
    private void store(Chart chart) {
        Reference subject = new Reference("Patient/" + chart.patient());
        Patient patient = new Patient();
        patient.setId(chart.patient());
        patient.addName().setFamily(chart.demographics()).addGiven("Test");
        patient.setGender(Enumerations.AdministrativeGender.OTHER);
        // the clinicians of the matrix treat both patients (consent's treatment relationship)
        patient.addGeneralPractitioner(new Reference("Practitioner/doc"));
        patient.setText(new Narrative().setStatus(Narrative.NarrativeStatus.GENERATED));
        patient.getText().setDivAsString("<div xmlns=\"http://www.w3.org/1999/xhtml\">" + chart.narrative() + "</div>");

        Encounter encounter = new Encounter();
        encounter.setId(chart.id("enc"));
        encounter.setStatus(Encounter.EncounterStatus.FINISHED);
        encounter.setClass_(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "AMB", "ambulatory"));
        encounter.setSubject(subject);
        encounter.addParticipant().setIndividual(new Reference("Practitioner/nurse"));
        encounter.addReasonCode(new CodeableConcept().setText(chart.reason()));

        Observation lab = new Observation();
        lab.setId(chart.id("obs"));
        lab.setStatus(Observation.ObservationStatus.FINAL);
        lab.addCategory(new CodeableConcept(
                new Coding("http://terminology.hl7.org/CodeSystem/observation-category", "laboratory", null)));
        lab.getCode().setText(chart.clinical() + " hemoglobin");
        lab.setSubject(subject);
        lab.setEncounter(new Reference("Encounter/" + chart.id("enc")));

        Observation vital = new Observation();
        vital.setId(chart.id("obs2"));
        vital.setStatus(Observation.ObservationStatus.FINAL);
        vital.addCategory(new CodeableConcept(
                new Coding("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs", null)));
        vital.getCode().setText(chart.vital() + " heart rate");
        vital.setSubject(subject);

        Condition condition = new Condition();
        condition.setId(chart.id("cond"));
        condition.getCode().setText(chart.clinical() + " diagnosis");
        condition.setSubject(subject);

        Coverage coverage = new Coverage();
        coverage.setId(chart.id("cov"));
        coverage.setStatus(Coverage.CoverageStatus.ACTIVE);
        coverage.setBeneficiary(subject);
        coverage.setSubscriberId(chart.coverage());
        coverage.addPayor(new Reference().setDisplay("Test Insurance"));

        Claim claim = new Claim();
        claim.setId(chart.id("claim"));
        claim.setStatus(Claim.ClaimStatus.ACTIVE);
        claim.setType(new CodeableConcept(
                new Coding("http://terminology.hl7.org/CodeSystem/claim-type", "professional", null)));
        claim.setUse(Claim.Use.CLAIM);
        claim.setPatient(subject);
        claim.setCreated(new Date());
        claim.setProvider(new Reference().setDisplay("Test Clinic"));
        claim.setPriority(new CodeableConcept(
                new Coding("http://terminology.hl7.org/CodeSystem/processpriority", "normal", null)));
        claim.addInsurance().setSequence(1).setFocal(true).setCoverage(new Reference("Coverage/" + chart.id("cov")));
        claim.addItem()
                .setSequence(1)
                .setProductOrService(new CodeableConcept().setText(chart.claim()))
                .setNet(new Money().setValue(100).setCurrency("USD"));

        Consent consent = new Consent();
        consent.setId(chart.id("consent"));
        consent.setStatus(Consent.ConsentState.ACTIVE);
        consent.setScope(new CodeableConcept(
                new Coding("http://terminology.hl7.org/CodeSystem/consentscope", "patient-privacy", null)));
        consent.addCategory(new CodeableConcept(new Coding("http://loinc.org", "59284-0", null)));
        consent.addCategory(new CodeableConcept(new Coding("urn:securefhir:consent-category", "treatment", null)));
        consent.setPatient(subject);
        consent.getProvision().setType(Consent.ConsentProvisionType.PERMIT);
        // front-desk staff record consents: what a Consent says is not clinical data
        consent.setPolicyRule(new CodeableConcept().setText(chart.demographics() + " consent"));

        Provenance provenance = new Provenance();
        provenance.setId(chart.id("prov"));
        provenance.addTarget(new Reference("Observation/" + chart.id("obs")));
        provenance.addTarget(subject);
        provenance.setRecorded(new Date());
        provenance.addAgent().setWho(new Reference().setDisplay("Lab system"));
        provenance.addReason(new CodeableConcept().setText(chart.clinical() + " provenance"));

        Binary binary = new Binary();
        binary.setId(chart.id("bin"));
        binary.setContentType("text/plain");
        binary.setData((chart.clinical() + " report").getBytes(StandardCharsets.UTF_8));
        binary.setSecurityContext(subject);

        DocumentReference document = new DocumentReference();
        document.setId(chart.id("doc"));
        document.setStatus(Enumerations.DocumentReferenceStatus.CURRENT);
        document.setSubject(subject);
        document.setDescription(chart.clinical() + " discharge summary");
        document.addContent().getAttachment().setContentType("text/plain").setUrl("Binary/" + chart.id("bin"));

        // patient data R4 leaves out of the Patient compartment (PatientOwnership)
        org.hl7.fhir.r4.model.Task task = new org.hl7.fhir.r4.model.Task();
        task.setId(chart.id("task"));
        task.setStatus(org.hl7.fhir.r4.model.Task.TaskStatus.REQUESTED);
        task.setIntent(org.hl7.fhir.r4.model.Task.TaskIntent.ORDER);
        task.setFor(subject);
        task.setDescription(chart.clinical() + " follow-up call");
        org.hl7.fhir.r4.model.Device device = new org.hl7.fhir.r4.model.Device();
        device.setId(chart.id("dev"));
        device.setPatient(subject);
        device.addDeviceName()
                .setName(chart.clinical() + " pacemaker")
                .setType(org.hl7.fhir.r4.model.Device.DeviceNameType.USERFRIENDLYNAME);

        Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        for (Resource resource : List.of(
                new org.hl7.fhir.r4.model.Practitioner().setId("doc"),
                new org.hl7.fhir.r4.model.Practitioner().setId("nurse"),
                patient,
                encounter,
                lab,
                vital,
                condition,
                coverage,
                claim,
                consent,
                provenance,
                binary,
                document,
                task,
                device)) {
            transaction
                    .addEntry()
                    .setResource(resource)
                    .getRequest()
                    .setMethod(Bundle.HTTPVerb.PUT)
                    .setUrl(resource.fhirType() + "/" + resource.getIdElement().getIdPart());
        }
        Response stored = fhir().post("", transaction);
        assertThat(stored.status()).as(stored.body()).isEqualTo(200);
    }
}
