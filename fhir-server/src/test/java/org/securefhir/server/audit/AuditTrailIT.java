package org.securefhir.server.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.securefhir.auth.mfa.TotpService;
import org.securefhir.auth.user.Role;
import org.securefhir.auth.user.UserAccounts;
import org.securefhir.server.support.AbstractFhirServerIT;
import org.securefhir.server.support.TestBrowser;
import org.securefhir.server.support.TestFhirClient;
import org.securefhir.server.support.TestFhirClient.Response;
import org.securefhir.server.support.TestLogins;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;

/**
 * The audit trail end to end: every kind of interaction (successful, denied, failed, refused for
 * want of a token) leaves exactly one AuditEvent naming the patients concerned; security events of
 * the authorization server are there too; the store refuses changes and the chain verification
 * finds tampering done behind its back in SQL; auditors query it and get access reports.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuditTrailIT extends AbstractFhirServerIT {

    @Autowired
    private UserAccounts accounts;

    @Autowired
    private TotpService totp;

    @Autowired
    private RegisteredClientRepository clients;

    @Autowired
    private JdbcTemplate jdbc;

    @Autowired
    private org.securefhir.server.database.DatabaseAdministrator administrator;

    @Autowired
    private AuditPipeline pipeline;

    private TestLogins logins;
    private TestFhirClient auditor;

    @BeforeAll
    void signIn() {
        logins = new TestLogins(
                "https://localhost:" + port,
                TestFhirClient.trusting(certificate()),
                accounts,
                totp,
                clients,
                List.of("openid", "fhirUser", "launch/patient", "patient/*.rs", "user/*.rs", "user/*.cruds"));
        String auditorToken = logins.accessToken(Role.AUDITOR, Optional.empty(), "user/*.rs");
        auditor = client(auditorToken);
    }

    @Test
    void whenEveryKindOfInteractionThenExactlyOneAuditEventEachNamingItsPatients() {
        // given a physician of their own (all their records are this test's)
        TestLogins.User physician = logins.user(Role.PHYSICIAN, Optional.of("Practitioner/audit-doc"));
        String userId = physician.account().id();
        TestFhirClient fhir =
                client(logins.tokens(logins.browser(), physician, "openid fhirUser user/*.cruds", Optional.empty())
                        .path("access_token")
                        .asText());

        // when they do one of everything
        Patient patient = new Patient();
        patient.addName().setFamily("Audited");
        String p = fhir.create("/Patient", patient);
        // the physician treats this patient (consent's treatment relationship), registered by someone
        // else (a clinician cannot make themself a patient's general practitioner)
        fhir().put("/Practitioner/audit-doc", new org.hl7.fhir.r4.model.Practitioner().setId("audit-doc"));
        patient.addGeneralPractitioner(new org.hl7.fhir.r4.model.Reference("Practitioner/audit-doc"));
        patient.setId(p);
        assertThat(fhir().put("/Patient/" + p, patient).status()).isEqualTo(200);
        Observation observation = new Observation();
        observation.setStatus(Observation.ObservationStatus.FINAL);
        observation.getCode().setText("audit test");
        observation.setSubject(new Reference("Patient/" + p));
        String o = fhir.create("/Observation", observation);
        assertThat(fhir.get("/Patient/" + p).status()).isEqualTo(200);
        assertThat(fhir.get("/Patient/" + p + "/_history/1").status()).isEqualTo(200);
        assertThat(fhir.get("/Observation?subject=Patient/" + p).status()).isEqualTo(200);
        assertThat(fhir.get("/Patient/" + p + "/_history").status()).isEqualTo(200);
        patient.setId(p);
        patient.addName().setFamily("Audited-Again");
        assertThat(fhir.put("/Patient/" + p, patient).status()).isEqualTo(200);
        assertThat(fhir.send(
                                "PATCH",
                                "/Observation/" + o,
                                "application/json-patch+json",
                                "[{\"op\":\"replace\",\"path\":\"/status\",\"value\":\"amended\"}]")
                        .status())
                .isEqualTo(200);
        assertThat(fhir.get("/Patient/" + p + "/$everything").status()).isEqualTo(200);
        Response batch = fhir.send(
                "POST",
                "",
                TestFhirClient.FHIR_JSON,
                "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":["
                        + "{\"request\":{\"method\":\"GET\",\"url\":\"Patient/" + p + "\"}},"
                        + "{\"request\":{\"method\":\"GET\",\"url\":\"Observation?subject=Patient/" + p + "\"}}]}");
        assertThat(batch.status()).isEqualTo(200);
        assertThat(fhir.delete("/Observation/" + o).status()).isEqualTo(200);
        assertThat(fhir.get("/AuditEvent").status()).isEqualTo(403); // denied: not an auditor
        assertThat(fhir.get("/Patient/no-such-" + p).status()).isEqualTo(404); // failed
        assertThat(fhir.send("POST", "/Observation", TestFhirClient.FHIR_JSON, "{\"resourceType\":\"Observation\"}")
                        .status())
                .isEqualTo(422); // invalid

        // then the auditor finds exactly one record of each, with the patient
        List<AuditEvent> events = eventsOf(userId);
        String patientRef = "Patient/" + p;
        assertOne(events, "create", "0", "Patient/" + p, patientRef);
        assertOne(events, "create", "0", "Observation/" + o, patientRef);
        assertCount(events, "read", "0", "Patient/" + p, patientRef, 2); // the read and the batch entry
        assertOne(events, "vread", "0", "Patient/" + p + "/_history/1", patientRef);
        assertCount(events, "search-type", "0", null, patientRef, 2); // the search and the batch entry
        assertOne(events, "history-instance", "0", "Patient/" + p, patientRef);
        assertOne(events, "update", "0", "Patient/" + p, patientRef);
        assertOne(events, "patch", "0", "Observation/" + o, patientRef);
        assertOne(events, "operation", "0", "Patient/" + p, patientRef);
        assertOne(events, "batch", "0", null, patientRef);
        assertOne(events, "delete", "0", "Observation/" + o, patientRef);
        assertThat(events)
                .filteredOn(e -> e.getSubtypeFirstRep().getCode().equals("search-type")
                        && e.getOutcome() == AuditEvent.AuditEventOutcome._4)
                .singleElement()
                .satisfies(e -> assertThat(e.getOutcomeDesc()).startsWith("403"));
        assertThat(events)
                .filteredOn(e -> e.getSubtypeFirstRep().getCode().equals("read")
                        && e.getOutcome() == AuditEvent.AuditEventOutcome._4)
                .singleElement()
                .satisfies(e -> assertThat(e.getOutcomeDesc()).startsWith("404"));
        assertThat(events)
                .filteredOn(e -> e.getSubtypeFirstRep().getCode().equals("create")
                        && e.getOutcome() == AuditEvent.AuditEventOutcome._4)
                .singleElement()
                .satisfies(e -> assertThat(e.getOutcomeDesc()).startsWith("422"));
        AuditEvent read = events.stream()
                .filter(e -> e.getSubtypeFirstRep().getCode().equals("read")
                        && e.getOutcome() == AuditEvent.AuditEventOutcome._0)
                .findFirst()
                .orElseThrow();
        assertThat(read.getAgentFirstRep().getWho().getReference()).isEqualTo("Practitioner/audit-doc");
        assertThat(read.getAgentFirstRep().getRoleFirstRep().getText()).isEqualTo("physician");
        assertThat(read.getAgentFirstRep().getNetwork().getAddress()).isEqualTo("127.0.0.1");
        assertThat(read.getAgent()).hasSize(2); // the user and the app
    }

    @Test
    void whenNoTokenThenTheRefusalIsAudited() {
        String id = "unauth-" + UUID.randomUUID().toString().substring(0, 8);

        assertThat(anonymousFhir().get("/Patient/" + id).status()).isEqualTo(401);

        Bundle found = auditor.get("/AuditEvent?entity=Patient/" + id).as(Bundle.class);
        assertThat(found.getEntry()).singleElement().satisfies(entry -> {
            AuditEvent event = (AuditEvent) entry.getResource();
            assertThat(event.getOutcome()).isEqualTo(AuditEvent.AuditEventOutcome._4);
            assertThat(event.getOutcomeDesc()).startsWith("401");
            assertThat(event.getSubtypeFirstRep().getCode()).isEqualTo("read");
        });
    }

    /**
     * No proxy is trusted by default: a client cannot choose the address the trail records (nor the
     * one login rate limits and lockout alerts key on) by sending X-Forwarded-For.
     */
    @Test
    void whenAClientSendsXForwardedForThenTheTrailRecordsTheSocketAddress() {
        String id = "xff-" + UUID.randomUUID().toString().substring(0, 8);

        fhir().get("/Patient/" + id, "X-Forwarded-For", "203.0.113.9");

        Bundle found = auditor.get("/AuditEvent?entity=Patient/" + id).as(Bundle.class);
        assertThat(found.getEntry())
                .singleElement()
                .satisfies(entry -> assertThat(((AuditEvent) entry.getResource())
                                .getAgentFirstRep()
                                .getNetwork()
                                .getAddress())
                        .isEqualTo("127.0.0.1"));
    }

    /**
     * A search without a patient, agent or resource pages through the trail without counting it
     * (a count of every record costs seconds on a real trail, on each page view: AuditQueryPlansIT
     * checks that it is not counted); asked for with {@code _summary=count}, the total is there.
     */
    @Test
    void whenASearchNamesNoPatientAgentOrResourceThenItPagesWithoutCountingTheTrail() {
        String id = "uncounted-" + UUID.randomUUID();
        for (int i = 0; i < 3; i++) {
            fhir().get("/Patient/" + id); // at least three records
        }

        Bundle first = auditor.get("/AuditEvent?_sort=-date&_count=2").as(Bundle.class);
        assertThat(first.hasTotal()).isFalse();
        assertThat(first.getEntry()).hasSize(2);
        assertThat(first.getLink("next")).isNotNull();
        Bundle second = auditor.get(first.getLink("next")
                        .getUrl()
                        .substring(auditor.baseUrl().length()))
                .as(Bundle.class);
        assertThat(second.getEntry()).hasSize(2);
        assertThat(second.getEntryFirstRep().getResource().getIdElement().getIdPart())
                .isNotIn(first.getEntry().stream()
                        .map(entry -> entry.getResource().getIdElement().getIdPart())
                        .toList());
        Bundle outcomesOnly = auditor.get("/AuditEvent?outcome=4&_count=1").as(Bundle.class);
        assertThat(outcomesOnly.hasTotal()).isFalse();

        Bundle counted = auditor.get("/AuditEvent?_summary=count").as(Bundle.class);
        assertThat(counted.getTotal()).isGreaterThanOrEqualTo(3);
        Bundle selective =
                auditor.get("/AuditEvent?entity=Patient/" + id + "&_count=1").as(Bundle.class);
        assertThat(selective.getEntry()).hasSize(1);
        assertThat(selective.getLink("next")).isNotNull();
    }

    /** Audit rows are append-only: a value the client sent never reaches one, even in a parser error. */
    @Test
    void whenTheBodyHasAnInvalidValueThenTheRecordNamesTheElementNotTheValue() {
        String marker = "19" + UUID.randomUUID().toString().substring(0, 6);

        TestFhirClient.Response refused = fhir().send(
                        "POST",
                        "/Patient",
                        TestFhirClient.FHIR_JSON,
                        "{\"resourceType\":\"Patient\",\"birthDate\":\"" + marker + "\"}");

        assertThat(refused.status()).isEqualTo(400);
        Bundle failures =
                auditor.get("/AuditEvent?subtype=create&outcome=4&_count=5").as(Bundle.class);
        AuditEvent newest = (AuditEvent) failures.getEntryFirstRep().getResource();
        assertThat(newest.getOutcomeDesc())
                .startsWith("400")
                .contains("birthDate")
                .doesNotContain(marker);
    }

    @Test
    void whenUserSignsInThenLoginAndTokenEventsAreInTheTrail() {
        TestLogins.User nurse = logins.user(Role.NURSE, Optional.of("Practitioner/audit-nurse"));
        logins.tokens(logins.browser(), nurse, "openid user/*.rs", Optional.empty());

        List<String> subtypes = eventsOf(nurse.account().id()).stream()
                .map(event -> event.getSubtypeFirstRep().getCode())
                .toList();
        assertThat(subtypes).contains("login-success", "mfa-success", "token-issued");
    }

    @Test
    void whenUserSignsOutThenTheLogoutIsInTheTrail() throws Exception {
        TestLogins.User nurse = logins.user(Role.NURSE, Optional.of("Practitioner/audit-nurse-out"));
        TestBrowser browser = logins.browser();
        logins.tokens(browser, nurse, "openid user/*.rs", Optional.empty());

        TestBrowser.Page account = browser.get("/auth/account");
        TestBrowser.Page signedOut = browser.post("/auth/logout", List.of(Map.entry("_csrf", account.field("_csrf"))));

        assertThat(signedOut.location()).endsWith("/auth/login?logout");
        assertThat(eventsOf(nurse.account().id()))
                .extracting(event -> event.getSubtypeFirstRep().getCode())
                .containsOnlyOnce("logout");
    }

    @Test
    void whenAuditEventWrittenThroughTheApiThenRefusedAndNothingStored() {
        long before = count();
        AuditEvent forged = new AuditEvent();
        forged.setType(new org.hl7.fhir.r4.model.Coding("x", "y", null));

        Response created = fhir().post("/AuditEvent", forged);
        Response deleted = fhir().delete("/AuditEvent/1");

        assertThat(created.status()).isBetween(400, 499);
        assertThat(deleted.status()).isBetween(400, 499);
        assertThat(count()).isGreaterThanOrEqualTo(before); // only the refusals were added
    }

    @Test
    void whenUpdateOrDeleteInSqlThenTheDatabaseRefuses() {
        assertThatThrownBy(() -> jdbc.update(
                        "UPDATE audit.record SET outcome = '0' WHERE id = (SELECT min(id) FROM audit.record)"))
                .isInstanceOf(DataAccessException.class)
                .hasStackTraceContaining("permission denied");
        // and even a superuser (who has every privilege) meets the triggers
        JdbcTemplate admin = new JdbcTemplate(administrator.dataSource());
        assertThatThrownBy(() -> admin.update(
                        "UPDATE audit.record SET outcome = '0' WHERE id = (SELECT min(id) FROM audit.record)"))
                .isInstanceOf(DataAccessException.class)
                .hasStackTraceContaining("append-only");
        assertThatThrownBy(() -> admin.update("DELETE FROM audit.record WHERE id = (SELECT min(id) FROM audit.record)"))
                .isInstanceOf(DataAccessException.class)
                .hasStackTraceContaining("append-only");
        assertThatThrownBy(() -> jdbc.update("DELETE FROM audit.record WHERE id = (SELECT min(id) FROM audit.record)"))
                .isInstanceOf(DataAccessException.class);
        assertThatThrownBy(() -> jdbc.execute("TRUNCATE audit.record")).isInstanceOf(DataAccessException.class);
        // the server's own login role: neither superuser nor owner, no DELETE, no watermark INSERT
        assertThatThrownBy(() -> jdbc.execute("ALTER TABLE audit.record DISABLE TRIGGER append_only"))
                .isInstanceOf(DataAccessException.class);
        assertThat(AuditSchema.isSuperuser(jdbc)).isFalse();
        assertThat(AuditSchema.problems(jdbc)).isEmpty();
    }

    @Test
    void whenChangesArriveInEveryWriteShapeThenEachRequestSettlesItsIntents() {
        String tag = "intent-" + UUID.randomUUID();
        long last = lastResourceKey();
        String patient = "{\"resourceType\":\"Patient\",\"meta\":{\"tag\":[{\"system\":\"urn:test\",\"code\":\"" + tag
                + "\"}]},\"active\":true}";
        Response transaction = fhir().send(
                        "POST",
                        "",
                        TestFhirClient.FHIR_JSON,
                        "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
                                + "{\"resource\":" + patient
                                + ",\"request\":{\"method\":\"POST\",\"url\":\"Patient\"}},"
                                + "{\"resource\":" + patient
                                + ",\"request\":{\"method\":\"POST\",\"url\":\"Patient\"}}]}");
        Response batch = fhir().send(
                        "POST",
                        "",
                        TestFhirClient.FHIR_JSON,
                        "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[" + "{\"resource\":" + patient
                                + ",\"request\":{\"method\":\"POST\",\"url\":\"Patient\"}}]}");
        String single = fhir().create("/Patient", new Patient().setActive(true));
        Response patched = fhir().send(
                        "PATCH",
                        "/Patient/" + single,
                        "application/json-patch+json",
                        "[{\"op\":\"replace\",\"path\":\"/active\",\"value\":false}]");
        Response conditionalDelete = fhir().delete("/Patient?_tag=urn:test%7C" + tag + "-b");

        assertThat(transaction.status()).as(transaction.body()).isEqualTo(200);
        assertThat(batch.status()).as(batch.body()).isEqualTo(200);
        assertThat(patched.status()).as(patched.body()).isEqualTo(200);
        assertThat(conditionalDelete.status()).as(conditionalDelete.body()).isBetween(200, 204);
        List<String> written = patientsStoredAfter(last);
        assertThat(written).hasSizeGreaterThanOrEqualTo(4);
        for (String id : written) {
            assertThat(jdbc.queryForObject(
                            "SELECT count(*) FROM audit.intent WHERE content LIKE ?",
                            Long.class,
                            "%Patient/" + id + "\"%"))
                    .as("unsettled intent of Patient/" + id)
                    .isZero();
        }
    }

    @Test
    void whenTheTrailFailsAfterAChangeCommitsThenTheClientGets503AndTheChangeIsRecoveredIntoTheTrail() {
        long last = lastResourceKey();
        Response created = postPatientWhileRefusing("audit.record", "subtype <> 'create'");

        assertThat(created.status()).as(created.body()).isEqualTo(503);
        List<String> stored = patientsStoredAfter(last);
        assertThat(stored).hasSize(1); // the change committed with its intent, before the trail failed
        String id = stored.get(0);
        assertThat(jdbc.queryForObject(
                        "SELECT count(*) FROM audit.record WHERE resource_id = ? AND subtype = 'create'",
                        Long.class,
                        id))
                .isZero();

        assertThat(pipeline.recoverIntents(java.time.Duration.ZERO)).isPositive();

        List<Map<String, Object>> records =
                jdbc.queryForList("SELECT content FROM audit.record WHERE resource_id = ? AND subtype = 'create'", id);
        assertThat(records).hasSize(1);
        assertThat((String) records.get(0).get("content"))
                .contains("\"outcomeDetail\":\"recovered: the change committed")
                .contains("\"clientId\":\"")
                .contains("Patient/" + id);
        assertThat(verify()).containsEntry("intact", "true");
    }

    @Test
    void whenTheTrailCannotTakeTheChangesRecordThenTheChangeRollsBackAndTheClientGets503() {
        long last = lastResourceKey();
        Response created = postPatientWhileRefusing("audit.intent", "false");

        assertThat(created.status()).as(created.body()).isEqualTo(503);
        assertThat(created.body()).contains("OperationOutcome").doesNotContain("Exception");
        assertThat(patientsStoredAfter(last)).isEmpty();
    }

    @Test
    void whenRowsAreTamperedWithBehindTheTriggersThenVerificationNamesTheFirstBrokenLink() {
        assertThat(verify()).containsEntry("intact", "true");
        JdbcTemplate admin = new JdbcTemplate(administrator.dataSource()); // a superuser: the app role cannot
        Map<String, Object> row = admin.queryForMap(
                "SELECT id, node, node_seq, content FROM audit.record ORDER BY id DESC OFFSET 5 LIMIT 1");
        long id = (Long) row.get("id");
        String content = (String) row.get("content");
        admin.execute("ALTER TABLE audit.record DISABLE TRIGGER append_only");
        try {
            // a changed row
            admin.update(
                    "UPDATE audit.record SET content = replace(content, '\"outcome\":\"', '\"outcome\":\"X') WHERE id = ?",
                    id);
            assertThat(verify().get("firstBroken"))
                    .contains("#" + row.get("node_seq"))
                    .contains("content changed");
            admin.update("UPDATE audit.record SET content = ? WHERE id = ?", content, id);
            assertThat(verify()).containsEntry("intact", "true");

            // a removed row
            Map<String, Object> full = admin.queryForMap("SELECT * FROM audit.record WHERE id = ?", id);
            admin.update("DELETE FROM audit.record WHERE id = ?", id);
            assertThat(verify().get("firstBroken"))
                    .contains("#" + row.get("node_seq"))
                    .contains("missing");
            admin.update(
                    "INSERT INTO audit.record (id, node, node_seq, recorded, category, subtype, action, outcome, user_id,"
                            + " client_id, resource_type, resource_id, patients, content, prev_hash, hash)"
                            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    full.get("id"),
                    full.get("node"),
                    full.get("node_seq"),
                    full.get("recorded"),
                    full.get("category"),
                    full.get("subtype"),
                    full.get("action"),
                    full.get("outcome"),
                    full.get("user_id"),
                    full.get("client_id"),
                    full.get("resource_type"),
                    full.get("resource_id"),
                    full.get("patients"),
                    full.get("content"),
                    full.get("prev_hash"),
                    full.get("hash"));
            assertThat(verify()).containsEntry("intact", "true");
        } finally {
            admin.update("UPDATE audit.record SET content = ? WHERE id = ?", content, id);
            admin.execute("ALTER TABLE audit.record ENABLE TRIGGER append_only");
        }
    }

    @Test
    void whenAuditorAsksWhoSawAPatientThenOneSearchAndTheAccessReportAnswer() {
        Patient patient = new Patient();
        patient.addName().setFamily("Reported");
        fhir().put("/Practitioner/report-nurse", new org.hl7.fhir.r4.model.Practitioner().setId("report-nurse"));
        patient.addGeneralPractitioner(new org.hl7.fhir.r4.model.Reference("Practitioner/report-nurse"));
        String p = fhir().create("/Patient", patient);
        String nurseToken = logins.accessToken(Role.NURSE, Optional.of("Practitioner/report-nurse"), "user/*.rs");
        assertThat(client(nurseToken).get("/Patient/" + p).status()).isEqualTo(200);

        Bundle whoSaw = auditor.get("/AuditEvent?patient=Patient/" + p + "&date=ge2020-01-01&_sort=-date&action=R")
                .as(Bundle.class);
        Response report = auditor.get("/Patient/" + p + "/$access-report");
        Response csv = auditor.get("/Patient/" + p + "/$access-report?format=csv", "Accept", "text/csv");

        assertThat(whoSaw.getEntry())
                .anySatisfy(entry -> assertThat(((AuditEvent) entry.getResource())
                                .getAgentFirstRep()
                                .getWho()
                                .getReference())
                        .isEqualTo("Practitioner/report-nurse"));
        assertThat(report.status()).as(report.body()).isEqualTo(200);
        assertThat(report.body()).contains("Practitioner/report-nurse");
        assertThat(csv.status()).as(csv.body()).isEqualTo(200);
        assertThat(csv.body()).startsWith("recorded,action,interaction").contains("Practitioner/report-nurse");
    }

    @Test
    void whenPatientSearchesTheAuditTrailThenOnlyTheirOwn() {
        Patient me = new Patient();
        me.addName().setFamily("Self");
        String p = fhir().create("/Patient", me);
        Patient other = new Patient();
        other.addName().setFamily("Other");
        String q = fhir().create("/Patient", other);
        String patientToken =
                logins.accessToken(Role.PATIENT, Optional.of("Patient/" + p), "launch/patient patient/*.rs");

        Response mine = client(patientToken).get("/AuditEvent");
        Response theirs = client(patientToken).get("/AuditEvent?patient=Patient/" + q);

        assertThat(mine.status()).as(mine.body()).isEqualTo(200);
        assertThat(mine.body()).contains("Patient/" + p).doesNotContain("Patient/" + q + "\"");
        assertThat(theirs.body()).doesNotContain("Patient/" + q + "\"");
    }

    // --- helpers ---

    private long lastResourceKey() {
        return jdbc.queryForObject("SELECT coalesce(max(res_id), 0) FROM hfj_resource", Long.class);
    }

    private List<String> patientsStoredAfter(long resourceKey) {
        return jdbc.queryForList(
                "SELECT fhir_id FROM hfj_resource WHERE res_type = 'Patient' AND res_id > ?",
                String.class,
                resourceKey);
    }

    /** Creates a Patient while the audit table refuses rows that fail the check (as a superuser sets it). */
    private Response postPatientWhileRefusing(String table, String check) {
        JdbcTemplate admin = new JdbcTemplate(administrator.dataSource());
        Patient patient = new Patient();
        patient.addIdentifier().setSystem("urn:test:intent").setValue("refused");
        admin.execute("ALTER TABLE " + table + " ADD CONSTRAINT test_refusal CHECK (" + check + ") NOT VALID");
        try {
            return fhir().post("/Patient", patient);
        } finally {
            admin.execute("ALTER TABLE " + table + " DROP CONSTRAINT test_refusal");
        }
    }

    private Map<String, String> verify() {
        Parameters result = auditor.get("/$verify-audit-chain").as(Parameters.class);
        return Map.of(
                "intact", result.getParameterBool("intact") ? "true" : "false",
                "firstBroken",
                        result.getParameter("firstBroken") == null
                                ? ""
                                : result.getParameter("firstBroken").getValue().primitiveValue());
    }

    private long count() {
        return jdbc.queryForObject("SELECT count(*) FROM audit.record", Long.class);
    }

    private List<AuditEvent> eventsOf(String userId) {
        Bundle bundle =
                auditor.get("/AuditEvent?agent=" + userId + "&_count=200").as(Bundle.class);
        return bundle.getEntry().stream()
                .map(entry -> (AuditEvent) entry.getResource())
                .toList();
    }

    private static void assertOne(
            List<AuditEvent> events, String subtype, String outcome, String what, String patient) {
        assertCount(events, subtype, outcome, what, patient, 1);
    }

    private static void assertCount(
            List<AuditEvent> events, String subtype, String outcome, String what, String patient, int count) {
        Predicate<AuditEvent> matches =
                event -> event.getSubtypeFirstRep().getCode().equals(subtype)
                        && event.getOutcome().toCode().equals(outcome)
                        && (what == null
                                || event.getEntity().stream()
                                        .filter(e -> "4".equals(e.getRole().getCode()))
                                        .map(e -> e.getWhat().getReference())
                                        .anyMatch(ref -> what.equals(ref)
                                                || (ref != null && ref.startsWith(what + "/_history/"))));
        assertThat(events)
                .as(
                        "%s %s %s among %s",
                        subtype,
                        outcome,
                        what,
                        events.stream()
                                .filter(matches)
                                .map(TestFhirClient::encode)
                                .toList())
                .filteredOn(matches)
                .hasSize(count);
        assertThat(events.stream().filter(matches).findFirst().orElseThrow().getEntity())
                .as("%s names %s", subtype, patient)
                .anyMatch(entity -> patient.equals(entity.getWhat().getReference())
                        && "1".equals(entity.getRole().getCode()));
    }

    private TestFhirClient client(String token) {
        return new TestFhirClient(
                "https://localhost:" + port + "/fhir", TestFhirClient.trusting(certificate()), () -> token);
    }
}
