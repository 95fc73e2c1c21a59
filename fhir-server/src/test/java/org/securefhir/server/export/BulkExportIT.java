package org.securefhir.server.export;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
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
import org.securefhir.server.support.TestTokens;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;

/**
 * FHIR Bulk Data export end to end over HTTPS: a backend client kicks off, polls and downloads;
 * what a file holds is compared with what the same client finds by searching (same authorization,
 * consent and masking); other clients, users' apps and patient apps cannot export or see another's
 * export; files are sealed at rest and gone after expiry or cancel; downloads are audited with
 * their patients.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BulkExportIT extends AbstractFhirServerIT {

    private static final String TAG = "https://securefhir.org/test/export-run";
    private static final String ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
    private static final String CATEGORY = "urn:securefhir:consent-category";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] ASYNC = {"Prefer", "respond-async"};

    @Autowired
    private RegisteredClientRepository clients;

    @Autowired
    private UserAccounts accounts;

    @Autowired
    private TotpService totp;

    @Autowired
    private JdbcTemplate jdbc;

    @Autowired
    private ExportRunner runner;

    private String run;
    private String open;
    private String denied;
    private String other;
    private String groupId;
    private TestFhirClient exporter;

    @BeforeAll
    void load() {
        run = UUID.randomUUID().toString().substring(0, 8);
        open = "x-open-" + run;
        denied = "x-deny-" + run;
        other = "x-other-" + run;
        Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        for (String id : List.of(open, denied, other)) {
            Patient patient = new Patient();
            patient.setId(id);
            patient.getMeta().addTag(TAG, run, null);
            patient.addName().setFamily("Exported" + id.replace("-", ""));
            add(transaction, patient);
            add(transaction, observation(id + "-obs", id, null));
        }
        // HIV-labelled: the integration role is not cleared for it (consent.md)
        add(transaction, observation(open + "-hiv", open, "HIV"));
        // the 'deny' patient withholds treatment data from everyone (no exception for backends)
        Consent consent = new Consent();
        consent.setId("x-consent-" + run);
        consent.setStatus(Consent.ConsentState.ACTIVE);
        consent.setScope(new CodeableConcept(
                new Coding("http://terminology.hl7.org/CodeSystem/consentscope", "patient-privacy", null)));
        consent.addCategory(new CodeableConcept(new Coding(CATEGORY, "treatment", null)));
        consent.setPatient(new Reference("Patient/" + denied));
        consent.getProvision().setType(Consent.ConsentProvisionType.DENY);
        add(transaction, consent);
        Group group = new Group();
        group.setId("x-group-" + run);
        group.setType(Group.GroupType.PERSON);
        group.setActual(true);
        group.addMember().setEntity(new Reference("Patient/" + open));
        // (a group naming the 'deny' patient is that patient's data too: withheld from the backend)
        group.addMember().setEntity(new Reference("Patient/" + other));
        add(transaction, group);
        groupId = group.getIdElement().getIdPart();
        Response loaded = fhir().post("", transaction);
        assertThat(loaded.status()).as(loaded.body()).isEqualTo(200);
        exporter = backend("system/*.rs", List.of("integration"));
    }

    @Test
    void whenABackendExportsAGroupThenTheFilesHoldExactlyWhatItsSearchesFind() {
        // when the integration backend exports the group's Patients and Observations
        Response kickOff = exporter.get("/Group/" + groupId + "/$export?_type=Patient,Observation", ASYNC);

        // then it is accepted, and the manifest lists NDJSON files
        assertThat(kickOff.status()).as(kickOff.body()).isEqualTo(202);
        JsonNode manifest = finished(exporter, kickOff.header("Content-Location"));
        assertThat(manifest.path("requiresAccessToken").asBoolean()).isTrue();
        assertThat(manifest.path("request").asText())
                .endsWith("/Group/" + groupId + "/$export?_type=Patient,Observation");
        assertThat(Instant.parse(manifest.path("transactionTime").asText()))
                .isBefore(Instant.now().plusSeconds(1));
        Map<String, Set<String>> exported = download(exporter, manifest);

        // and they hold what the same client finds by searching the members' data: not the
        // HIV-labelled Observation it is not cleared for
        assertThat(exported.get("Patient")).isEqualTo(searched("Patient?_id=" + open + "," + other));
        assertThat(exported.get("Observation"))
                .isEqualTo(searched("Observation?subject=Patient/" + open + ",Patient/" + other));
        assertThat(exported.get("Patient")).containsExactly(open, other);
        assertThat(exported.get("Observation")).containsExactly(open + "-obs", other + "-obs");
        assertThat(manifest.path("output").findValuesAsText("type")).doesNotContain("Consent");
    }

    @Test
    void whenExportingAtSystemAndPatientLevelWithFiltersThenOnlyMatchingPermittedResourcesAreExported() {
        for (String level : List.of("", "/Patient")) {
            // when the backend exports with _typeFilter (the run's tag) and _since
            Response kickOff = exporter.get(
                    level + "/$export?_type=Patient,Observation&_since=2020-01-01T00:00:00Z&_typeFilter="
                            + encode("Patient?_tag=" + TAG + "|" + run) + ","
                            + encode("Observation?_tag=" + TAG + "|" + run),
                    ASYNC);
            assertThat(kickOff.status()).as(kickOff.body()).isEqualTo(202);
            Map<String, Set<String>> exported =
                    download(exporter, finished(exporter, kickOff.header("Content-Location")));

            // then exactly what its searches with those criteria find: not the patient whose Consent
            // withholds their data, not the HIV-labelled Observation
            String tag = encode(TAG + "|" + run);
            assertThat(exported.get("Patient")).as(level).isEqualTo(searched("Patient?_tag=" + tag));
            assertThat(exported.get("Observation")).as(level).isEqualTo(searched("Observation?_tag=" + tag));
            assertThat(exported.get("Patient")).as(level).containsExactly(open, other);
            assertThat(exported.get("Observation")).as(level).containsExactly(open + "-obs", other + "-obs");
        }
    }

    @Test
    void whenTheSinceIsAfterEveryChangeThenNothingIsExported() {
        Response kickOff = exporter.get(
                "/$export?_type=Patient&_since=" + Instant.now().plusSeconds(3600) + "&_typeFilter="
                        + encode("Patient?_tag=" + TAG + "|" + run),
                ASYNC);
        assertThat(kickOff.status()).as(kickOff.body()).isEqualTo(202);
        JsonNode manifest = finished(exporter, kickOff.header("Content-Location"));
        assertThat(manifest.path("output")).isEmpty();
    }

    @Test
    void whenAnotherClientAsksForTheExportThenItIsNotFoundAndTheOwnerStillGetsIt() {
        Response kickOff = exporter.get("/Group/" + groupId + "/$export?_type=Patient", ASYNC);
        String status = kickOff.header("Content-Location");
        JsonNode manifest = finished(exporter, status);
        String file = manifest.path("output").get(0).path("url").asText();
        TestFhirClient other = backend("system/*.rs", List.of("integration"));

        // then another client with the same role gets 404 for status, file and cancel
        assertThat(other.get(path(status)).status()).isEqualTo(404);
        assertThat(other.get(path(file)).status()).isEqualTo(404);
        assertThat(other.delete(path(status)).status()).isEqualTo(404);
        assertThat(anonymousFhir().get(path(file)).status()).isEqualTo(401);
        // and the owner still gets its file
        Response own = exporter.get(path(file), "Accept", BulkExportOperations.NDJSON);
        assertThat(own.status()).isEqualTo(200);
        assertThat(own.header("Content-Type")).startsWith("application/fhir+ndjson");
        assertThat(own.body()).contains("\"id\":\"" + open + "\"");
    }

    @Test
    void whenCallersOtherThanAnExportingBackendKickOffThenTheyAreRefused() {
        TestLogins logins = new TestLogins(
                "https://localhost:" + port,
                TestFhirClient.trusting(certificate()),
                accounts,
                totp,
                clients,
                List.of("openid", "fhirUser", "launch/patient", "patient/*.rs", "user/*.rs"));
        TestFhirClient patientApp = client(logins.accessToken(
                Role.PATIENT, Optional.of("Patient/" + open), "openid fhirUser launch/patient patient/*.rs"));
        TestFhirClient physicianApp =
                client(logins.accessToken(Role.PHYSICIAN, Optional.of("Practitioner/x-doc-" + run), "user/*.rs"));
        TestFhirClient billingBackend = backend("system/*.rs", List.of("billing"));
        TestFhirClient writeOnlyBackend = backend("system/*.c", List.of("integration"));
        TestFhirClient observationsOnly = backend("system/Observation.rs", List.of("integration"));

        for (TestFhirClient refused : List.of(patientApp, physicianApp, billingBackend, writeOnlyBackend)) {
            for (String kickOff : List.of("/$export", "/Patient/$export", "/Group/" + groupId + "/$export")) {
                Response answer = refused.get(kickOff, ASYNC);
                assertThat(answer.status()).as(kickOff + " " + answer.body()).isEqualTo(403);
                assertThat(answer.body()).contains("OperationOutcome");
            }
        }
        // a narrower backend may export what it may search, not more
        assertThat(observationsOnly.get("/$export?_type=Patient", ASYNC).status())
                .isEqualTo(403);
        Response narrow =
                observationsOnly.get("/$export?_typeFilter=" + encode("Observation?_tag=" + TAG + "|" + run), ASYNC);
        assertThat(narrow.status()).as(narrow.body()).isEqualTo(202);
        JsonNode manifest = finished(observationsOnly, narrow.header("Content-Location"));
        assertThat(manifest.path("output").findValuesAsText("type")).containsOnly("Observation");
    }

    @Test
    void whenTheKickOffIsMalformedThenAClearOperationOutcome() {
        for (String bad : List.of(
                "/$export?_type=NoSuchType",
                "/$export?_type=AuditEvent",
                "/$export?_since=yesterday",
                "/$export?_outputFormat=text/csv",
                "/$export?patient=Patient/" + open,
                "/$export?_typeFilter=" + encode("Observation?_include=Observation:subject"),
                "/$export?_type=Patient&_typeFilter=" + encode("Observation?code=1"),
                "/Patient/$export?_type=Organization")) {
            Response answer = exporter.get(bad, ASYNC);
            assertThat(answer.status()).as(bad + " " + answer.body()).isEqualTo(400);
            assertThat(answer.body()).contains("OperationOutcome");
        }
        Response withoutPrefer = exporter.get("/$export?_type=Patient");
        assertThat(withoutPrefer.status()).isEqualTo(400);
        assertThat(withoutPrefer.body()).contains("respond-async");
        assertThat(exporter.get("/$export-poll-status?_jobId=" + UUID.randomUUID())
                        .status())
                .isEqualTo(404);
        assertThat(exporter.get("/$export-poll-status?_jobId=not-a-uuid").status())
                .isEqualTo(404);
    }

    @Test
    void whenKickedOffByPostWithParametersThenTheSameExport() {
        org.hl7.fhir.r4.model.Parameters parameters = new org.hl7.fhir.r4.model.Parameters();
        parameters.addParameter("_type", "Patient");
        parameters.addParameter("_typeFilter", "Patient?_tag=" + encode(TAG + "|" + run));
        Response kickOff = exporter.post("/$export", parameters, ASYNC);
        assertThat(kickOff.status()).as(kickOff.body()).isEqualTo(202);
        Map<String, Set<String>> exported = download(exporter, finished(exporter, kickOff.header("Content-Location")));
        assertThat(exported.get("Patient")).containsExactly(open, other);
    }

    @Test
    void whenAFilterIsRefusedByTheSearchThenItsOutcomeIsInTheErrorFileAndTheRestIsExported() {
        Response kickOff = exporter.get(
                "/$export?_type=Patient,Observation&_typeFilter=" + encode("Patient?_tag=" + TAG + "|" + run) + ","
                        + encode("Observation?no-such-parameter=1"),
                ASYNC);
        assertThat(kickOff.status()).as(kickOff.body()).isEqualTo(202);
        JsonNode manifest = finished(exporter, kickOff.header("Content-Location"));
        assertThat(manifest.path("output").findValuesAsText("type")).containsExactly("Patient");
        assertThat(manifest.path("error").findValuesAsText("type")).containsExactly("OperationOutcome");
        Response errors = exporter.get(
                path(manifest.path("error").get(0).path("url").asText()), "Accept", BulkExportOperations.NDJSON);
        assertThat(errors.body()).contains("OperationOutcome").contains("no-such-parameter");
    }

    @Test
    void whenAClientHasAsManyExportsRunningAsItMayThenAnotherKickOffGets429() {
        TestFhirClient busy = backend("system/*.rs", List.of("integration"));
        List<String> jobs = new java.util.ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Response kickOff = busy.get("/Group/" + groupId + "/$export?_type=Patient", ASYNC);
            finished(busy, kickOff.header("Content-Location"));
            jobs.add(jobId(kickOff.header("Content-Location")));
        }
        // the two as if still running (a long export)
        jobs.forEach(job -> jdbc.update(
                "UPDATE bulk_export.job SET status = 'in-progress', heartbeat = now() WHERE id = ?::uuid", job));
        try {
            Response third = busy.get("/Group/" + groupId + "/$export?_type=Patient", ASYNC);
            assertThat(third.status()).as(third.body()).isEqualTo(429);
            assertThat(third.body()).contains("OperationOutcome");
            // another client is not held up by it
            assertThat(exporter.get("/Group/" + groupId + "/$export?_type=Patient", ASYNC)
                            .status())
                    .isEqualTo(202);
        } finally {
            jobs.forEach(job -> jdbc.update("UPDATE bulk_export.job SET status = 'completed' WHERE id = ?::uuid", job));
        }
    }

    @Test
    void whenAnExportIsCancelledThenItsStatusAndFilesAreGone() {
        Response kickOff = exporter.get("/Group/" + groupId + "/$export?_type=Patient", ASYNC);
        String status = kickOff.header("Content-Location");
        JsonNode manifest = finished(exporter, status);
        String file = manifest.path("output").get(0).path("url").asText();

        Response cancelled = exporter.delete(path(status));

        assertThat(cancelled.status()).isEqualTo(202);
        assertThat(exporter.get(path(status)).status()).isEqualTo(404);
        assertThat(exporter.get(path(file)).status()).isEqualTo(404);
        Integer rows = jdbc.queryForObject(
                "SELECT count(*) FROM bulk_export.file WHERE job_id = ?::uuid", Integer.class, jobId(status));
        assertThat(rows).isZero();
    }

    @Test
    void whenFilesAreStoredThenTheyAreSealedAndAfterExpiryTheyAreUnreadableAndDeleted() {
        Response kickOff = exporter.get("/Group/" + groupId + "/$export?_type=Patient", ASYNC);
        String status = kickOff.header("Content-Location");
        JsonNode manifest = finished(exporter, status);
        String file = manifest.path("output").get(0).path("url").asText();
        String job = jobId(status);

        // sealed at rest: neither the patient's name nor its id is in the stored bytes
        byte[] stored = jdbc.queryForObject(
                "SELECT content FROM bulk_export.file WHERE job_id = ?::uuid AND seq = 1", byte[].class, job);
        String raw = new String(stored, StandardCharsets.ISO_8859_1);
        assertThat(raw).doesNotContain("Exported").doesNotContain(open).doesNotContain("Patient");
        byte[] request =
                jdbc.queryForObject("SELECT request FROM bulk_export.job WHERE id = ?::uuid", byte[].class, job);
        assertThat(new String(request, StandardCharsets.ISO_8859_1)).doesNotContain("$export");

        // when it expires (its expiry moved to the past, as the clock would)
        jdbc.update("UPDATE bulk_export.job SET expires = now() - interval '1 second' WHERE id = ?::uuid", job);

        // then neither the manifest nor the file is served, and the sweep deletes both with the key
        assertThat(exporter.get(path(status)).status()).isEqualTo(404);
        assertThat(exporter.get(path(file)).status()).isEqualTo(404);
        runner.sweep();
        Integer rows =
                jdbc.queryForObject("SELECT count(*) FROM bulk_export.job WHERE id = ?::uuid", Integer.class, job);
        assertThat(rows).isZero();
    }

    @Test
    void whenAFileIsDownloadedThenTheAuditTrailNamesEveryPatientInIt() {
        Response kickOff = exporter.get("/Group/" + groupId + "/$export?_type=Patient,Observation", ASYNC);
        JsonNode manifest = finished(exporter, kickOff.header("Content-Location"));
        for (JsonNode output : manifest.path("output")) {
            assertThat(exporter.get(path(output.path("url").asText())).status()).isEqualTo(200);
        }
        TestLogins logins = new TestLogins(
                "https://localhost:" + port,
                TestFhirClient.trusting(certificate()),
                accounts,
                totp,
                clients,
                List.of("openid", "fhirUser", "user/*.rs"));
        TestFhirClient auditor = client(logins.accessToken(Role.AUDITOR, Optional.empty(), "user/*.rs"));

        Bundle records = auditor.get("/AuditEvent?patient=Patient/" + open + "&_count=200")
                .as(Bundle.class);

        long downloads = records.getEntry().stream()
                .map(entry -> (org.hl7.fhir.r4.model.AuditEvent) entry.getResource())
                .filter(event ->
                        event.getEntity().stream().anyMatch(entity -> "$export-download".equals(entity.getName())))
                .count();
        assertThat(downloads)
                .as(auditor.get("/AuditEvent?patient=Patient/" + open + "&_count=5")
                        .body())
                .isGreaterThanOrEqualTo(manifest.path("output").size());
    }

    @Test
    void whenDiscoveryDocumentsAreReadThenTheyDeclareBulkDataAndBackendServices() {
        CapabilityStatement statement = anonymousFhir().get("/metadata").as(CapabilityStatement.class);
        assertThat(statement.getInstantiates())
                .anyMatch(
                        uri -> uri.getValue().equals("http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data"));
        assertThat(statement.getRestFirstRep().getOperation())
                .anyMatch(operation -> operation.getName().equals("export"));
        // and the SMART configuration offers what a Bulk Data client needs to get its token
        Response smart = anonymousFhir().get("/.well-known/smart-configuration");
        assertThat(smart.status()).isEqualTo(200);
        assertThat(smart.body())
                .contains("client_credentials")
                .contains("client-confidential-asymmetric")
                .contains("private_key_jwt")
                .contains("system/*.rs");
    }

    // --- helpers

    /** Polls the status URL (honouring Retry-After) until the manifest; fails after 60 s. */
    private static JsonNode finished(TestFhirClient client, String statusUrl) {
        assertThat(statusUrl).contains("$export-poll-status");
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (Instant.now().isBefore(deadline)) {
            Response status = client.get(path(statusUrl));
            if (status.status() == 200) {
                try {
                    return JSON.readTree(status.body());
                } catch (java.io.IOException e) {
                    throw new AssertionError(status.body(), e);
                }
            }
            assertThat(status.status()).as(status.body()).isEqualTo(202);
            assertThat(status.header("Retry-After")).isNotBlank();
            sleep(200);
        }
        throw new AssertionError("export did not finish in 60 s");
    }

    /** Downloads every output file: per type, the ids in it (each line one resource of that type). */
    private static Map<String, Set<String>> download(TestFhirClient client, JsonNode manifest) {
        Map<String, Set<String>> ids = new HashMap<>();
        for (JsonNode output : manifest.path("output")) {
            String type = output.path("type").asText();
            Response file = client.get(path(output.path("url").asText()), "Accept", "application/fhir+ndjson");
            assertThat(file.status()).as(file.body()).isEqualTo(200);
            List<String> lines =
                    file.body().lines().filter(line -> !line.isBlank()).toList();
            assertThat(lines).hasSize(output.path("count").asInt());
            for (String line : lines) {
                Resource resource =
                        (Resource) TestFhirClient.fhir().newJsonParser().parseResource(line);
                assertThat(resource.fhirType()).isEqualTo(type);
                assertThat(ids.computeIfAbsent(type, key -> new TreeSet<>())
                                .add(resource.getIdElement().getIdPart()))
                        .as("each resource once")
                        .isTrue();
            }
        }
        return ids;
    }

    /** What the exporting client finds by searching (every page). */
    private Set<String> searched(String query) {
        Set<String> ids = new TreeSet<>();
        String next = "/" + query + (query.contains("?") ? "&" : "?") + "_count=200";
        while (next != null) {
            Response page = exporter.get(next);
            assertThat(page.status()).as(page.body()).isEqualTo(200);
            Bundle bundle = page.as(Bundle.class);
            bundle.getEntry()
                    .forEach(entry -> ids.add(entry.getResource().getIdElement().getIdPart()));
            next = bundle.getLink("next") == null
                    ? null
                    : path(bundle.getLink("next").getUrl());
        }
        return ids.isEmpty() ? null : ids;
    }

    private TestFhirClient backend(String scope, List<String> roles) {
        TestTokens tokens = new TestTokens(
                "https://localhost:" + port, TestFhirClient.trusting(certificate()), clients, scope, roles);
        return new TestFhirClient(
                "https://localhost:" + port + "/fhir", TestFhirClient.trusting(certificate()), tokens);
    }

    private TestFhirClient client(String token) {
        return new TestFhirClient(
                "https://localhost:" + port + "/fhir", TestFhirClient.trusting(certificate()), () -> token);
    }

    /** The part of an absolute URL of this server after the FHIR base. */
    private static String path(String url) {
        URI uri = URI.create(url);
        String path = uri.getRawPath().substring("/fhir".length());
        return path + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    }

    private static String jobId(String statusUrl) {
        return statusUrl.substring(statusUrl.indexOf("_jobId=") + "_jobId=".length());
    }

    private static String encode(String text) {
        return java.net.URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    private Observation observation(String id, String patient, String label) {
        Observation observation = new Observation();
        observation.setId(id);
        observation.getMeta().addTag(TAG, run, null);
        if (label != null) {
            observation.getMeta().addSecurity(ACT_CODE, label, null);
        }
        observation.setStatus(Observation.ObservationStatus.FINAL);
        observation.getCode().setText("exported observation");
        observation.setSubject(new Reference("Patient/" + patient));
        return observation;
    }

    private static void add(Bundle transaction, Resource resource) {
        transaction
                .addEntry()
                .setResource(resource)
                .getRequest()
                .setMethod(Bundle.HTTPVerb.PUT)
                .setUrl(resource.fhirType() + "/" + resource.getIdElement().getIdPart());
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
