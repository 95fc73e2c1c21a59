package org.securefhir.server.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.securefhir.server.support.AbstractFhirServerIT;
import org.securefhir.server.support.TestFhirClient;
import org.securefhir.server.support.TestFhirClient.Response;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * No value a client sends reaches a log line or an audit row, even when the request is refused
 * because of that value: malformed bodies, invalid element values, invalid search values, bad
 * patches and bundles. Every marker is unique to this test and checked in the server's whole log
 * output (captured while the requests ran) and in every audit table.
 */
@ExtendWith(OutputCaptureExtension.class)
class RequestValuesNeverLoggedIT extends AbstractFhirServerIT {

    @Autowired
    private JdbcTemplate jdbc;

    @Test
    void whenRequestsAreRefusedBecauseOfTheirValuesThenNoValueIsInTheLogOrTheAuditTrail(CapturedOutput output) {
        TestFhirClient fhir = fhir();
        String patientId = fhir.create("/Patient", new org.hl7.fhir.r4.model.Patient().setActive(true));
        // values of bodies and headers: in no log line and no audit row; search values: in no log
        // line (the audit record keeps the query as sent, by design, blind-indexed where encrypted)
        List<String> bodyValues = List.of("Qzbirth", "Qzfamily", "Qzpatch", "Qzbundle", "Qzheader");
        List<String> searchValues = List.of("Qzsearch", "Qzdate", "Qztoken", "Qzref");

        List<Response> responses = List.of(
                fhir.send(
                        "POST",
                        "/Patient",
                        TestFhirClient.FHIR_JSON,
                        "{\"resourceType\":\"Patient\",\"birthDate\":\"1970-Qzbirth\"}"),
                fhir.send(
                        "POST",
                        "/Patient",
                        TestFhirClient.FHIR_JSON,
                        "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"Qzfamily\"}],"),
                fhir.get("/Patient?family:Qzsearch=x"),
                fhir.get("/Observation?date=Qzdate"),
                fhir.get("/Observation?subject=Qzref/1/2/3"),
                fhir.get("/Observation?code=a%7Cb%7CQztoken%7Cc"),
                fhir.send(
                        "PATCH",
                        "/Patient/" + patientId,
                        "application/json-patch+json",
                        "[{\"op\":\"replace\",\"path\":\"/Qzpatch\",\"value\":\"Qzpatch\"}]"),
                fhir.send(
                        "POST",
                        "",
                        TestFhirClient.FHIR_JSON,
                        "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"resource\":"
                                + "{\"resourceType\":\"Patient\",\"birthDate\":\"Qzbundle\"},"
                                + "\"request\":{\"method\":\"POST\",\"url\":\"Patient\"}}]}"),
                fhir.get("/Patient/" + patientId, "X-Purpose-Of-Use", "Qzheader"));

        for (int refused : new int[] {0, 1, 2, 3, 6, 7}) { // refused because of the value
            Response response = responses.get(refused);
            assertThat(response.status()).as(response.body()).isBetween(400, 499);
        }
        // and the authorization server's: a login with a typed name and password, an unknown client
        org.securefhir.server.support.TestBrowser browser = new org.securefhir.server.support.TestBrowser(
                "https://localhost:" + port, TestFhirClient.trusting(certificate()));
        org.securefhir.server.support.TestBrowser.Page login = browser.get("/auth/login");
        browser.post(
                "/auth/login",
                List.of(
                        Map.entry("username", "Qzuser"),
                        Map.entry("password", "Qzpassword"),
                        Map.entry("_csrf", login.field("_csrf"))));
        browser.postForJson(
                "/auth/oauth2/token",
                List.of(
                        Map.entry("grant_type", "client_credentials"),
                        Map.entry("client_id", "Qzclient"),
                        Map.entry("client_secret", "Qzsecret")));
        List<String> authValues = List.of("Qzuser", "Qzpassword", "Qzsecret");
        assertThat(jdbc.queryForObject(
                        "SELECT count(*) FROM audit.record WHERE subtype = 'login-failure'"
                                + " AND recorded > now() - interval '1 minute'",
                        Long.class))
                .as("the failed login was recorded")
                .isPositive();

        String logs = output.getAll();
        assertThat(logs).as("the capture sees the server's log").isNotBlank();
        String audit = String.join(
                "\n",
                jdbc.queryForList(
                        "SELECT content FROM audit.record WHERE recorded > now() - interval '10 minutes'"
                                + " UNION ALL SELECT content FROM audit.intent",
                        String.class));
        assertThat(audit).as("the audit trail recorded these requests").contains(patientId);
        for (String marker : bodyValues) {
            assertThat(logs).as("log output").doesNotContainIgnoringCase(marker);
            assertThat(audit).as("audit rows").doesNotContainIgnoringCase(marker);
        }
        for (String marker : searchValues) {
            assertThat(logs).as("log output").doesNotContainIgnoringCase(marker);
        }
        for (String marker : authValues) { // typed names are kept only as keyed pseudonyms
            assertThat(logs).as("log output").doesNotContainIgnoringCase(marker);
            assertThat(audit).as("audit rows").doesNotContainIgnoringCase(marker);
        }
    }
}
