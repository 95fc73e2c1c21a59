package org.securefhir.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import org.securefhir.auth.demo.DemoData;
import org.securefhir.auth.mfa.TotpService;
import org.securefhir.auth.user.Role;
import org.securefhir.auth.user.UserAccounts;
import org.securefhir.server.support.AbstractFhirServerIT;
import org.securefhir.server.support.TestBrowser;
import org.securefhir.server.support.TestBrowser.Page;
import org.securefhir.server.support.TestFhirClient;
import org.securefhir.server.support.TestLogins;
import org.securefhir.server.support.TestResources;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * EHR launch end to end over HTTPS: the EHR mints a launch id for the patient and encounter on its
 * screen, the app is opened with it, a clinician signs in and consents, and the token response
 * carries the EHR's context.
 */
class EhrLaunchIT extends AbstractFhirServerIT {

    private static final String REDIRECT = DemoData.REDIRECT_URIS.get(0);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Autowired
    private UserAccounts accounts;

    @Autowired
    private TotpService totp;

    @Autowired
    private JdbcTemplate jdbc;

    @Test
    void ehrLaunchWhenClinicianAuthorizesThenTokenResponseCarriesTheEhrContext() throws Exception {
        String launch = mintLaunch(Map.of(
                "patient", "demo-patient",
                "encounter", "enc-42",
                "fhirContext", List.of("Encounter/enc-42", "DiagnosticReport/dr-7")));
        TestLogins.User clinician = clinician();
        TestBrowser browser = browser();
        String verifier = verifier();

        Page redirect = authorize(browser, clinician, "launch openid fhirUser patient/*.rs", launch, verifier);
        assertThat(redirect.location()).as(redirect.body()).startsWith(REDIRECT);
        Page token = exchange(browser, redirect.locationQuery().get("code"), verifier);

        assertThat(token.status()).as(token.body()).isEqualTo(200);
        JsonNode response = JSON.readTree(token.body());
        assertThat(response.path("patient").asText()).isEqualTo("demo-patient");
        assertThat(response.path("encounter").asText()).isEqualTo("enc-42");
        assertThat(response.path("need_patient_banner").asBoolean()).isFalse();
        assertThat(response.path("fhirContext").toString())
                .contains("Encounter/enc-42")
                .contains("DiagnosticReport/dr-7");
        assertThat(response.path("smart_style_url").asText())
                .isEqualTo("https://localhost:" + port + "/auth/smart-style.json");
        JsonNode claims = JSON.readTree(Base64.getUrlDecoder()
                .decode(response.path("access_token").asText().split("\\.")[1]));
        assertThat(claims.path("patient").asText()).isEqualTo("demo-patient");
        assertThat(claims.path("encounter").asText()).isEqualTo("enc-42");

        // the token reaches its patient's compartment and nothing else (patient/*.rs: read only)
        String accessToken = response.path("access_token").asText();
        TestFhirClient asApp = new TestFhirClient(
                "https://localhost:" + port + "/fhir", TestFhirClient.trusting(certificate()), () -> accessToken);
        String other = fhir().create("/Patient", TestResources.patient("Other", "1950-01-01"));
        assertThat(asApp.get("/Patient/demo-patient").status()).isEqualTo(200);
        // another patient's record answers exactly like a record that does not exist
        TestFhirClient.Response foreign = asApp.get("/Patient/" + other);
        TestFhirClient.Response absent = asApp.get("/Patient/" + other + "x");
        assertThat(foreign.status()).isEqualTo(404);
        assertThat(absent.status()).isEqualTo(404);
        assertThat(foreign.body().replace(other, "ID")).isEqualTo(absent.body().replace(other + "x", "ID"));
        assertThat(asApp.get("/Observation?patient=Patient/" + other).status()).isEqualTo(403);
        // searches are narrowed to the token's patient: counts and totals include nobody else
        Observation foreignObservation = new Observation();
        foreignObservation.setStatus(Observation.ObservationStatus.FINAL);
        foreignObservation.getCode().setText("heart rate");
        foreignObservation.setSubject(new Reference("Patient/" + other));
        fhir().create("/Observation", foreignObservation);
        // counts are refused where patient consent applies (a clinician's app): nothing withheld is counted
        TestFhirClient.Response count = asApp.get("/Observation?_summary=count");
        assertThat(count.status()).as(count.body()).isEqualTo(400);
        assertThat(count.body()).doesNotContain("Patient/" + other);
        TestFhirClient.Response all = asApp.get("/Observation");
        assertThat(all.status()).isEqualTo(200);
        assertThat(all.body()).doesNotContain("Patient/" + other);
        assertThat(asApp.post("/Patient", TestResources.patient("Intruder", "1960-06-06"))
                        .status())
                .isEqualTo(403);

        Page style = browser().getJson("/auth/smart-style.json");
        assertThat(style.status()).isEqualTo(200);
        assertThat(JSON.readTree(style.body()).has("color_background")).isTrue();
    }

    @Test
    void ehrLaunchWhenTheLaunchIdExpiresThenRefreshedTokensKeepItsContextAndNoOtherAuthorizationCanUseIt()
            throws Exception {
        String launch = mintLaunch(Map.of("patient", "demo-patient", "encounter", "enc-7"));
        TestLogins.User clinician = clinician();
        TestBrowser browser = browser();
        String verifier = verifier();
        String scope = "launch openid fhirUser patient/*.rs offline_access";
        Page redirect = authorize(browser, clinician, scope, launch, verifier);
        JsonNode tokens =
                JSON.readTree(exchange(browser, redirect.locationQuery().get("code"), verifier)
                        .body());
        assertThat(tokens.path("patient").asText()).as(tokens.toString()).isEqualTo("demo-patient");
        String refreshToken = tokens.path("refresh_token").asText();
        assertThat(refreshToken).isNotBlank();

        // the id starts no second authorization, even before it expires (a replayed launch)
        TestLogins.User colleague = clinician();
        Page replay = authorize(browser(), colleague, "launch openid fhirUser patient/*.rs", launch, verifier());
        assertThat(replay.location()).as(replay.body()).startsWith(REDIRECT);
        assertThat(replay.locationQuery()).containsEntry("error", "invalid_request");

        // the id's minutes pass; the app refreshes its token hours later
        assertThat(jdbc.update(
                        "UPDATE smart_auth.ehr_launch SET expires_at = now() - interval '1 hour'"
                                + " WHERE id_hash = sha256(convert_to(?, 'UTF8'))",
                        launch))
                .isEqualTo(1);
        Page refreshed = logins().refresh(refreshToken);

        assertThat(refreshed.status()).as(refreshed.body()).isEqualTo(200);
        JsonNode again = JSON.readTree(refreshed.body());
        assertThat(again.path("patient").asText()).as(again.toString()).isEqualTo("demo-patient");
        assertThat(again.path("encounter").asText()).isEqualTo("enc-7");
        JsonNode claims = JSON.readTree(Base64.getUrlDecoder()
                .decode(again.path("access_token").asText().split("\\.")[1]));
        assertThat(claims.path("patient").asText()).isEqualTo("demo-patient");
        // and the refreshed token still reaches its patient's record
        String accessToken = again.path("access_token").asText();
        TestFhirClient asApp = new TestFhirClient(
                "https://localhost:" + port + "/fhir", TestFhirClient.trusting(certificate()), () -> accessToken);
        assertThat(asApp.get("/Patient/demo-patient").status()).isEqualTo(200);
    }

    @Test
    void standaloneLaunchWhenClinicianPicksPatientThenTokenResponseNamesIt() throws Exception {
        TestLogins.User clinician = clinician();
        TestBrowser browser = browser();
        String verifier = verifier();
        String scope = "launch/patient openid patient/*.rs";

        Page toConsent = authorize(browser, clinician, scope, null, verifier, false);
        assertThat(toConsent.location()).contains("/auth/consent");
        Page picker = browser.get(toConsent.location());
        assertThat(picker.body()).contains("patient-picker").doesNotContain("id=\"consent\"");

        Page matches = browser.get(toConsent.location() + "&q=Patient");
        assertThat(matches.body()).contains("value=\"demo-patient\"").contains("Demo Patient");
        Page refused = pick(browser, scope, matches, "no-such-patient");
        assertThat(refused.body()).contains("cannot be chosen");
        Page chosen = pick(browser, scope, matches, "demo-patient");
        assertThat(chosen.location()).contains("/auth/consent");

        Page consent = browser.get(chosen.location());
        assertThat(consent.body()).contains("id=\"picked\"").contains("id=\"consent\"");
        List<Map.Entry<String, String>> approval = new ArrayList<>(List.of(
                Map.entry("client_id", DemoData.PUBLIC_CLIENT_ID),
                Map.entry("state", consent.field("state")),
                Map.entry("_csrf", consent.field("_csrf"))));
        consent.fields("scope").stream()
                .filter(granted -> !granted.contains(" "))
                .forEach(granted -> approval.add(Map.entry("scope", granted)));
        Page redirect = browser.post("/auth/oauth2/authorize", approval);
        assertThat(redirect.location()).as(redirect.body()).startsWith(REDIRECT);
        Page token = exchange(browser, redirect.locationQuery().get("code"), verifier);

        JsonNode response = JSON.readTree(token.body());
        assertThat(response.path("patient").asText()).as(token.body()).isEqualTo("demo-patient");
        assertThat(response.path("need_patient_banner").asBoolean()).isTrue();
    }

    @Test
    void launchWhenClinicianDoesNotTreatThePatientThenNotOfferedNorPickableNorInContext() throws Exception {
        // a physician on no care team, encounter or general practitioner list of the demo patient
        TestLogins.User stranger = user(Role.PHYSICIAN, Optional.of("Practitioner/treats-nobody-" + UUID.randomUUID()));
        TestBrowser browser = browser();
        String scope = "launch/patient openid patient/*.rs";

        Page toConsent = authorize(browser, stranger, scope, null, verifier(), false);
        Page matches = browser.get(toConsent.location() + "&q=Patient");
        assertThat(matches.body()).contains("patient-picker").doesNotContain("demo-patient");
        Page pick = pick(browser, scope, matches, "demo-patient");
        assertThat(pick.body()).contains("cannot be chosen");

        // an EHR launch naming the patient does not put them in the stranger's context
        String launch = mintLaunch(Map.of("patient", "demo-patient"));
        String verifier = verifier();
        TestBrowser ehr = browser();
        // (another user of the same kind: a TOTP code is accepted once)
        TestLogins.User other = user(Role.NURSE, Optional.of("Practitioner/treats-nobody-" + UUID.randomUUID()));
        Page redirect = authorize(ehr, other, "launch openid fhirUser patient/*.rs", launch, verifier);
        assertThat(redirect.location()).as(redirect.body()).startsWith(REDIRECT);
        JsonNode response = JSON.readTree(
                exchange(ehr, redirect.locationQuery().get("code"), verifier).body());
        assertThat(response.path("patient").isMissingNode())
                .as(response.toString())
                .isTrue();
    }

    @Test
    void standaloneLaunchWhenAuditorThenNoPatientPickerAndNoPatientLookup() throws Exception {
        TestLogins.User auditor = user(Role.AUDITOR, Optional.empty());
        TestBrowser browser = browser();
        String scope = "launch/patient openid patient/*.rs";

        Page toConsent = authorize(browser, auditor, scope, null, verifier(), false);
        Page consent = browser.get(toConsent.location() + "&q=Patient");

        assertThat(consent.body()).doesNotContain("patient-picker").doesNotContain("demo-patient");
        Page pick = pick(browser, scope, consent, "demo-patient");
        assertThat(pick.body()).contains("cannot be chosen");
    }

    @Test
    void authorizeWhenLaunchUnknownOrWithoutLaunchScopeOrForAnotherAppThenInvalidRequest() throws Exception {
        TestLogins.User clinician = clinician();
        String forAnotherApp =
                mintLaunch(Map.of("patient", "demo-patient", "client_id", DemoData.CONFIDENTIAL_CLIENT_ID));
        String valid = mintLaunch(Map.of("patient", "demo-patient"));

        for (String[] attempt : new String[][] {
            {"launch openid", "no-such-launch"}, {"openid patient/*.rs", valid}, {"launch openid", forAnotherApp}
        }) {
            Page redirect = authorize(browser(), clinician, attempt[0], attempt[1], verifier());

            assertThat(redirect.location()).as(attempt[0] + " " + attempt[1]).startsWith(REDIRECT);
            assertThat(redirect.locationQuery()).containsEntry("error", "invalid_request");
        }
    }

    @Test
    void launchApiWhenNoTokenOrTokenWithoutScopeOrBadContextThenRefused() throws Exception {
        Page noToken = browser().postJson("/auth/launch", "{\"patient\":\"demo-patient\"}");
        assertThat(noToken.status()).isEqualTo(401);
        assertThat(noToken.raw().headers().firstValue("WWW-Authenticate"))
                .hasValueSatisfying(value -> assertThat(value).contains("invalid_token"));

        String withoutScope = backendToken("system/*.rs");
        Page wrongScope = browser()
                .postJson("/auth/launch", "{\"patient\":\"demo-patient\"}", "Authorization", "Bearer " + withoutScope);
        assertThat(wrongScope.status()).isEqualTo(401);

        String ehr = backendToken("ehr_launch");
        Page badPatient =
                browser().postJson("/auth/launch", "{\"patient\":\"../../etc\"}", "Authorization", "Bearer " + ehr);
        assertThat(badPatient.status()).isEqualTo(400);
        assertThat(JSON.readTree(badPatient.body()).path("error").asText()).isEqualTo("invalid_request");
        Page insecureStyle = browser()
                .postJson(
                        "/auth/launch",
                        "{\"patient\":\"p1\",\"smart_style_url\":\"http://ehr.example/style.json\"}",
                        "Authorization",
                        "Bearer " + ehr);
        assertThat(insecureStyle.status()).isEqualTo(400);
    }

    // --- helpers ---

    private TestLogins logins() {
        return new TestLogins("https://localhost:" + port, TestFhirClient.trusting(certificate()), accounts, totp);
    }

    private TestLogins.User clinician() {
        return user(Role.PHYSICIAN, Optional.of("Practitioner/demo-physician"));
    }

    private TestLogins.User user(Role role, Optional<String> fhirUser) {
        return logins().user(role, fhirUser);
    }

    private String mintLaunch(Map<String, Object> context) {
        return logins().mintLaunch(context);
    }

    private String backendToken(String scope) {
        return logins().backendToken(scope);
    }

    private Page authorize(TestBrowser browser, TestLogins.User user, String scope, String launch, String verifier) {
        return authorize(browser, user, scope, launch, verifier, true);
    }

    private Page authorize(
            TestBrowser browser, TestLogins.User user, String scope, String launch, String verifier, boolean approve) {
        return logins().authorize(browser, user, scope, Optional.ofNullable(launch), verifier, approve);
    }

    /** Chooses a patient in the picker of the consent page. */
    private static Page pick(TestBrowser browser, String scope, Page consent, String patient) {
        return browser.post(
                "/auth/consent/patient",
                List.of(
                        Map.entry("client_id", DemoData.PUBLIC_CLIENT_ID),
                        Map.entry("scope", scope),
                        Map.entry("state", consent.field("state")),
                        Map.entry("patient", patient),
                        Map.entry("_csrf", consent.field("_csrf"))));
    }

    private Page exchange(TestBrowser browser, String code, String verifier) {
        return logins().exchange(browser, code, verifier);
    }

    private static String verifier() {
        return TestLogins.verifier();
    }

    private TestBrowser browser() {
        return new TestBrowser("https://localhost:" + port, TestFhirClient.trusting(certificate()));
    }
}
