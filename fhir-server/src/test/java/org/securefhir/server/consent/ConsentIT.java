package org.securefhir.server.consent;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.interceptor.JpaPreResourceAccessDetails;
import ca.uhn.fhir.jpa.model.dao.JpaPid;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.util.FhirTerser;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StringType;
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
import org.securefhir.consent.FoundResources;
import org.securefhir.consent.ResourceFacts;
import org.securefhir.interceptors.ownership.PatientOwnership;
import org.securefhir.server.support.AbstractFhirServerIT;
import org.securefhir.server.support.TestFhirClient;
import org.securefhir.server.support.TestFhirClient.Response;
import org.securefhir.server.support.TestLogins;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;

/**
 * Consent enforcement end to end, over HTTPS on the real server: a matrix of consent types ×
 * requesters × request shapes (search, includes, reads, history, {@code $everything}, batch,
 * counts) in which withheld data must never appear and permitted data must; the break-glass
 * lifecycle (declare, access, expire, review); revocation and new denials taking effect at once;
 * validation of Consents written through the API.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsentIT extends AbstractFhirServerIT {

    private static final String TAG_SYSTEM = "https://securefhir.org/test/consent-run";
    private static final String ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
    private static final String CATEGORY = "urn:securefhir:consent-category";

    @Autowired
    private UserAccounts accounts;

    @Autowired
    private JdbcTemplate jdbc;

    @Autowired
    private FhirContext fhirContext;

    @Autowired
    private DaoRegistry daos;

    @Autowired
    private PatientOwnership ownership;

    @Autowired
    private TotpService totp;

    @Autowired
    private RegisteredClientRepository clients;

    private String run;
    private String doc;
    private String nurse;
    private TestLogins logins;
    /** Per patient key (open, deny, research, label, stranger): its id. */
    private final Map<String, String> patients = new LinkedHashMap<>();

    private final Map<String, String> consents = new LinkedHashMap<>();
    private final Map<String, Viewer> viewers = new LinkedHashMap<>();

    /** A requester and the markers it must see; every other marker of the run is withheld from it. */
    record Viewer(String name, TestFhirClient fhir, String[] headers, Set<String> visible, boolean consentBound) {}

    @BeforeAll
    void loadPatientsConsentsAndSignIn() {
        run = UUID.randomUUID().toString().substring(0, 8);
        doc = "Practitioner/cdoc-" + run;
        nurse = "Practitioner/cnurse-" + run;
        Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        for (String practitioner : List.of(doc, nurse, "Practitioner/someone-else-" + run)) {
            add(transaction, (Resource) new org.hl7.fhir.r4.model.Practitioner().setId(practitioner));
        }
        for (String key : List.of("open", "deny", "research", "label", "stranger")) {
            String id = "c-" + key + "-" + run;
            patients.put(key, id);
            Patient patient = new Patient();
            patient.setId(id);
            patient.addName().setFamily(marker(key, "PAT"));
            if (!key.equals("stranger")) {
                patient.addGeneralPractitioner(new Reference(doc));
                Encounter encounter = new Encounter();
                encounter.setId(id + "-enc");
                encounter.setStatus(Encounter.EncounterStatus.FINISHED);
                encounter.setClass_(new Coding(ACT_CODE, "AMB", null));
                encounter.setSubject(new Reference("Patient/" + id));
                encounter.addParticipant().setIndividual(new Reference(nurse));
                add(transaction, encounter);
            } else {
                patient.addGeneralPractitioner(new Reference("Practitioner/someone-else-" + run));
            }
            add(transaction, patient);
            add(transaction, observation(id, id + "-obs", marker(key, "OBS"), null));
        }
        add(
                transaction,
                observation(patients.get("open"), patients.get("open") + "-psy", marker("open", "PSY"), "PSY"));
        add(
                transaction,
                observation(patients.get("label"), patients.get("label") + "-hiv", marker("label", "HIV"), "HIV"));
        // deny: treatment denied to everyone but the doctor
        Consent deny = consent("deny", "treatment", Consent.ConsentProvisionType.DENY);
        deny.getProvision()
                .addProvision()
                .setType(Consent.ConsentProvisionType.PERMIT)
                .addActor()
                .setRole(new CodeableConcept(
                        new Coding("http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "IRCP", null)))
                .setReference(new Reference(doc));
        add(transaction, deny);
        // research: the patient permits research
        add(transaction, consent("research", "research", Consent.ConsentProvisionType.PERMIT));
        // label: treatment permitted, HIV-labelled data denied to everyone (cleared roles too)
        Consent label = consent("label", "treatment", Consent.ConsentProvisionType.PERMIT);
        label.getProvision()
                .addProvision()
                .setType(Consent.ConsentProvisionType.DENY)
                .addSecurityLabel(new Coding(ACT_CODE, "HIV", null));
        add(transaction, label);
        // stranger: a research opt-in, which says something about a patient the clinicians do not treat
        add(transaction, consent("stranger", "research", Consent.ConsentProvisionType.PERMIT));
        Response loaded = fhir().post("", transaction);
        assertThat(loaded.status()).as(loaded.body()).isEqualTo(200);

        logins = new TestLogins(
                "https://localhost:" + port,
                TestFhirClient.trusting(certificate()),
                accounts,
                totp,
                clients,
                List.of("openid", "fhirUser", "launch/patient", "patient/*.cruds", "user/*.rs", "user/*.cruds"));
        String doctorToken = logins.accessToken(Role.PHYSICIAN, Optional.of(doc), "openid fhirUser user/*.cruds");
        viewer(
                "physician (treats all but stranger)",
                doctorToken,
                true,
                "open:PAT,OBS,PSY deny:PAT,OBS" + " research:PAT,OBS label:PAT,OBS");
        viewer(
                "nurse (treats all but stranger, not cleared for PSY)",
                logins.accessToken(Role.NURSE, Optional.of(nurse), "openid fhirUser user/*.rs"),
                true,
                "open:PAT,OBS research:PAT,OBS label:PAT,OBS");
        viewers.put(
                "physician for research (HRESCH)",
                new Viewer(
                        "physician for research (HRESCH)",
                        client(doctorToken),
                        new String[] {"X-Purpose-Of-Use", "HRESCH"},
                        visible("research:PAT,OBS"),
                        true));
        viewers.put(
                "integration backend (no relationship rule, not cleared)",
                new Viewer(
                        "integration backend (no relationship rule, not cleared)",
                        fhir(),
                        new String[0],
                        visible("open:PAT,OBS research:PAT,OBS label:PAT,OBS stranger:PAT,OBS"),
                        true));
        viewer(
                "front-desk (demographics only)",
                logins.accessToken(Role.FRONT_DESK, Optional.of("Practitioner/cdesk-" + run), "user/*.cruds"),
                true,
                "open:PAT research:PAT label:PAT stranger:PAT");
        viewer(
                "patient 'deny' (own record)",
                logins.accessToken(
                        Role.PATIENT,
                        Optional.of("Patient/" + patients.get("deny")),
                        "openid fhirUser launch/patient patient/*.cruds"),
                false,
                "deny:PAT,OBS");
    }

    @TestFactory
    Stream<DynamicNode> withheldDataNeverAppearsInAnyResponseShape() {
        return viewers.values().stream()
                .map(viewer -> DynamicContainer.dynamicContainer(
                        viewer.name(),
                        shapes().entrySet().stream()
                                .map(shape -> DynamicTest.dynamicTest(
                                        shape.getKey(),
                                        () -> assertOnlyVisible(viewer, shape.getKey(), shape.getValue())))));
    }

    @Test
    void whenSearchingThenEveryPermittedResourceIsReturnedSoTheMatrixCanFail() {
        for (Viewer viewer : viewers.values()) {
            String observations = viewer.fhir()
                    .get("/Observation?_tag=" + tag() + "&_count=100", viewer.headers())
                    .body();
            String patientsFound = viewer.fhir()
                    .get("/Patient?_tag=" + tag() + "&_count=100", viewer.headers())
                    .body();
            for (String marker : viewer.visible()) {
                String where = marker.endsWith("PAT") ? patientsFound : observations;
                assertThat(where).as("%s must see %s", viewer.name(), marker).contains(marker);
            }
        }
    }

    @Test
    void whenSearchPagedByOneThenEveryPageBeforeTheLastIsFullSoNothingWithheldCanBeInferred() {
        for (Viewer viewer : viewers.values()) {
            // when each viewer pages through the run's observations one by one
            String next = "/Observation?_tag=" + tag() + "&_count=1";
            StringBuilder seen = new StringBuilder();
            int pages = 0;
            while (next != null) {
                Response response = viewer.fhir().get(next, viewer.headers());
                if (response.status() == 403 && pages == 0) {
                    break; // the role may not search observations at all (front-desk)
                }
                assertThat(response.status())
                        .as("%s: %s", viewer.name(), response.body())
                        .isEqualTo(200);
                Bundle page = response.as(Bundle.class);
                Bundle.BundleLinkComponent link = page.getLink(Bundle.LINK_NEXT);
                // then no page that promises more is short: withheld matches are not in the result
                // set at all (a short page would tell that something matched and was withheld)
                if (link != null) {
                    assertThat(page.getEntry())
                            .as("%s: page %d has a next link", viewer.name(), pages + 1)
                            .hasSize(1);
                }
                seen.append(response.body());
                next = link == null
                        ? null
                        : link.getUrl().substring(link.getUrl().indexOf("/fhir") + "/fhir".length());
                assertThat(++pages).as(viewer.name()).isLessThan(20);
            }
            // and every observation the viewer may see was reached
            for (String marker : pages == 0 ? Set.<String>of() : viewer.visible()) {
                if (!marker.endsWith("PAT")) {
                    assertThat(seen.toString())
                            .as("%s must see %s", viewer.name(), marker)
                            .contains(marker);
                }
            }
        }
    }

    @Test
    void whenSearchMatchesJudgedFromIndexesThenTheirFactsAreThoseOfTheirContent() {
        // given the run's resources as stored (ids carry the run), and HAPI's lazy matches of them
        assertThat(JdbcFoundResources.available())
                .as("HAPI hands the matches' ids")
                .isTrue();
        assertThat(jdbc.queryForObject("SELECT count(*) FROM pg_proc WHERE proname = 'found_facts'", Integer.class))
                .as("the facts query's function (its plan is kept)")
                .isEqualTo(1);
        JdbcFoundResources indexes = new JdbcFoundResources(jdbc, fhirContext, ownership);
        List<Map<String, Object>> rows = jdbc.queryForList(
                "SELECT res_id, res_type, fhir_id FROM hfj_resource WHERE fhir_id LIKE ? ORDER BY res_id",
                "%" + run + "%");
        assertThat(rows).hasSizeGreaterThan(15);
        List<JpaPid> pids = rows.stream()
                .map(row -> JpaPid.fromId(((Number) row.get("res_id")).longValue()))
                .toList();

        // when their facts are read from the indexes
        List<FoundResources.Found> found = indexes.facts(new JpaPreResourceAccessDetails(pids, () -> {
                    throw new AssertionError("the matches must not be loaded");
                }))
                .orElseThrow();

        // then each one's facts are those the consent engine reads from its content
        FhirTerser terser = fhirContext.newTerser();
        for (int i = 0; i < rows.size(); i++) {
            String reference = rows.get(i).get("res_type") + "/" + rows.get(i).get("fhir_id");
            IBaseResource resource = daos.getResourceDao((String) rows.get(i).get("res_type"))
                    .read(new IdType(reference), new SystemRequestDetails());
            ResourceFacts content = ResourceFacts.of(fhirContext, terser, ownership, resource);
            ResourceFacts indexed = found.get(i).facts();
            assertThat(indexed.reference()).isEqualTo(content.reference());
            assertThat(indexed.labels()).as(reference).isEqualTo(content.labels());
            assertThat(indexed.patients()).as(reference).isEqualTo(content.patients());
            assertThat(content.references()).as(reference).containsAll(indexed.references());
            assertThat(found.get(i).version()).isEqualTo(resource.getIdElement().getVersionIdPart());
        }
    }

    @Test
    void whenCountsAskedUnderConsentThen400AndForOwnRecordThenCounted() {
        Viewer physician = viewers.get("physician (treats all but stranger)");
        Response count = physician.fhir().get("/Observation?_tag=" + tag() + "&_summary=count");
        Response total = physician.fhir().get("/Observation?_tag=" + tag() + "&_total=accurate");

        assertThat(count.status()).isEqualTo(400);
        assertThat(total.status()).isEqualTo(400);
        assertThat(count.as(OperationOutcome.class).getIssueFirstRep().getDiagnostics())
                .contains("not available where patient consent applies");
        Response own = viewers.get("patient 'deny' (own record)").fhir().get("/Observation?_summary=count");
        assertThat(own.status()).isEqualTo(200);
        assertThat(own.as(Bundle.class).getTotal()).isEqualTo(1);
    }

    @Test
    void whenAPatientAsksForATotalThenResourcesSharedWithAnotherPatientAreStillJudgedByTheirConsent() {
        // given: an Observation about "open" whose performer is "deny", whose Consent withholds it
        // from everyone but the doctor; "open" counts their own record, but must not read it
        String id = "c-shared-" + run;
        Observation shared = observation(patients.get("open"), id, marker("shared", "OBS"), null);
        shared.addPerformer(new Reference("Patient/" + patients.get("deny")));
        shared.getMeta().getTag().clear(); // not one of the run's resources the other tests search by tag
        assertThat(fhir().put("/Observation/" + id, shared).status()).isIn(200, 201);
        TestFhirClient open = client(logins.accessToken(
                Role.PATIENT,
                Optional.of("Patient/" + patients.get("open")),
                "openid fhirUser launch/patient patient/*.cruds"));

        // when
        Response plain = open.get("/Observation?_id=" + id);
        Response total = open.get("/Observation?_id=" + id + "&_total=accurate");
        Response count = open.get("/Observation?_id=" + id + "&_summary=count");

        // then: the same entries with or without a total (none), the count as documented (it
        // includes the shared resource: docs/consent.md); the control: their own Observation is found
        assertThat(open.get("/Observation?_id=" + patients.get("open") + "-obs")
                        .as(Bundle.class)
                        .getEntry())
                .hasSize(1);
        assertThat(plain.status()).isEqualTo(200);
        assertThat(plain.as(Bundle.class).getEntry()).isEmpty();
        assertThat(total.status()).isEqualTo(200);
        assertThat(total.body()).doesNotContain(marker("shared", "OBS"));
        assertThat(total.as(Bundle.class).getEntry()).isEmpty();
        assertThat(count.status()).isEqualTo(200);
        assertThat(count.body()).doesNotContain(marker("shared", "OBS"));
        assertThat(count.as(Bundle.class).getTotal()).isEqualTo(1);
    }

    @Test
    void whenResourcesWithheldThenTheAuditRecordNamesTheDecidingConsent() {
        // given a physician of their own, so that the audit trail holds only this test's requests
        TestLogins.User physician = logins.user(Role.PHYSICIAN, Optional.of(doc));
        String token = logins.tokens(logins.browser(), physician, "openid fhirUser user/*.rs", Optional.empty())
                .path("access_token")
                .asText();

        // when they search everything of the run
        assertThat(client(token).get("/Observation?_tag=" + tag()).status()).isEqualTo(200);

        // then the search's record says what consent decided, and which Consent
        List<AuditEvent> events = auditEventsOf(physician.account().id());
        AuditEvent search = events.stream()
                .filter(event -> event.getSubtypeFirstRep().getCode().equals("search-type"))
                .findFirst()
                .orElseThrow();
        List<String> decisions = search.getEntity().stream()
                .filter(entity -> entity.getType().getCode() != null
                        && entity.getType().getCode().equals("Consent"))
                .map(AuditEvent.AuditEventEntityComponent::getDescription)
                .toList();
        assertThat(decisions)
                .contains("deny consent " + consents.get("label"))
                .contains("permit consent " + consents.get("deny"))
                .contains("deny no-treatment-relationship");
        assertThat(search.getPurposeOfEventFirstRep().getCodingFirstRep().getCode())
                .isEqualTo("TREAT");
    }

    @Test
    void breakGlassLifecycleWhenDeclaredThenAccessUntilExpiryAuditedAlertedAndReviewed() throws Exception {
        // given a nurse who does not treat the 'stranger' patient
        TestLogins.User nurseUser = logins.user(Role.NURSE, Optional.of(nurse));
        TestFhirClient asNurse =
                client(logins.tokens(logins.browser(), nurseUser, "openid fhirUser user/*.rs", Optional.empty())
                        .path("access_token")
                        .asText());
        String stranger = patients.get("stranger");
        assertThat(asNurse.get("/Observation/" + stranger + "-obs").status()).isEqualTo(404);

        // when they declare break-glass with a reason
        Response refused =
                asNurse.post("/Patient/" + stranger + "/$break-glass", breakGlass("emergency-treatment", ""));
        assertThat(refused.status()).isEqualTo(400);
        Response declared = asNurse.post(
                "/Patient/" + stranger + "/$break-glass",
                breakGlass("emergency-treatment", "Unconscious in the ED, allergies unknown"));
        assertThat(declared.status()).as(declared.body()).isEqualTo(200);
        Parameters declaration = declared.as(Parameters.class);
        String id = declaration.getParameter("id").getValue().primitiveValue();

        // then the patient's data is reachable, and every access is marked ETREAT BTG
        Response read = asNurse.get("/Observation/" + stranger + "-obs");
        assertThat(read.status()).isEqualTo(200);
        assertThat(read.body()).contains(marker("stranger", "OBS"));
        assertThat(asNurse.get("/Patient/" + stranger + "/$everything").body()).contains(marker("stranger", "OBS"));
        // role limits still hold: a nurse reads, never deletes
        assertThat(asNurse.delete("/Observation/" + stranger + "-obs").status()).isEqualTo(403);
        // consent denials of other patients stay in force
        assertThat(asNurse.get("/Observation/" + patients.get("deny") + "-obs").status())
                .isEqualTo(404);

        List<AuditEvent> events = auditEventsOf(nurseUser.account().id());
        AuditEvent access = events.stream()
                .filter(event -> event.getSubtypeFirstRep().getCode().equals("read"))
                .filter(event -> event.getOutcome() == AuditEvent.AuditEventOutcome._0)
                .findFirst()
                .orElseThrow();
        assertThat(access.getPurposeOfEventFirstRep().getCoding())
                .extracting(Coding::getCode)
                .containsExactly("ETREAT", "BTG");
        assertThat(access.getEntity())
                .extracting(AuditEvent.AuditEventEntityComponent::getDescription)
                .contains("permit break-glass overrides no-treatment-relationship by declaration " + id
                        + " emergency-treatment");
        assertThat(awaitAlert(nurseUser.account().id(), "break-glass")).isTrue();

        // and when the declaration expires (8 s in tests, 60 min by default), access ends
        Instant expires =
                Instant.parse(declaration.getParameter("expires").getValue().primitiveValue());
        Thread.sleep(Math.max(0, Duration.between(Instant.now(), expires).toMillis()) + 300);
        assertThat(asNurse.get("/Observation/" + stranger + "-obs").status()).isEqualTo(404);

        // compliance works through the review queue
        TestFhirClient auditor = client(logins.accessToken(Role.AUDITOR, Optional.empty(), "user/*.rs"));
        assertThat(asNurse.get("/$break-glass-review").status()).isEqualTo(403);
        assertThat(auditor.post("/Patient/" + stranger + "/$break-glass", breakGlass("other", "not allowed here"))
                        .status())
                .isEqualTo(403);
        Response queue = auditor.get("/$break-glass-review");
        assertThat(queue.status()).isEqualTo(200);
        assertThat(queue.body()).contains(id).contains("Unconscious in the ED");
        Response reviewed = auditor.post("/$break-glass-review", review(id, "Justified: ED admission confirmed"));
        assertThat(reviewed.status()).as(reviewed.body()).isEqualTo(200);
        assertThat(reviewed.body()).contains("Justified: ED admission confirmed");
        assertThat(auditor.post("/$break-glass-review", review(id, "again")).status())
                .isEqualTo(409);
        assertThat(auditor.get("/$break-glass-review").body()).doesNotContain(id);
        assertThat(auditor.get("/$break-glass-review?status=all").body()).contains(id);
    }

    @Test
    void whenPatientRevokesOrFrontDeskDeniesThenEffectiveAtOnce() {
        // given a patient the doctor treats, with their own login
        String patient = "c-revoke-" + run;
        Patient resource = new Patient();
        resource.setId(patient);
        resource.addGeneralPractitioner(new Reference(doc));
        resource.addName().setFamily(marker("revoke", "PAT"));
        assertThat(fhir().put("/Patient/" + patient, resource).status()).isEqualTo(201);
        assertThat(fhir().put("/Observation/" + patient + "-obs", observation(patient, patient + "-obs", "x", null))
                        .status())
                .isEqualTo(201);
        TestFhirClient self = client(logins.accessToken(
                Role.PATIENT, Optional.of("Patient/" + patient), "openid fhirUser launch/patient patient/*.cruds"));
        TestFhirClient doctor =
                client(logins.accessToken(Role.PHYSICIAN, Optional.of(doc), "openid fhirUser user/*.rs"));
        TestFhirClient frontDesk =
                client(logins.accessToken(Role.FRONT_DESK, Optional.of("Practitioner/d2-" + run), "user/*.cruds"));
        assertThat(doctor.get("/Observation/" + patient + "-obs").status()).isEqualTo(200);

        // when the patient denies treatment access, the doctor loses access on the next request
        Consent denial = plainConsent(patient, "treatment", Consent.ConsentProvisionType.DENY);
        Response created = self.post("/Consent", denial);
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        Consent stored = created.as(Consent.class);
        assertThat(doctor.get("/Observation/" + patient + "-obs").status()).isEqualTo(404);
        assertThat(doctor.get("/Observation?subject=Patient/" + patient)
                        .as(Bundle.class)
                        .getEntry())
                .isEmpty();

        // and when they revoke it, access returns at once
        stored.setStatus(Consent.ConsentState.INACTIVE);
        assertThat(self.put("/Consent/" + stored.getIdElement().getIdPart(), stored)
                        .status())
                .isEqualTo(200);
        assertThat(doctor.get("/Observation/" + patient + "-obs").status()).isEqualTo(200);

        // front-desk records a new denial on the patient's behalf: effective at once too
        Response recorded =
                frontDesk.post("/Consent", plainConsent(patient, "treatment", Consent.ConsentProvisionType.DENY));
        assertThat(recorded.status()).as(recorded.body()).isEqualTo(201);
        assertThat(doctor.get("/Observation/" + patient + "-obs").status()).isEqualTo(404);

        // a patient cannot write another patient's consent
        assertThat(self.post(
                                "/Consent",
                                plainConsent(patients.get("open"), "treatment", Consent.ConsentProvisionType.DENY))
                        .status())
                .isEqualTo(403);
    }

    @Test
    void whenConsentCannotBeEnforcedAsWrittenThen422NamingTheElementAndNothingStored() {
        Consent unknownCategory = plainConsent(patients.get("open"), "gossip", Consent.ConsentProvisionType.DENY);
        Consent withCode = plainConsent(patients.get("open"), "treatment", Consent.ConsentProvisionType.DENY);
        withCode.getProvision().addCode(new CodeableConcept().setText("x"));
        Consent thirdPartyWithoutActor =
                plainConsent(patients.get("open"), "third-party", Consent.ConsentProvisionType.PERMIT);

        for (Consent invalid : List.of(unknownCategory, withCode, thirdPartyWithoutActor)) {
            Response response = fhir().post("/Consent", invalid);
            assertThat(response.status()).as(response.body()).isEqualTo(422);
            assertThat(response.as(OperationOutcome.class).getIssueFirstRep().getDiagnostics())
                    .startsWith("Consent cannot be enforced as written");
        }
        assertThat(fhir().get("/Consent?patient=Patient/" + patients.get("open"))
                        .as(Bundle.class)
                        .getEntry())
                .isEmpty();
        assertThat(viewers.get("physician (treats all but stranger)")
                        .fhir()
                        .get("/Observation/" + patients.get("open") + "-obs", "X-Purpose-Of-Use", "BTG")
                        .status())
                .isEqualTo(400);
        assertThat(viewers.get("physician (treats all but stranger)")
                        .fhir()
                        .get("/Observation/" + patients.get("open") + "-obs", "X-Purpose-Of-Use", "NONSENSE")
                        .status())
                .isEqualTo(400);
    }

    @Test
    void whenConditionalCreateMatchesAWithheldResourceThenItsContentIsNotReturned() {
        // given the integration backend, which is not cleared for PSY
        Observation duplicate = observation(patients.get("open"), null, "duplicate attempt", null);

        // when its conditional create matches the PSY observation
        Response response =
                fhir().post("/Observation", duplicate, "If-None-Exist", "_id=" + patients.get("open") + "-psy");

        // then nothing of it is returned
        assertThat(response.status()).isLessThan(300);
        assertThat(response.body()).doesNotContain(marker("open", "PSY"));
    }

    @Test
    void whenClinicianSearchesConsentsThenOnlyThoseOfPatientsTheyTreat() {
        Viewer nurseViewer = viewers.get("nurse (treats all but stranger, not cleared for PSY)");
        Bundle treated = nurseViewer
                .fhir()
                .get("/Consent?patient=Patient/" + patients.get("label"))
                .as(Bundle.class);
        Bundle stranger = nurseViewer
                .fhir()
                .get("/Consent?patient=Patient/" + patients.get("stranger"))
                .as(Bundle.class);
        Bundle asIntegration = fhir().get("/Consent?patient=Patient/" + patients.get("stranger"))
                .as(Bundle.class);

        assertThat(treated.getEntry()).hasSize(1);
        assertThat(stranger.getEntry()).isEmpty();
        assertThat(asIntegration.getEntry()).hasSize(1);
        // and they cannot count what they may not see
        assertThat(nurseViewer.fhir().get("/Consent?_summary=count").status()).isEqualTo(400);
    }

    @Test
    void whenPatientAndConsentCreatedInOneTransactionThenTheConsentBindsAtOnce() {
        // given a transaction creating a patient and their treatment denial (urn:uuid reference)
        Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        String placeholder = "urn:uuid:" + UUID.randomUUID();
        Patient patient = new Patient();
        patient.addName().setFamily(marker("tx", "PAT"));
        transaction
                .addEntry()
                .setFullUrl(placeholder)
                .setResource(patient)
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Patient");
        Consent denial = plainConsent("x", "treatment", Consent.ConsentProvisionType.DENY);
        denial.setPatient(new Reference(placeholder));
        transaction
                .addEntry()
                .setResource(denial)
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Consent");

        // when it is posted
        Response response = fhir().post("", transaction);

        // then both are stored and the patient's record is withheld from treatment requests
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        String location =
                response.as(Bundle.class).getEntryFirstRep().getResponse().getLocation();
        String id = new org.hl7.fhir.r4.model.IdType(location).getIdPart();
        assertThat(fhir().get("/Consent?patient=Patient/" + id).as(Bundle.class).getEntry())
                .hasSize(1);
        Response read = fhir().get("/Patient/" + id);
        assertThat(read.status()).isEqualTo(404);
        assertThat(read.body()).doesNotContain(marker("tx", "PAT"));
    }

    // --- the matrix

    private Map<String, String> shapes() {
        Map<String, String> shapes = new LinkedHashMap<>();
        shapes.put("search", "/Observation?_tag=" + tag() + "&_count=100");
        shapes.put("search, _include subject", "/Observation?_tag=" + tag() + "&_include=Observation:subject");
        shapes.put("patients, _revinclude observations", "/Patient?_tag=" + tag() + "&_revinclude=Observation:subject");
        shapes.put("type history", "/Observation/_history?_count=200");
        shapes.put("search paged by one", "/Observation?_tag=" + tag() + "&_count=1");
        shapes.put("_summary=count", "/Observation?_tag=" + tag() + "&_summary=count");
        shapes.put("_total=accurate", "/Observation?_tag=" + tag() + "&_total=accurate");
        for (Map.Entry<String, String> patient : patients.entrySet()) {
            String id = patient.getValue();
            shapes.put("read Patient " + patient.getKey(), "/Patient/" + id);
            shapes.put("read Observation " + patient.getKey(), "/Observation/" + id + "-obs");
            shapes.put("history of Observation " + patient.getKey(), "/Observation/" + id + "-obs/_history");
            shapes.put("$everything " + patient.getKey(), "/Patient/" + id + "/$everything");
            shapes.put("search by subject " + patient.getKey(), "/Observation?subject=Patient/" + id);
        }
        shapes.put("read PSY", "/Observation/" + patients.get("open") + "-psy");
        shapes.put("read HIV", "/Observation/" + patients.get("label") + "-hiv");
        shapes.put("batch of reads", "BATCH");
        shapes.put("system history", "/_history?_count=200");
        shapes.put("$meta of PSY", "/Observation/" + patients.get("open") + "-psy/$meta");
        shapes.put("$meta of HIV", "/Observation/" + patients.get("label") + "-hiv/$meta");
        return shapes;
    }

    private void assertOnlyVisible(Viewer viewer, String shape, String path) {
        Response response = path.equals("BATCH")
                ? viewer.fhir().send("POST", "", TestFhirClient.FHIR_JSON, batchOfReads(), viewer.headers())
                : viewer.fhir().get(path, viewer.headers());
        assertThat(response.status())
                .as("%s, %s: %s", viewer.name(), shape, response.body())
                .isLessThan(500);
        for (String marker : allMarkers()) {
            if (!viewer.visible().contains(marker)) {
                assertThat(response.body())
                        .as("%s, %s must not show %s", viewer.name(), shape, marker)
                        .doesNotContain(marker);
            }
        }
        if (viewer.consentBound()
                && response.status() == 200
                && response.body().contains("\"searchset\"")
                && response.as(Bundle.class).getType() == Bundle.BundleType.SEARCHSET) {
            Bundle bundle = response.as(Bundle.class);
            assertThat(!bundle.hasTotal()
                            || bundle.getTotal() == bundle.getEntry().size())
                    .as("%s, %s: withheld resources are not counted", viewer.name(), shape)
                    .isTrue();
            assertThat(bundle.getEntry()).allMatch(Bundle.BundleEntryComponent::hasResource);
        }
        if (shape.startsWith("_summary") || shape.startsWith("_total")) {
            if (viewer.consentBound()) {
                assertThat(response.status()).as("%s, %s", viewer.name(), shape).isIn(400, 403);
            }
        }
    }

    private String batchOfReads() {
        Bundle batch = new Bundle().setType(Bundle.BundleType.BATCH);
        for (String id : patients.values()) {
            batch.addEntry().getRequest().setMethod(Bundle.HTTPVerb.GET).setUrl("Observation/" + id + "-obs");
            batch.addEntry().getRequest().setMethod(Bundle.HTTPVerb.GET).setUrl("Patient/" + id);
        }
        batch.addEntry().getRequest().setMethod(Bundle.HTTPVerb.GET).setUrl("Observation?_tag=" + tag());
        return TestFhirClient.encode(batch);
    }

    private List<String> allMarkers() {
        List<String> all = new ArrayList<>();
        for (String key : patients.keySet()) {
            all.add(marker(key, "PAT"));
            all.add(marker(key, "OBS"));
        }
        all.add(marker("open", "PSY"));
        all.add(marker("label", "HIV"));
        return all;
    }

    // --- fixtures

    private String marker(String patient, String kind) {
        return "CX" + run + patient + kind;
    }

    private String tag() {
        return TAG_SYSTEM + "%7C" + run;
    }

    private Set<String> visible(String spec) {
        Set<String> markers = new java.util.HashSet<>();
        for (String part : spec.split(" ")) {
            String[] keyKinds = part.split(":");
            for (String kind : keyKinds[1].split(",")) {
                markers.add(marker(keyKinds[0], kind));
            }
        }
        return markers;
    }

    private void viewer(String name, String token, boolean consentBound, String visible) {
        viewers.put(name, new Viewer(name, client(token), new String[0], visible(visible), consentBound));
    }

    private TestFhirClient client(String token) {
        return new TestFhirClient(
                "https://localhost:" + port + "/fhir", TestFhirClient.trusting(certificate()), () -> token);
    }

    private Observation observation(String patient, String id, String marker, String label) {
        Observation observation = new Observation();
        observation.setId(id);
        observation.getMeta().addTag(TAG_SYSTEM, run, null);
        if (label != null) {
            observation.getMeta().addSecurity(ACT_CODE, label, null);
        }
        observation.setStatus(Observation.ObservationStatus.FINAL);
        observation.getCode().setText(marker);
        observation.setSubject(new Reference("Patient/" + patient));
        return observation;
    }

    private Consent consent(String key, String category, Consent.ConsentProvisionType type) {
        Consent consent = plainConsent(patients.get(key), category, type);
        consent.setId("c-consent-" + key + "-" + run);
        consents.put(key, "Consent/" + consent.getIdElement().getIdPart());
        return consent;
    }

    private static Consent plainConsent(String patient, String category, Consent.ConsentProvisionType type) {
        Consent consent = new Consent();
        consent.setStatus(Consent.ConsentState.ACTIVE);
        consent.setScope(new CodeableConcept(
                new Coding("http://terminology.hl7.org/CodeSystem/consentscope", "patient-privacy", null)));
        consent.addCategory(new CodeableConcept(new Coding(CATEGORY, category, null)));
        consent.setPatient(new Reference("Patient/" + patient));
        consent.getProvision().setType(type);
        return consent;
    }

    private void add(Bundle transaction, Resource resource) {
        if (resource instanceof Patient patient) {
            patient.getMeta().addTag(TAG_SYSTEM, run, null);
        }
        transaction
                .addEntry()
                .setResource(resource)
                .getRequest()
                .setMethod(Bundle.HTTPVerb.PUT)
                .setUrl(resource.fhirType() + "/" + resource.getIdElement().getIdPart());
    }

    private static Parameters breakGlass(String reason, String text) {
        Parameters parameters = new Parameters();
        parameters.addParameter("reason", new CodeType(reason));
        parameters.addParameter("text", new StringType(text));
        return parameters;
    }

    private static Parameters review(String id, String note) {
        Parameters parameters = new Parameters();
        parameters.addParameter("declaration", new StringType(id));
        parameters.addParameter("note", new StringType(note));
        return parameters;
    }

    private List<AuditEvent> auditEventsOf(String userId) {
        TestFhirClient auditor = client(logins.accessToken(Role.AUDITOR, Optional.empty(), "user/*.rs"));
        return auditor.get("/AuditEvent?agent=" + userId + "&_count=200").as(Bundle.class).getEntry().stream()
                .map(entry -> (AuditEvent) entry.getResource())
                .toList();
    }

    private boolean awaitAlert(String userId, String rule) throws InterruptedException {
        Instant until = Instant.now().plusSeconds(10);
        while (Instant.now().isBefore(until)) {
            boolean raised = auditEventsOf(userId).stream()
                    .anyMatch(event -> event.getSubtypeFirstRep().getCode().equals(rule));
            if (raised) {
                return true;
            }
            Thread.sleep(200);
        }
        return false;
    }
}
