package org.securefhir.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.securefhir.auth.mfa.Totp;
import org.securefhir.auth.mfa.TotpService;
import org.securefhir.auth.user.NewUser;
import org.securefhir.auth.user.Role;
import org.securefhir.auth.user.UserAccount;
import org.securefhir.auth.user.UserAccounts;
import org.securefhir.server.support.AbstractFhirServerIT;
import org.securefhir.server.support.TestBrowser;
import org.securefhir.server.support.TestBrowser.Page;
import org.securefhir.server.support.TestFhirClient;
import org.securefhir.server.support.TestLogins;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The administration API over HTTPS: only an administrator's second-factor session may use it; users
 * and clients (RFC 7591 metadata) are created through it and work at once.
 */
class AdminApiIT extends AbstractFhirServerIT {

    private static final String PASSWORD = "an administrator's long passphrase";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Autowired
    private UserAccounts accounts;

    @Autowired
    private TotpService totp;

    @Test
    void registerWhenPublicAppMetadataThenCreatedWithPkceAndReadable() throws Exception {
        Admin admin = signedInAdmin();

        Page created = admin.post(
                "/auth/admin/clients",
                Map.of(
                        "client_name", "Growth chart",
                        "redirect_uris", List.of("https://apps.example.org/growth/callback"),
                        "grant_types", List.of("authorization_code", "refresh_token"),
                        "token_endpoint_auth_method", "none",
                        "scope", "openid fhirUser launch/patient patient/Observation.rs offline_access"));

        assertThat(created.status()).as(created.body()).isEqualTo(201);
        JsonNode client = JSON.readTree(created.body());
        assertThat(client.path("client_id").asText()).isNotBlank();
        assertThat(client.has("client_secret")).isFalse();
        assertThat(client.path("token_endpoint_auth_method").asText()).isEqualTo("none");
        Page read = admin.browser()
                .getJson("/auth/admin/clients/" + client.path("client_id").asText());
        assertThat(read.status()).isEqualTo(200);
        assertThat(JSON.readTree(read.body()).path("scope").asText()).contains("patient/Observation.rs");
    }

    @Test
    void registerWhenBackendServiceWithSecretThenSecretShownOnceAndTokensIssued() throws Exception {
        Admin admin = signedInAdmin();

        JsonNode client = JSON.readTree(admin.post(
                        "/auth/admin/clients",
                        Map.of(
                                "client_name", "Nightly claims export",
                                "grant_types", List.of("client_credentials"),
                                "token_endpoint_auth_method", "client_secret_basic",
                                "scope", "system/Claim.rs",
                                "roles", List.of("billing")))
                .body());
        String basic = "Basic "
                + Base64.getEncoder()
                        .encodeToString((client.path("client_id").asText() + ":"
                                        + client.path("client_secret").asText())
                                .getBytes(StandardCharsets.UTF_8));
        Page token = browser()
                .postForJson(
                        "/auth/oauth2/token",
                        List.of(Map.entry("grant_type", "client_credentials"), Map.entry("scope", "system/Claim.rs")),
                        "Authorization",
                        basic);

        assertThat(token.status()).as(token.body()).isEqualTo(200);
        assertThat(admin.browser()
                        .getJson("/auth/admin/clients/"
                                + client.path("client_id").asText())
                        .body())
                .doesNotContain("\"client_secret\"");
    }

    @Test
    void registerWhenMetadataUnsafeThenRfc7591Errors() throws Exception {
        Admin admin = signedInAdmin();

        Page httpRedirect = admin.post(
                "/auth/admin/clients",
                Map.of(
                        "client_name", "Bad",
                        "redirect_uris", List.of("http://apps.example.org/callback"),
                        "scope", "patient/*.rs"));
        Page systemScopeForApp = admin.post(
                "/auth/admin/clients",
                Map.of(
                        "client_name", "Bad",
                        "redirect_uris", List.of("https://apps.example.org/callback"),
                        "scope", "system/*.rs"));
        Page publicBackend = admin.post(
                "/auth/admin/clients",
                Map.of(
                        "client_name", "Bad",
                        "grant_types", List.of("client_credentials"),
                        "token_endpoint_auth_method", "none",
                        "scope", "system/*.rs"));
        Page jwtWithoutKeys = admin.post(
                "/auth/admin/clients",
                Map.of(
                        "client_name", "Bad",
                        "grant_types", List.of("client_credentials"),
                        "token_endpoint_auth_method", "private_key_jwt",
                        "scope", "system/*.rs"));

        assertError(httpRedirect, 400, "invalid_redirect_uri");
        assertError(systemScopeForApp, 400, "invalid_client_metadata");
        assertError(publicBackend, 400, "invalid_client_metadata");
        assertError(jwtWithoutKeys, 400, "invalid_client_metadata");
    }

    @Test
    void usersWhenCreatedDisabledAndMfaResetThenLoginFollows() throws Exception {
        Admin admin = signedInAdmin();
        String username = "clerk-" + UUID.randomUUID().toString().substring(0, 8);

        Page created = admin.post(
                "/auth/admin/users",
                Map.of(
                        "username", username,
                        "display_name", "Front desk clerk",
                        "roles", List.of("front-desk"),
                        "fhir_user", "Practitioner/clerk-1",
                        "password", "a front desk clerk's passphrase"));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        String id = JSON.readTree(created.body()).path("id").asText();

        assertError(
                admin.post(
                        "/auth/admin/users",
                        Map.of(
                                "username",
                                username,
                                "roles",
                                List.of("nurse"),
                                "fhir_user",
                                "Practitioner/x",
                                "password",
                                "another long passphrase")),
                409,
                "username_taken");
        assertError(
                admin.post(
                        "/auth/admin/users",
                        Map.of(
                                "username",
                                username + "-2",
                                "roles",
                                List.of("billing"),
                                "fhir_user",
                                "Practitioner/y",
                                "password",
                                "password")),
                400,
                "invalid_password");

        assertThat(admin.post("/auth/admin/users/" + id + "/disable", Map.of()).status())
                .isEqualTo(204);
        assertThat(JSON.readTree(admin.browser()
                                .getJson("/auth/admin/users/" + id)
                                .body())
                        .path("enabled")
                        .asBoolean())
                .isFalse();
        Page login = signIn(browser(), username, "a front desk clerk's passphrase");
        assertThat(login.location()).isNull(); // stays on the login page

        assertThat(admin.post("/auth/admin/users/" + id + "/enable", Map.of()).status())
                .isEqualTo(204);
        assertThat(admin.post("/auth/admin/users/" + id + "/reset-mfa", Map.of())
                        .status())
                .isEqualTo(204);
        assertThat(admin.post("/auth/admin/users/no-such-user/disable", Map.of())
                        .status())
                .isEqualTo(404);
    }

    /**
     * HIPAA 164.308(a)(3)(ii)(C): access ends when the administrator ends it. Each change that alters
     * what a user may do ends, at the next request: the API call with their access token (401), the
     * refresh of their offline_access token (invalid_grant) and their signed-in login session (the
     * authorize endpoint sends them to the login page instead of issuing a code).
     */
    @Test
    void whenAdministratorDisablesChangesRolesOrResetsTheSecondFactorThenSessionTokensAndRefreshEndAtOnce()
            throws Exception {
        Admin admin = signedInAdmin();
        TestLogins logins =
                new TestLogins("https://localhost:" + port, TestFhirClient.trusting(certificate()), accounts, totp);
        Map<String, Map<String, ?>> changes = Map.of(
                "disable", Map.of(),
                "roles", Map.of("roles", List.of("front-desk"), "fhir_user", "Practitioner/desk-2"),
                "reset-mfa", Map.of());
        for (Map.Entry<String, Map<String, ?>> change : changes.entrySet()) {
            TestLogins.User user = logins.user(Role.PHYSICIAN, Optional.of("Practitioner/doc-" + change.getKey()));
            TestBrowser session = browser();
            JsonNode tokens =
                    logins.tokens(session, user, "openid fhirUser user/*.rs offline_access", Optional.empty());
            String accessToken = tokens.path("access_token").asText();
            String refreshToken = tokens.path("refresh_token").asText();
            TestFhirClient api = new TestFhirClient(
                    "https://localhost:" + port + "/fhir", TestFhirClient.trusting(certificate()), () -> accessToken);
            assertThat(api.get("/Patient?_count=1").status())
                    .as(change.getKey())
                    .isEqualTo(200);
            assertThat(authorizeAgain(logins, session, user).location())
                    .as("signed in before: %s", change.getKey())
                    .doesNotEndWith("/auth/login");

            Page changed =
                    admin.post("/auth/admin/users/" + user.account().id() + "/" + change.getKey(), change.getValue());
            assertThat(changed.status()).as(changed.body()).isBetween(200, 204);

            assertThat(api.get("/Patient?_count=1").status())
                    .as(change.getKey())
                    .isEqualTo(401);
            Page refreshed = logins.refresh(refreshToken);
            assertThat(refreshed.status())
                    .as(change.getKey() + ": " + refreshed.body())
                    .isEqualTo(400);
            assertThat(JSON.readTree(refreshed.body()).path("error").asText()).isEqualTo("invalid_grant");
            assertThat(authorizeAgain(logins, session, user).location())
                    .as("session after %s", change.getKey())
                    .endsWith("/auth/login");
        }
    }

    /**
     * An administrator cannot quietly give someone PHI: creating a patient user pointed at a Patient,
     * changing a user's roles or registering a backend client records the roles and fhirUser granted
     * and raises the access-granted alert.
     */
    @Test
    void whenAdministratorGrantsAccessThenTheGrantIsRecordedAndAlerted() throws Exception {
        Admin admin = signedInAdmin();
        String patient = "Patient/granted-" + UUID.randomUUID().toString().substring(0, 8);
        Page created = admin.post(
                "/auth/admin/users",
                Map.of(
                        "username",
                        "patient-" + UUID.randomUUID().toString().substring(0, 8),
                        "roles",
                        List.of("patient"),
                        "fhir_user",
                        patient,
                        "password",
                        "a patient's long passphrase"));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        JsonNode client = JSON.readTree(admin.post(
                        "/auth/admin/clients",
                        Map.of(
                                "client_name", "Interface engine",
                                "grant_types", List.of("client_credentials"),
                                "token_endpoint_auth_method", "client_secret_basic",
                                "scope", "system/*.rs",
                                "roles", List.of("integration")))
                .body());

        String alerts = "";
        Instant deadline = Instant.now().plusSeconds(10);
        while (Instant.now().isBefore(deadline)
                && !(alerts.contains(patient)
                        && alerts.contains(client.path("client_id").asText()))) {
            Thread.sleep(200);
            alerts = fhir().get("/AuditEvent?subtype=access-granted&_count=200").body();
        }
        assertThat(alerts)
                .contains(patient)
                .contains("patient")
                .contains(client.path("client_id").asText());
        // the alert (a serious-failure outcome) beside the security event itself
        assertThat(alerts).contains("access granted: roles=[patient] fhirUser=" + patient);
        assertThat(alerts).contains("\"outcome\":\"8\"");
    }

    /** The authorize endpoint again in the same browser, without signing in. */
    private static Page authorizeAgain(TestLogins logins, TestBrowser browser, TestLogins.User user) {
        return logins.authorize(
                browser, user, "openid fhirUser user/*.rs", Optional.empty(), TestLogins.verifier(), false, false);
    }

    @Test
    void adminApiWhenNotAnAdministratorOrNoCsrfTokenThenRefused() throws Exception {
        assertThat(browser().getJson("/auth/admin/session").status()).isEqualTo(401);

        UserAccount nurse = accounts.create(
                new NewUser(
                        "nurse-" + UUID.randomUUID().toString().substring(0, 8),
                        "Nurse",
                        Optional.of("Practitioner/n"),
                        Set.of(Role.NURSE)),
                PASSWORD);
        byte[] secret = Totp.newSecret(new SecureRandom());
        totp.importConfirmed(nurse.id(), secret);
        TestBrowser nurseBrowser = browser();
        completeLogin(nurseBrowser, nurse.username(), secret);
        assertThat(nurseBrowser.getJson("/auth/admin/session").status()).isEqualTo(403);

        Admin admin = signedInAdmin();
        Page withoutCsrf = admin.browser().postJson("/auth/admin/users/" + nurse.id() + "/disable", "{}");
        assertThat(withoutCsrf.status()).isEqualTo(403);
        assertThat(accounts.findById(nurse.id()).orElseThrow().enabled()).isTrue();
    }

    // --- helpers ---

    private record Admin(TestBrowser browser, String csrfHeader, String csrfToken) {
        Page post(String path, Map<String, ?> body) throws Exception {
            return browser.postJson(path, JSON.writeValueAsString(body), csrfHeader, csrfToken);
        }
    }

    private Admin signedInAdmin() throws Exception {
        UserAccount admin = accounts.create(
                new NewUser(
                        "admin-" + UUID.randomUUID().toString().substring(0, 8),
                        "Administrator",
                        Optional.empty(),
                        Set.of(Role.ADMIN)),
                PASSWORD);
        byte[] secret = Totp.newSecret(new SecureRandom());
        totp.importConfirmed(admin.id(), secret);
        TestBrowser browser = browser();
        completeLogin(browser, admin.username(), secret);
        JsonNode session = JSON.readTree(browser.getJson("/auth/admin/session").body());
        assertThat(session.path("user").path("roles").toString()).contains("admin");
        return new Admin(
                browser,
                session.path("csrf").path("header").asText(),
                session.path("csrf").path("token").asText());
    }

    private static void completeLogin(TestBrowser browser, String username, byte[] secret) {
        signIn(browser, username, PASSWORD);
        Page mfa = browser.get("/auth/mfa");
        browser.post(
                "/auth/mfa",
                List.of(
                        Map.entry("code", Totp.code(secret, Totp.timeStep(Instant.now()))),
                        Map.entry("_csrf", mfa.field("_csrf"))));
    }

    private static Page signIn(TestBrowser browser, String username, String password) {
        Page login = browser.get("/auth/login");
        return browser.post(
                "/auth/login",
                List.of(
                        Map.entry("username", username),
                        Map.entry("password", password),
                        Map.entry("_csrf", login.field("_csrf"))));
    }

    private static void assertError(Page page, int status, String error) throws Exception {
        assertThat(page.status()).as(page.body()).isEqualTo(status);
        assertThat(JSON.readTree(page.body()).path("error").asText()).isEqualTo(error);
    }

    private TestBrowser browser() {
        return new TestBrowser("https://localhost:" + port, TestFhirClient.trusting(certificate()));
    }
}
