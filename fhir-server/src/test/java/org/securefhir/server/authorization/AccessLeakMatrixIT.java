package org.securefhir.server.authorization;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Stream;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Account;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Claim;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Contract;
import org.hl7.fhir.r4.model.Coverage;
import org.hl7.fhir.r4.model.Device;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.DomainResource;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.ImagingStudy;
import org.hl7.fhir.r4.model.Money;
import org.hl7.fhir.r4.model.Narrative;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Person;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.Task;
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
import org.securefhir.server.support.TestResources;
import org.securefhir.server.support.TestTokens;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;

/**
 * The leak matrix: two patients with full charts (Encounter, Observation, Condition, a
 * psychiatry-labelled Condition, Claim, Coverage, Consent, Provenance, DocumentReference, Binary,
 * Task, Device), every request shape that has leaked data in FHIR servers, run with real tokens of
 * every role and scope kind over HTTPS.
 *
 * <p>Each viewer has a {@link Sight}: which of the charts' resources it may see, written here from
 * the access policy, consent rules and scopes (independently of the server's code). Every response
 * is compared with it: no returned resource the viewer may not see, no hidden element; for a search
 * whose complete answer is known (the same request by the omniscient tokens), exactly the entries it
 * may see, a total that counts only those, and for {@code _sort} the same order. A token that may
 * see nothing of patient B gets for B what it gets for a patient that does not exist (status, number
 * of entries, total). Every role runs every write shape against a throw-away chart: a write it may
 * make takes effect, any other changes nothing and answers as it would for a chart that does not
 * exist.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AccessLeakMatrixIT extends AbstractFhirServerIT {

    private static final String LAB_ONLY =
            "patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory";
    private static final String TAG_SYSTEM = "urn:securefhir:test:leak-matrix";
    private static final String PSY = "PSY";

    @Autowired
    private UserAccounts accounts;

    @Autowired
    private TotpService totp;

    @Autowired
    private RegisteredClientRepository clients;

    private String run;
    private Chart a;
    private Chart b;
    /** A Contract (integration-only type) naming patient C: no role but integration may reach it. */
    private String contract;

    private final Map<String, Viewer> viewers = new LinkedHashMap<>();
    /** The charts' resources as stored (unredacted), by "Type/id"; others looked up when met. */
    private final Map<String, Optional<Resource>> stored = new HashMap<>();
    /** The patients of this class's charts (A, B and the throw-away charts of the write shapes). */
    private final Set<String> chartPatients = new LinkedHashSet<>();

    private final AtomicInteger throwAway = new AtomicInteger();
    /** Per viewer, how many searches were compared entry by entry (the matrix must not pass by skipping). */
    private final Map<String, AtomicInteger> exactComparisons = new java.util.concurrent.ConcurrentHashMap<>();

    /** A patient's chart: resource ids and the markers written into each kind of data. */
    record Chart(String label, String patient) {
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

        String psychiatric() {
            return "PSYCH" + label;
        }

        String claim() {
            return "BILL" + label;
        }

        String coverage() {
            return "COV" + label;
        }
    }

    /**
     * Which of the charts' resources a viewer may see, judged on the stored resource and the patient
     * it belongs to.
     */
    @FunctionalInterface
    interface Sight {
        boolean sees(Resource resource, String owner);
    }

    /** Which Observation writes a viewer may make in a patient's chart ("create", "update", ...). */
    @FunctionalInterface
    interface Writes {
        boolean may(String interaction, String owner);
    }

    /** A token, what it may see, which writes it may make, and the element markers hidden from it. */
    record Viewer(String name, TestFhirClient fhir, Sight sight, Writes writes, List<String> hidden) {}

    @BeforeAll
    void loadChartsAndSignIn() {
        run = UUID.randomUUID().toString().substring(0, 8);
        a = new Chart("A" + run, "leak-a-" + run);
        b = new Chart("B" + run, "leak-b-" + run);
        store(a);
        store(b);
        storeIntegrationOnly();

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
        String pa = a.patient();
        Sight nothing = (resource, owner) -> false;
        Writes none = (interaction, owner) -> false;
        List<String> clinicalElements = List.of(a.reason(), b.reason(), a.narrative(), b.narrative());

        // the positive control: the physician treats both patients, is cleared for PSY, writes all
        viewers.put(
                "physician user/*.cruds",
                new Viewer(
                        "physician user/*.cruds",
                        client(logins.accessToken(
                                Role.PHYSICIAN, Optional.of("Practitioner/doc"), "openid fhirUser user/*.cruds")),
                        // everything but the integration-only types (access-policy.yaml)
                        (resource, owner) -> !(resource instanceof Contract),
                        // conditional writes by users' apps would tell what consent withholds (docs/consent.md)
                        (interaction, owner) -> !interaction.equals("conditional"),
                        List.of()));
        viewers.put(
                "patient A patient/*.rs",
                new Viewer(
                        "patient A patient/*.rs",
                        client(logins.accessToken(
                                Role.PATIENT,
                                Optional.of("Patient/" + pa),
                                "openid fhirUser launch/patient patient/*.rs")),
                        (resource, owner) -> owner.equals(pa) && !(resource instanceof Contract),
                        none,
                        List.of()));
        viewers.put(
                "patient A granular laboratory only",
                new Viewer(
                        "patient A granular laboratory only",
                        client(logins.accessToken(
                                Role.PATIENT, Optional.of("Patient/" + pa), "launch/patient " + LAB_ONLY)),
                        (resource, owner) -> owner.equals(pa)
                                && resource instanceof Observation observation
                                && observation.getCategory().stream()
                                        .anyMatch(category -> category.hasCoding(
                                                "http://terminology.hl7.org/CodeSystem/observation-category",
                                                "laboratory")),
                        none,
                        List.of()));
        String launch = logins.mintLaunch(Map.of("patient", pa));
        viewers.put(
                "physician in patient A's context patient/*.cruds",
                new Viewer(
                        "physician in patient A's context patient/*.cruds",
                        client(logins.tokens(
                                        Role.PHYSICIAN,
                                        Optional.of("Practitioner/doc"),
                                        "openid fhirUser launch patient/*.cruds",
                                        Optional.of(launch))
                                .path("access_token")
                                .asText()),
                        (resource, owner) -> owner.equals(pa) && !(resource instanceof Contract),
                        (interaction, owner) -> owner.equals(pa) && !interaction.equals("conditional"),
                        List.of()));
        // the nurse takes part in every chart's encounter (treatment relationship); not cleared for PSY
        viewers.put(
                "nurse user/*.cruds",
                new Viewer(
                        "nurse user/*.cruds",
                        client(logins.accessToken(Role.NURSE, Optional.of("Practitioner/nurse"), "user/*.cruds")),
                        (resource, owner) -> !(resource instanceof Claim)
                                && !(resource instanceof Coverage)
                                && !(resource instanceof Account)
                                && !(resource instanceof Contract)
                                && !labelled(resource, PSY),
                        (interaction, owner) ->
                                Set.of("create", "update", "patch").contains(interaction),
                        List.of()));
        viewers.put(
                "front-desk user/*.cruds",
                new Viewer(
                        "front-desk user/*.cruds",
                        client(logins.accessToken(Role.FRONT_DESK, Optional.of("Practitioner/desk"), "user/*.cruds")),
                        types("Patient", "Person", "Encounter", "Coverage", "Consent"),
                        none,
                        clinicalElements));
        Sight billing = types("Patient", "Person", "Encounter", "Claim", "Coverage", "Account");
        viewers.put(
                "billing user/*.cruds",
                new Viewer(
                        "billing user/*.cruds",
                        client(logins.accessToken(Role.BILLING, Optional.of("Practitioner/billing"), "user/*.cruds")),
                        billing,
                        none,
                        clinicalElements));
        viewers.put(
                "auditor user/*.rs",
                new Viewer(
                        "auditor user/*.rs",
                        client(logins.accessToken(Role.AUDITOR, Optional.empty(), "user/*.rs")),
                        nothing,
                        none,
                        List.of()));
        viewers.put(
                "admin user/*.cruds",
                new Viewer(
                        "admin user/*.cruds",
                        client(logins.accessToken(Role.ADMIN, Optional.empty(), "user/*.cruds")),
                        nothing,
                        none,
                        List.of()));
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
                        billing,
                        none,
                        clinicalElements));
    }

    private static Sight types(String... types) {
        Set<String> visible = Set.of(types);
        return (resource, owner) -> visible.contains(resource.fhirType());
    }

    /** Labelled, or holding a contained resource that is: a container carries what it holds. */
    private static boolean labelled(Resource resource, String code) {
        return resource.getMeta().getSecurity().stream().anyMatch(label -> code.equals(label.getCode()))
                || (resource instanceof DomainResource domain
                        && domain.getContained().stream().anyMatch(held -> labelled(held, code)));
    }

    // --- reads: every viewer, every request shape ---

    @TestFactory
    Stream<DynamicNode> everyResponseShowsExactlyWhatTheViewerMaySee() {
        return viewers.values().stream()
                .map(viewer -> DynamicContainer.dynamicContainer(
                        viewer.name(),
                        readShapes().stream()
                                .map(shape -> DynamicTest.dynamicTest(
                                        shape.name(), () -> assertShowsWhatItMaySee(viewer, shape)))));
    }

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
                .filter(viewer -> chartOf(b.patient()).stream()
                        .noneMatch(resource -> viewer.sight().sees(resource, b.patient())))
                .map(viewer -> DynamicContainer.dynamicContainer(
                        viewer.name(),
                        readShapes().stream()
                                .filter(shape -> shape.path().contains(b.patient())
                                        || (shape.body() != null && shape.body().contains(b.patient())))
                                .map(shape -> DynamicTest.dynamicTest(shape.name(), () -> {
                                    Response real = shape.send(viewer.fhir());
                                    Response nobody =
                                            shape.replacing(b.patient(), ghost).send(viewer.fhir());
                                    assertSameAnswer(
                                            viewer.name() + ", " + shape.name(),
                                            real,
                                            nobody,
                                            Map.of(ghost, b.patient()));
                                }))));
    }

    private void assertShowsWhatItMaySee(Viewer viewer, Shape shape) {
        Response response = shape.send(viewer.fhir());
        String what = viewer.name() + ", " + shape.name() + " (status " + response.status() + "): " + response.body();
        assertThat(response.status()).as("server error: %s", what).isLessThan(500);

        // 1. no resource it may not see, anywhere in the answer (entries, includes, nested bundles)
        IBaseResource parsed = parse(response.body());
        List<Resource> returned = new ArrayList<>();
        collect(parsed, returned);
        for (Resource resource : returned) {
            Optional<Resource> original = storedCopy(resource);
            String owner = original.map(AccessLeakMatrixIT::ownerOf).orElse(null);
            if (owner != null && chartPatients.contains(owner)) {
                assertThat(viewer.sight().sees(original.get(), owner))
                        .as("shows %s: %s", key(resource), what)
                        .isTrue();
            }
            String encoded = TestFhirClient.encode(resource);
            for (String hidden : viewer.hidden()) {
                assertThat(encoded)
                        .as("shows a hidden element (%s): %s", hidden, what)
                        .doesNotContain(hidden);
            }
        }
        // 2. no value of what it may not see in any other text (errors, non-FHIR answers), unless
        // the request itself said it
        String request = shape.path() + " " + (shape.body() == null ? "" : shape.body());
        String rest = parsed == null ? response.body() : outcomesOf(parsed);
        for (String unseen : unseenValues(viewer)) {
            if (!request.contains(unseen)) {
                assertThat(rest).as("tells %s: %s", unseen, what).doesNotContain(unseen);
            }
        }
        // 3. criteria or an order on an element hidden from the viewer: refused
        if (shape.touches().stream().anyMatch(viewer.hidden()::contains)) {
            assertThat(response.status())
                    .as("searches a hidden element: %s", what)
                    .isBetween(400, 499);
            return;
        }
        // 4. a search whose whole answer is known: exactly the entries it may see, counted and ordered
        if (shape.method().equals("GET")
                && parsed instanceof Bundle bundle
                && bundle.getType() == Bundle.BundleType.SEARCHSET) {
            assertExactSearch(viewer, shape, bundle, what);
        }
    }

    /**
     * The same search by the omniscient tokens (the integration backend and the physician, who
     * together see every chart resource), all matches on one page: the entries the viewer may see of
     * those must be what it got, its total their number, and with {@code _sort} their order.
     */
    private void assertExactSearch(Viewer viewer, Shape shape, Bundle shown, String what) {
        String complete = onePage(shape.path());
        List<Bundle> omniscient = new ArrayList<>();
        for (TestFhirClient knowsAll :
                List.of(fhir(), viewers.get("physician user/*.cruds").fhir())) {
            Response response = knowsAll.get(complete);
            if (response.status() == 200) {
                Bundle all = response.as(Bundle.class);
                if (all.getLink("next") == null) {
                    omniscient.add(all);
                }
            }
        }
        if (omniscient.isEmpty()) {
            return;
        }
        Set<String> expected = new LinkedHashSet<>();
        Map<String, Resource> originals = new HashMap<>();
        boolean onlyChartData = true;
        List<String> physiciansOrder = new ArrayList<>();
        for (Bundle all : omniscient) {
            physiciansOrder.clear();
            for (Resource match : matches(all)) {
                Resource original = storedCopy(match).orElse(match);
                String owner = ownerOf(original);
                if (owner == null || !chartPatients.contains(owner)) {
                    onlyChartData = false;
                    continue;
                }
                if (viewer.sight().sees(original, owner)) {
                    originals.put(key(match), original);
                    expected.add(key(match));
                    physiciansOrder.add(key(match));
                }
            }
        }
        if (shape.criteria() != null) {
            Set<String> joins = visibleCriteria(viewer, shape.criteria());
            expected.removeIf(
                    match -> !joins.contains(shape.criteria().fromMatch().apply(originals.get(match))));
            physiciansOrder.retainAll(expected);
        }
        List<String> got = matches(shown).stream()
                .filter(match -> storedCopy(match)
                        .map(AccessLeakMatrixIT::ownerOf)
                        .filter(chartPatients::contains)
                        .isPresent())
                .map(AccessLeakMatrixIT::key)
                .toList();
        if (shown.getLink("next") == null && !shape.path().contains("_summary=count")) {
            exactComparisons
                    .computeIfAbsent(viewer.name(), name -> new AtomicInteger())
                    .incrementAndGet();
            assertThat(got).as("entries: %s", what).containsExactlyInAnyOrderElementsOf(expected);
            if (shape.path().contains("_sort") && omniscient.size() == 2) {
                assertThat(got).as("order: %s", what).containsExactlyElementsOf(physiciansOrder);
            }
        } else {
            assertThat(expected).as("entries: %s", what).containsAll(got);
        }
        if (shown.hasTotal() && onlyChartData) {
            assertThat(shown.getTotal()).as("total: %s", what).isEqualTo(expected.size());
        }
    }

    /** The join keys of the criteria resources the viewer may see (by the omniscient tokens' search). */
    private Set<String> visibleCriteria(Viewer viewer, Criteria criteria) {
        Set<String> joins = new LinkedHashSet<>();
        for (TestFhirClient knowsAll :
                List.of(fhir(), viewers.get("physician user/*.cruds").fhir())) {
            Response response = knowsAll.get(onePage(criteria.path()));
            if (response.status() != 200) {
                continue;
            }
            for (Resource found : matches(response.as(Bundle.class))) {
                Resource original = storedCopy(found).orElse(found);
                String owner = ownerOf(original);
                if (owner == null || viewer.sight().sees(original, owner)) {
                    joins.add(criteria.fromCriteria().apply(original));
                }
            }
        }
        return joins;
    }

    /**
     * The same status, and for a search the same number of entries and total; for an error the same
     * text once the ids that differ are swapped ({@code swap}: nobody's id to the real one).
     */
    private static void assertSameAnswer(String what, Response real, Response nobody, Map<String, String> swap) {
        String both = what + ": " + real.body() + " | for nobody: " + nobody.body();
        assertThat(real.status()).as(both).isEqualTo(nobody.status());
        if (real.status() >= 400) {
            String nobodysText = diagnostics(nobody.body());
            for (Map.Entry<String, String> ids : swap.entrySet()) {
                nobodysText = nobodysText.replace(ids.getKey(), ids.getValue());
            }
            assertThat(diagnostics(real.body())).as("error text: %s", both).isEqualTo(nobodysText);
        }
        if (real.status() == 200
                && parse(real.body()) instanceof Bundle shown
                && shown.getType() != Bundle.BundleType.SEARCHSET
                && parse(nobody.body()) instanceof Bundle none) {
            // a batch's entries: each answered alike
            assertThat(shown.getEntry()).as(both).hasSameSizeAs(none.getEntry());
            for (int i = 0; i < shown.getEntry().size(); i++) {
                Bundle.BundleEntryResponseComponent one =
                        shown.getEntry().get(i).getResponse();
                Bundle.BundleEntryResponseComponent other =
                        none.getEntry().get(i).getResponse();
                assertThat(one.getStatus()).as("entry %d: %s", i, both).isEqualTo(other.getStatus());
                String otherText = other.getOutcome() == null ? "" : TestFhirClient.encode(other.getOutcome());
                for (Map.Entry<String, String> ids : swap.entrySet()) {
                    otherText = otherText.replace(ids.getKey(), ids.getValue());
                }
                assertThat(one.getOutcome() == null ? "" : TestFhirClient.encode(one.getOutcome()))
                        .as("entry %d text: %s", i, both)
                        .isEqualTo(otherText);
            }
        }
        if (real.status() == 200
                && real.body().contains("\"Bundle\"")
                && nobody.body().contains("\"Bundle\"")) {
            Bundle shown = real.as(Bundle.class);
            Bundle none = nobody.as(Bundle.class);
            assertThat(shown.getEntry().size())
                    .as(both)
                    .isEqualTo(none.getEntry().size());
            assertThat(shown.hasTotal()).as(both).isEqualTo(none.hasTotal());
            if (shown.hasTotal()) {
                assertThat(shown.getTotal()).as(both).isEqualTo(none.getTotal());
            }
        }
    }

    private static String diagnostics(String body) {
        IBaseResource parsed = parse(body);
        if (!(parsed instanceof OperationOutcome outcome)) {
            return body;
        }
        return outcome.getIssue().stream()
                .map(issue -> issue.getSeverity() + " " + issue.getCode() + " " + issue.getDiagnostics())
                .toList()
                .toString();
    }

    /** A search's path with every match on one page (and entries where it asked for a count). */
    private static String onePage(String path) {
        String bare = path.replaceAll("[?&]_summary=count", "").replaceAll("[?&]_count=\\d+", "");
        if (!bare.contains("?")) {
            bare = bare.replaceFirst("&", "?");
        }
        return bare + (bare.contains("?") ? "&" : "?") + "_count=500";
    }

    private static List<Resource> matches(Bundle bundle) {
        return bundle.getEntry().stream()
                .filter(entry -> !entry.hasSearch() || entry.getSearch().getMode() != Bundle.SearchEntryMode.INCLUDE)
                .map(Bundle.BundleEntryComponent::getResource)
                .filter(resource -> resource != null && !(resource instanceof OperationOutcome))
                .toList();
    }

    private static String key(IBaseResource resource) {
        return TestFhirClient.fhir().getResourceType(resource) + "/"
                + resource.getIdElement().getIdPart();
    }

    /** The ids and values of the charts' data a viewer may not see (or elements hidden from it). */
    private List<String> unseenValues(Viewer viewer) {
        List<String> values = new ArrayList<>(viewer.hidden());
        for (Chart chart : List.of(a, b)) {
            for (Resource resource : chartOf(chart.patient())) {
                if (!viewer.sight().sees(resource, chart.patient())) {
                    values.add(resource.getIdElement().getIdPart());
                    values.addAll(markersOf(resource, chart));
                }
            }
        }
        return values.stream().distinct().toList();
    }

    private static List<String> markersOf(Resource resource, Chart chart) {
        return switch (resource.fhirType()) {
            case "Patient" -> List.of(chart.demographics());
            case "Claim" -> List.of(chart.claim());
            case "Coverage" -> List.of(chart.coverage());
            case "Encounter" -> List.of(chart.reason());
            case "Condition", "Observation" -> labelled(resource, PSY) ? List.of(chart.psychiatric()) : List.of();
            default -> List.of();
        };
    }

    private List<Resource> chartOf(String patient) {
        return stored.values().stream()
                .flatMap(Optional::stream)
                .filter(resource -> patient.equals(ownerOf(resource)))
                .toList();
    }

    /**
     * The stored, unredacted copy of a returned resource (as the omniscient tokens read it: the
     * integration backend, else the physician cleared for labelled data).
     */
    private Optional<Resource> storedCopy(IBaseResource resource) {
        if (resource == null || !resource.getIdElement().hasIdPart()) {
            return Optional.empty();
        }
        String key = key(resource);
        return stored.computeIfAbsent(key, missing -> {
            for (TestFhirClient knowsAll :
                    List.of(fhir(), viewers.get("physician user/*.cruds").fhir())) {
                Response read = knowsAll.get("/" + missing);
                if (read.status() == 200) {
                    return Optional.of(
                            (Resource) TestFhirClient.fhir().newJsonParser().parseResource(read.body()));
                }
            }
            return Optional.empty();
        });
    }

    /**
     * The patient a chart resource belongs to, written here from R4's definitions (not from the
     * server's ownership table): null for data of nobody.
     */
    static String ownerOf(Resource resource) {
        Reference reference = new Reference();
        if (resource instanceof Patient) {
            reference = new Reference("Patient/" + resource.getIdElement().getIdPart());
        } else if (resource instanceof Observation observation) {
            reference = observation.getSubject();
        } else if (resource instanceof Condition condition) {
            reference = condition.getSubject();
        } else if (resource instanceof Encounter encounter) {
            reference = encounter.getSubject();
        } else if (resource instanceof DocumentReference document) {
            reference = document.getSubject();
        } else if (resource instanceof Claim claim) {
            reference = claim.getPatient();
        } else if (resource instanceof Coverage coverage) {
            reference = coverage.getBeneficiary();
        } else if (resource instanceof Consent consent) {
            reference = consent.getPatient();
        } else if (resource instanceof Binary binary) {
            reference = binary.getSecurityContext();
        } else if (resource instanceof Task task) {
            reference = task.getFor();
        } else if (resource instanceof Device device) {
            reference = device.getPatient();
        } else if (resource instanceof ImagingStudy study) {
            reference = study.getSubject();
        } else if (resource instanceof Account account) {
            reference = account.getSubjectFirstRep();
        } else if (resource instanceof Person person) {
            reference = person.getLinkFirstRep().getTarget();
        } else if (resource instanceof Contract contract) {
            // R4 leaves Contract out of the Patient compartment: served to the integration role only
            reference = contract.getSubjectFirstRep();
        } else if (resource instanceof Provenance provenance) {
            reference = provenance.getTarget().stream()
                    .filter(target -> target.getReference() != null
                            && target.getReference().startsWith("Patient/"))
                    .findFirst()
                    .orElse(reference);
        }
        String value = reference.getReference();
        return value != null && value.startsWith("Patient/") ? value.substring("Patient/".length()) : null;
    }

    private static IBaseResource parse(String body) {
        try {
            return TestFhirClient.fhir().newJsonParser().parseResource(body);
        } catch (RuntimeException notFhir) {
            return null;
        }
    }

    /** Resources of an answer (bundle entries, nested bundles too), without OperationOutcomes. */
    private static void collect(IBaseResource resource, List<Resource> out) {
        if (resource == null || resource instanceof OperationOutcome) {
            return;
        }
        if (resource instanceof Bundle bundle) {
            for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
                collect(entry.getResource(), out);
            }
            return;
        }
        out.add((Resource) resource);
    }

    /** Text of an answer outside its resources: OperationOutcomes (also of bundle entries) and links. */
    private static String outcomesOf(IBaseResource resource) {
        if (resource instanceof OperationOutcome) {
            return TestFhirClient.encode(resource);
        }
        StringBuilder text = new StringBuilder();
        if (resource instanceof Bundle bundle) {
            for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
                text.append(outcomesOf(entry.getResource()));
                if (entry.hasResponse() && entry.getResponse().getOutcome() != null) {
                    text.append(outcomesOf(entry.getResponse().getOutcome()));
                }
            }
        }
        return text.toString();
    }

    // --- the request shapes ---

    /**
     * The search a shape's criteria ({@code _has}, chains) run over: a match may be shown only if a
     * criteria resource the viewer may see joins it ({@code fromCriteria} and {@code fromMatch} give
     * the join key, e.g. "Patient/x").
     */
    record Criteria(String path, Function<Resource, String> fromCriteria, Function<Resource, String> fromMatch) {}

    /**
     * A request; {@code touches} are markers of elements its criteria or sort order read (a viewer
     * they are hidden from must be refused).
     */
    record Shape(
            String name,
            String method,
            String path,
            String contentType,
            String body,
            Criteria criteria,
            List<String> touches,
            List<String> headers) {
        Response send(TestFhirClient fhir) {
            return fhir.send(method, path, contentType, body, headers.toArray(String[]::new));
        }

        Shape replacing(String from, String to) {
            return new Shape(
                    name,
                    method,
                    path.replace(from, to),
                    contentType,
                    body == null ? null : body.replace(from, to),
                    criteria,
                    touches,
                    headers);
        }

        Shape touching(String... markers) {
            return new Shape(name, method, path, contentType, body, criteria, List.of(markers), headers);
        }

        Shape over(String criteriaPath, Function<Resource, String> fromCriteria, Function<Resource, String> fromMatch) {
            return new Shape(
                    name,
                    method,
                    path,
                    contentType,
                    body,
                    new Criteria(criteriaPath, fromCriteria, fromMatch),
                    touches,
                    headers);
        }

        static Shape get(String name, String path) {
            return new Shape(name, "GET", path, null, null, null, List.of(), List.of());
        }

        static Shape write(String name, String method, String path, String body, String... headers) {
            return new Shape(
                    name,
                    method,
                    path,
                    body == null ? null : TestFhirClient.FHIR_JSON,
                    body,
                    null,
                    List.of(),
                    List.of(headers));
        }
    }

    private String tagged() {
        return "_tag=" + TAG_SYSTEM + "%7C" + run;
    }

    private List<Shape> readShapes() {
        String bp = b.patient();
        String tag = tagged();
        Function<Resource, String> itself = AccessLeakMatrixIT::key;
        Function<Resource, String> owner = resource -> "Patient/" + ownerOf(resource);
        List<Shape> shapes = new ArrayList<>(List.of(
                Shape.get("read", "/Patient/" + bp),
                Shape.get("read clinical", "/Observation/" + b.id("obs")),
                Shape.get("vread", "/Observation/" + b.id("obs") + "/_history/1"),
                Shape.get("read Binary", "/Binary/" + b.id("bin")),
                Shape.get("read deleted", "/Observation/" + b.id("gone")),
                Shape.get("vread deleted", "/Observation/" + b.id("gone") + "/_history/1"),
                Shape.get("read Task", "/Task/" + b.id("task")),
                Shape.get("read Device", "/Device/" + b.id("dev")),
                Shape.get("read Provenance", "/Provenance/" + b.id("prov")),
                Shape.get("read DocumentReference", "/DocumentReference/" + b.id("doc")),
                Shape.get("read claim", "/Claim/" + b.id("claim")),
                Shape.get("read labelled", "/Condition/" + b.id("psy")),
                Shape.get("read own labelled", "/Condition/" + a.id("psy")),
                Shape.get("read own encounter", "/Encounter/" + a.id("enc")),
                Shape.get("Task search", "/Task?_count=200"),
                Shape.get("Device search", "/Device?_count=200"),
                Shape.get("Task by patient", "/Task?patient=Patient/" + bp),
                Shape.get("type search", "/Observation"),
                Shape.get("search by subject", "/Observation?subject=Patient/" + bp),
                Shape.get("search by patient", "/Observation?patient=" + bp),
                Shape.get("search by value", "/Patient?family=" + b.demographics()),
                Shape.get("system search", "/?_type=Observation,Condition,Patient"),
                Shape.get("tagged system search", "/?_type=Observation,Condition,Patient,Claim,Task&" + tag),
                Shape.get("compartment search", "/Patient/" + bp + "/Observation"),
                Shape.get("_include", "/Observation?_include=Observation:subject&" + tag),
                Shape.get("_include of another's", "/Observation?_id=" + b.id("obs") + "&_include=Observation:subject"),
                Shape.get("_revinclude", "/Patient?_revinclude=Observation:subject&_revinclude=Claim:patient&" + tag),
                Shape.get(
                        "_revinclude:iterate",
                        "/Encounter?_include=Encounter:subject&_revinclude:iterate=Condition:subject"
                                + "&_revinclude:iterate=Provenance:target&" + tag),
                Shape.get("_include Provenance targets", "/Provenance?_include=Provenance:target&" + tag),
                Shape.get("chained", "/Observation?subject.family=" + b.demographics())
                        .over("/Patient?family=" + b.demographics(), itself, owner),
                Shape.get("chained to id", "/Observation?subject:Patient._id=" + bp)
                        .over("/Patient?_id=" + bp, itself, owner),
                Shape.get("chain on labelled", "/Encounter?diagnosis:Condition._security=" + PSY + "&" + tag)
                        .over(
                                "/Condition?_security=" + PSY + "&" + tag,
                                itself,
                                match -> ((Encounter) match)
                                        .getDiagnosisFirstRep()
                                        .getCondition()
                                        .getReference()),
                Shape.get("_has", "/Patient?_has:Observation:subject:_id=" + b.id("obs"))
                        .over("/Observation?_id=" + b.id("obs"), owner, itself),
                Shape.get("_has on claim", "/Patient?_has:Claim:patient:_id=" + b.id("claim"))
                        .over("/Claim?_id=" + b.id("claim"), owner, itself),
                Shape.get("_has on an integration-only type", "/Patient?_has:Contract:patient:_id=" + contract)
                        .over("/Contract?_id=" + contract, owner, itself),
                Shape.get("_revinclude of an integration-only type", "/Patient?_revinclude=Contract:subject&" + tag),
                Shape.get("read an integration-only type", "/Contract/" + contract),
                Shape.get("_has on labelled", "/Patient?_has:Condition:subject:_security=" + PSY + "&" + tag)
                        .over("/Condition?_security=" + PSY + "&" + tag, owner, itself),
                Shape.get(
                                "_has on a hidden element",
                                "/Patient?_has:Encounter:subject:reason-code=" + b.reason() + "&" + tag)
                        .over("/Encounter?reason-code=" + b.reason() + "&" + tag, owner, itself)
                        .touching(b.reason()),
                Shape.get("search on a hidden element", "/Encounter?reason-code=" + b.reason())
                        .touching(b.reason()),
                Shape.get(
                                "compartment search on a hidden element",
                                "/Patient/" + bp + "/Encounter?reason-code=" + b.reason())
                        .touching(b.reason()),
                Shape.get("compartment _summary=count", "/Patient/" + bp + "/Observation?_summary=count"),
                Shape.get("compartment search of Task", "/Patient/" + bp + "/Task"),
                Shape.get("_sort on a hidden element", "/Encounter?_sort=reason-code&" + tag)
                        .touching(a.reason(), b.reason()),
                Shape.get("_sort over labelled data", "/Condition?_sort=code&" + tag),
                Shape.get("_sort descending over labelled data", "/Condition?_sort=-code&_count=2&" + tag),
                Shape.get("instance history", "/Patient/" + bp + "/_history"),
                Shape.get("type history", "/Observation/_history"),
                Shape.get("system history", "/_history"),
                Shape.get("$everything of another", "/Patient/" + bp + "/$everything"),
                Shape.get("$everything of A", "/Patient/" + a.patient() + "/$everything"),
                Shape.get("_summary=count", "/Observation?_summary=count"),
                Shape.get("tagged _summary=count", "/Condition?_summary=count&" + tag),
                Shape.get("Bundle.total", "/Observation?_total=accurate&_count=1&" + tag),
                Shape.get("_elements", "/Observation?_elements=subject,code&" + tag),
                Shape.get("claims", "/Claim?patient=" + bp),
                Shape.get("coverage", "/Coverage?beneficiary=Patient/" + bp),
                Shape.get("consent", "/Consent?patient=" + bp),
                Shape.get("encounters", "/Encounter?subject=" + bp),
                Shape.get("documents", "/DocumentReference?subject=" + bp),
                Shape.get("GraphQL", "/$graphql?query=%7BPatient(id:%22" + bp + "%22)%7Bname%7Bfamily%7D%7D%7D"),
                Shape.write("batch of GETs", "POST", "", batch("batch")),
                Shape.write("transaction of GETs", "POST", "", batch("transaction"))));
        for (String type : List.of(
                "Patient",
                "Observation",
                "Condition",
                "Encounter",
                "Claim",
                "Coverage",
                "Consent",
                "Provenance",
                "DocumentReference",
                "Binary",
                "Task",
                "Device",
                "ImagingStudy",
                "Account",
                "Person",
                "Contract")) {
            shapes.add(Shape.get("every " + type, "/" + type + "?" + tag));
        }
        return shapes;
    }

    private String batch(String type) {
        return "{\"resourceType\":\"Bundle\",\"type\":\"" + type + "\",\"entry\":["
                + "{\"request\":{\"method\":\"GET\",\"url\":\"Patient/" + b.patient() + "\"}},"
                + "{\"request\":{\"method\":\"GET\",\"url\":\"Observation?subject=Patient/" + b.patient() + "\"}},"
                + "{\"request\":{\"method\":\"GET\",\"url\":\"Task?patient=Patient/" + b.patient() + "\"}},"
                + "{\"request\":{\"method\":\"GET\",\"url\":\"Claim/" + b.id("claim") + "\"}}]}";
    }

    /** Every viewer that is answered searches had them compared entry by entry. */
    @org.junit.jupiter.api.AfterAll
    void searchesWereComparedEntryByEntry() {
        for (String viewer : viewers.keySet()) {
            if (!viewer.startsWith("auditor") && !viewer.startsWith("admin")) {
                assertThat(exactComparisons
                                .getOrDefault(viewer, new AtomicInteger())
                                .get())
                        .as("exact comparisons for %s: %s", viewer, exactComparisons)
                        .isGreaterThanOrEqualTo(3);
            }
        }
        System.out.println("leak matrix exact comparisons: " + exactComparisons);
    }

    // --- writes: every viewer, every write shape, each on a throw-away chart ---

    /** A throw-away chart: patient C with one Observation, and an Observation of A to move. */
    record Target(String patient, String observation, String mover, String text) {}

    /**
     * A write and what it needs: interactions on A's chart ("own") or C's ("other"), and "read
     * other" for criteria over C's data; {@code effect} checks what a permitted write did.
     */
    record WriteShape(
            String name,
            Function<Target, Shape> request,
            List<String> needs,
            java.util.function.BiConsumer<Target, Response> effect) {}

    private List<WriteShape> writeShapes() {
        return List.of(
                new WriteShape(
                        "create in another's chart",
                        target -> Shape.write(
                                "create", "POST", "/Observation", observation(null, target.patient(), target.text())),
                        List.of("create other"),
                        (target, response) -> {
                            assertThat(response.status()).isEqualTo(201);
                            String created = response.header("Location")
                                    .replaceAll(".*/fhir/", "/")
                                    .replaceAll("/_history/.*", "");
                            assertThat(fhir().get(created)
                                            .as(Observation.class)
                                            .getSubject()
                                            .getReference())
                                    .isEqualTo("Patient/" + target.patient());
                        }),
                new WriteShape(
                        "delete of another's",
                        target -> Shape.write("delete", "DELETE", "/Observation/" + target.observation(), null),
                        List.of("delete other"),
                        (target, response) -> {
                            assertThat(response.status()).isBetween(200, 204);
                            assertThat(fhir().get("/Observation/" + target.observation())
                                            .status())
                                    .isEqualTo(410);
                        }),
                new WriteShape(
                        "patch of another's",
                        target -> new Shape(
                                "patch",
                                "PATCH",
                                "/Observation/" + target.observation(),
                                "application/json-patch+json",
                                "[{\"op\":\"replace\",\"path\":\"/status\",\"value\":\"cancelled\"}]",
                                null,
                                List.of(),
                                List.of()),
                        List.of("patch other"),
                        (target, response) -> {
                            assertThat(response.status()).isEqualTo(200);
                            assertThat(fhir().get("/Observation/" + target.observation())
                                            .as(Observation.class)
                                            .getStatus())
                                    .isEqualTo(Observation.ObservationStatus.CANCELLED);
                        }),
                new WriteShape(
                        "update moving own into another's chart",
                        target -> Shape.write(
                                "move",
                                "PUT",
                                "/Observation/" + target.mover(),
                                observation(target.mover(), target.patient(), target.text())),
                        List.of("update own", "update other"),
                        (target, response) -> {
                            assertThat(response.status()).isEqualTo(200);
                            assertThat(fhir().get("/Observation/" + target.mover())
                                            .as(Observation.class)
                                            .getSubject()
                                            .getReference())
                                    .isEqualTo("Patient/" + target.patient());
                        }),
                new WriteShape(
                        "update moving another's into own chart",
                        target -> Shape.write(
                                "move in",
                                "PUT",
                                "/Observation/" + target.observation(),
                                observation(target.observation(), a.patient(), target.text())),
                        List.of("update own", "update other"),
                        (target, response) -> {
                            assertThat(response.status()).isEqualTo(200);
                            assertThat(fhir().get("/Observation/" + target.observation())
                                            .as(Observation.class)
                                            .getSubject()
                                            .getReference())
                                    .isEqualTo("Patient/" + a.patient());
                        }),
                new WriteShape(
                        "conditional create matching another's",
                        target -> Shape.write(
                                "conditional create",
                                "POST",
                                "/Observation",
                                observation(null, a.patient(), target.text()),
                                "If-None-Exist",
                                "subject=Patient/" + target.patient()),
                        List.of("conditional own", "create own", "read other"),
                        (target, response) -> {
                            // the match exists: nothing is created
                            assertThat(response.status()).isEqualTo(200);
                            assertThat(response.header("Location"))
                                    .contains("/Observation/" + target.observation() + "/");
                        }),
                new WriteShape(
                        "conditional update of another's",
                        target -> Shape.write(
                                "conditional update",
                                "PUT",
                                "/Observation?subject=Patient/" + target.patient(),
                                observation(null, a.patient(), target.text())),
                        List.of("conditional own", "update other", "update own", "read other"),
                        (target, response) -> {
                            assertThat(response.status()).isEqualTo(200);
                            assertThat(fhir().get("/Observation/" + target.observation())
                                            .as(Observation.class)
                                            .getCode()
                                            .getText())
                                    .isEqualTo(target.text());
                        }),
                new WriteShape(
                        "conditional delete of another's",
                        target -> Shape.write(
                                "conditional delete",
                                "DELETE",
                                "/Observation?subject=Patient/" + target.patient(),
                                null),
                        List.of("conditional own", "delete other", "read other"),
                        (target, response) -> {
                            assertThat(response.status()).isBetween(200, 204);
                            assertThat(fhir().get("/Observation/" + target.observation())
                                            .status())
                                    .isEqualTo(410);
                        }));
    }

    /**
     * A write the viewer may make takes effect; any other is refused (4xx), changes nothing of the
     * other chart nor of A's Observation it names, and answers as it does for a chart that does not
     * exist (so the answer does not tell whether C or C's data exists).
     */
    @TestFactory
    Stream<DynamicNode> everyWriteTakesEffectOnlyWhereTheViewerMayWrite() {
        return viewers.values().stream()
                .map(viewer -> DynamicContainer.dynamicContainer(
                        viewer.name(),
                        writeShapes().stream()
                                .map(shape -> DynamicTest.dynamicTest(shape.name(), () -> {
                                    Target target = throwAwayChart();
                                    Observation other = new Observation();
                                    other.setSubject(new Reference("Patient/" + target.patient()));
                                    boolean permitted =
                                            shape.needs().stream().allMatch(need -> may(viewer, need, target, other));
                                    List<String> before = state(target);
                                    Response response =
                                            shape.request().apply(target).send(viewer.fhir());
                                    String what = viewer.name() + ", " + shape.name() + " (permitted: " + permitted
                                            + ", status " + response.status() + "): " + response.body();
                                    assertThat(response.status()).as(what).isLessThan(500);
                                    if (permitted) {
                                        assertThat(response.status()).as(what).isBetween(200, 299);
                                        shape.effect().accept(target, response);
                                        return;
                                    }
                                    assertThat(response.status()).as(what).isBetween(400, 499);
                                    assertThat(state(target)).as(what).isEqualTo(before);
                                    Target ghost = ghostOf(target);
                                    Response nobody =
                                            shape.request().apply(ghost).send(viewer.fhir());
                                    assertSameAnswer(
                                            viewer.name() + ", " + shape.name(),
                                            response,
                                            nobody,
                                            Map.of(
                                                    ghost.patient(),
                                                    target.patient(),
                                                    ghost.mover(),
                                                    target.mover(),
                                                    ghost.text(),
                                                    target.text()));
                                }))));
    }

    private boolean may(Viewer viewer, String need, Target target, Observation other) {
        String[] parts = need.split(" ");
        String owner = parts[1].equals("own") ? a.patient() : target.patient();
        if (parts[0].equals("read")) {
            return viewer.sight().sees(other, owner);
        }
        return viewer.writes().may(parts[0], owner);
    }

    /** Every Observation of C (id and version) and A's Observation to move (version and subject). */
    private List<String> state(Target target) {
        List<String> state = new ArrayList<>();
        for (Resource resource : matches(fhir().get("/Observation?subject=Patient/" + target.patient() + "&_count=100")
                .as(Bundle.class))) {
            state.add(resource.getIdElement().toUnqualified().getValue());
        }
        Observation mover = fhir().get("/Observation/" + target.mover()).as(Observation.class);
        state.add(mover.getIdElement().toUnqualified().getValue() + " "
                + mover.getSubject().getReference());
        return state.stream().sorted().toList();
    }

    /** A chart of its own for one write: patient C (treated by the clinicians) with one Observation. */
    private Target throwAwayChart() {
        int n = throwAway.incrementAndGet();
        String patient = "leak-c" + n + "-" + run;
        chartPatients.add(patient);
        Target target = new Target(patient, patient + "-obs", a.id("mover-" + n), "WRITE" + n + run);
        Patient c = new Patient();
        c.setId(patient);
        c.addName().setFamily("DEMOC" + n);
        c.addGeneralPractitioner(new Reference("Practitioner/doc"));
        Encounter encounter = new Encounter();
        encounter.setId(patient + "-enc");
        encounter.setStatus(Encounter.EncounterStatus.INPROGRESS);
        encounter.setClass_(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "AMB", "ambulatory"));
        encounter.setSubject(new Reference("Patient/" + patient));
        encounter.addParticipant().setIndividual(new Reference("Practitioner/nurse"));
        Observation observation = TestFhirClient.fhir()
                .newJsonParser()
                .parseResource(Observation.class, observation(target.observation(), patient, "C" + n));
        Observation mover = TestFhirClient.fhir()
                .newJsonParser()
                .parseResource(Observation.class, observation(target.mover(), a.patient(), "M" + n));
        putAll(List.of(c, encounter, observation, mover));
        return target;
    }

    /** The same write for a chart that does not exist (and another Observation of A to move). */
    private Target ghostOf(Target target) {
        String ghost = target.patient().replace("leak-c", "leak-z");
        Target nobody = new Target(ghost, ghost + "-obs", target.mover() + "-z", target.text() + "Z");
        putAll(List.of(TestFhirClient.fhir()
                .newJsonParser()
                .parseResource(Observation.class, observation(nobody.mover(), a.patient(), "MZ"))));
        return nobody;
    }

    private void putAll(List<? extends Resource> resources) {
        Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        for (Resource resource : resources) {
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

    private static String observation(String id, String patient, String text) {
        return TestFhirClient.encode(TestResources.observation(id, patient, text));
    }

    // --- single checks ---

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
        // (counted by the physician: the integration backend is not cleared for psychiatry)
        int countOfA = viewer("physician user/*.cruds")
                .get("/Observation?subject=Patient/" + a.patient() + "&_count=200")
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

        // the other encounter: the nurse's (the matrix's treatment relationship) stays as it is
        Response read = frontDesk.get("/Encounter/" + a.id("enc2"));
        assertThat(read.body()).doesNotContain(a.reason()).contains("REDACTED");
        Encounter encounter = read.as(Encounter.class);
        encounter.setStatus(Encounter.EncounterStatus.CANCELLED);
        Response updated = frontDesk.put("/Encounter/" + a.id("enc2"), encounter);
        assertThat(updated.status()).as(updated.body()).isEqualTo(200);

        Encounter stored = fhir().get("/Encounter/" + a.id("enc2")).as(Encounter.class);
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

    // --- fixtures ---

    private TestFhirClient client(String accessToken) {
        return new TestFhirClient(baseUrl(), TestFhirClient.trusting(certificate()), () -> accessToken);
    }

    private String baseUrl() {
        return "https://localhost:" + port + "/fhir";
    }

    /** Stores a full chart with client-assigned ids, every resource tagged with this run. */
    private void store(Chart chart) {
        chartPatients.add(chart.patient());
        Reference subject = new Reference("Patient/" + chart.patient());
        Patient patient = new Patient();
        patient.setId(chart.patient());
        patient.addName().setFamily(chart.demographics()).addGiven("Test");
        patient.setGender(Enumerations.AdministrativeGender.OTHER);
        // the physician of the matrix is both patients' general practitioner (treatment relationship)
        patient.addGeneralPractitioner(new Reference("Practitioner/doc"));
        patient.setText(new Narrative().setStatus(Narrative.NarrativeStatus.GENERATED));
        patient.getText().setDivAsString("<div xmlns=\"http://www.w3.org/1999/xhtml\">" + chart.narrative() + "</div>");

        // the nurse takes part in this one (treatment relationship)
        Encounter encounter = encounter(chart, "enc");
        encounter.addParticipant().setIndividual(new Reference("Practitioner/nurse"));
        // the front desk changes this one; its diagnosis is the psychiatric condition
        Encounter other = encounter(chart, "enc2");
        other.addDiagnosis().setCondition(new Reference("Condition/" + chart.id("psy")));

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
        condition.getCode().addCoding(new Coding(TAG_SYSTEM, chart.clinical(), null));
        condition.getCode().setText(chart.clinical() + " diagnosis");
        condition.setSubject(subject);

        // psychiatric: only roles cleared for PSY (the physician) may see it, and criteria over it
        Condition psychiatric = new Condition();
        psychiatric.setId(chart.id("psy"));
        psychiatric.getMeta().addSecurity("http://terminology.hl7.org/CodeSystem/v3-ActCode", PSY, null);
        psychiatric.getCode().addCoding(new Coding(TAG_SYSTEM, chart.psychiatric(), null));
        psychiatric.getCode().setText(chart.psychiatric() + " depressive disorder");
        psychiatric.setSubject(subject);

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

        // patient data R4 leaves out of the Patient compartment
        Task task = new Task();
        task.setId(chart.id("task"));
        task.setStatus(Task.TaskStatus.REQUESTED);
        task.setIntent(Task.TaskIntent.ORDER);
        task.setFor(subject);
        task.setDescription(chart.clinical() + " follow-up call");
        Device device = new Device();
        device.setId(chart.id("dev"));
        device.setPatient(subject);
        device.addDeviceName().setName(chart.clinical() + " pacemaker").setType(Device.DeviceNameType.USERFRIENDLYNAME);

        // types served since every R4 type is (ADR 0010): one of clinical, billing, demographics. A
        // Contract (integration-only) naming the patient is stored apart (storeIntegrationOnly): in a
        // chart it makes that patient's $everything refused to every other role, since $everything
        // is all-or-nothing (docs/access-control.md)
        ImagingStudy imaging = new ImagingStudy();
        imaging.setId(chart.id("img"));
        imaging.setStatus(ImagingStudy.ImagingStudyStatus.AVAILABLE);
        imaging.setSubject(subject);
        imaging.setDescription(chart.clinical() + " chest CT");
        Account account = new Account();
        account.setId(chart.id("acct"));
        account.setStatus(Account.AccountStatus.ACTIVE);
        account.addSubject(subject);
        account.setName(chart.claim() + " account");
        Person person = new Person();
        person.setId(chart.id("person"));
        person.addName().setFamily(chart.demographics());
        person.addLink().setTarget(subject);

        // deleted again below: its id existed once
        Observation gone = new Observation();
        gone.setId(chart.id("gone"));
        gone.setStatus(Observation.ObservationStatus.ENTEREDINERROR);
        gone.getCode().setText(chart.vital() + " entered in error");
        gone.setSubject(subject);

        List<Resource> resources = List.of(
                patient,
                gone,
                encounter,
                other,
                lab,
                vital,
                condition,
                psychiatric,
                coverage,
                claim,
                consent,
                provenance,
                binary,
                document,
                task,
                device,
                imaging,
                account,
                person);
        for (Resource resource : resources) {
            resource.getMeta().addTag(TAG_SYSTEM, run, null);
            stored.put(resource.fhirType() + "/" + resource.getIdElement().getIdPart(), Optional.of(resource));
        }
        List<Resource> all =
                new ArrayList<>(List.of(new Practitioner().setId("doc"), new Practitioner().setId("nurse")));
        all.addAll(resources);
        putAll(all);
        assertThat(fhir().delete("/Observation/" + chart.id("gone")).status()).isBetween(200, 204);
        stored.remove("Observation/" + chart.id("gone"));
        storePanel(chart);
    }

    /**
     * A panel holding a psychiatric screening as a contained resource, labelled there only. Sent as
     * written by hand: HAPI's encoder (the test client's) leaves a contained resource's meta out.
     */
    private void storePanel(Chart chart) {
        String id = chart.id("obs3");
        String json = """
                {"resourceType":"Observation","id":"%s",
                 "meta":{"tag":[{"system":"%s","code":"%s"}]},
                 "contained":[{"resourceType":"Observation","id":"screening",
                   "meta":{"security":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"%s"}]},
                   "status":"final","code":{"text":"%s depression screening"},
                   "subject":{"reference":"Patient/%s"}}],
                 "status":"final","code":{"text":"%s intake panel"},
                 "subject":{"reference":"Patient/%s"},"hasMember":[{"reference":"#screening"}]}""".formatted(
                        id, TAG_SYSTEM, run, PSY, chart.psychiatric(), chart.patient(), chart.vital(), chart.patient());
        Response put = fhir().send("PUT", "/Observation/" + id, TestFhirClient.FHIR_JSON, json);
        assertThat(put.status()).as(put.body()).isEqualTo(201);
        Observation panel = (Observation) TestFhirClient.fhir().newJsonParser().parseResource(json);
        assertThat(labelled(panel, PSY)).isTrue();
        stored.put("Observation/" + id, Optional.of(panel));
    }

    private void storeIntegrationOnly() {
        String patient = "leak-c-" + run;
        chartPatients.add(patient);
        contract = patient + "-contract";
        Contract terms = new Contract();
        terms.setId(contract);
        terms.setStatus(Contract.ContractStatus.EXECUTED);
        terms.addSubject(new Reference("Patient/" + patient));
        terms.setTitle("CLINC" + run + " research contract");
        terms.getMeta().addTag(TAG_SYSTEM, run, null);
        stored.put("Contract/" + contract, Optional.of(terms));
        // treated by the matrix's physician, so that consent does not withhold it for that reason
        Patient treated = new Patient();
        treated.setId(patient);
        treated.addGeneralPractitioner(new Reference("Practitioner/doc"));
        putAll(List.of(treated, terms));
    }

    private static Encounter encounter(Chart chart, String kind) {
        Encounter encounter = new Encounter();
        encounter.setId(chart.id(kind));
        encounter.setStatus(Encounter.EncounterStatus.FINISHED);
        encounter.setClass_(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "AMB", "ambulatory"));
        encounter.setSubject(new Reference("Patient/" + chart.patient()));
        encounter.addReasonCode(
                new CodeableConcept(new Coding(TAG_SYSTEM, chart.reason(), null)).setText(chart.reason()));
        return encounter;
    }
}
