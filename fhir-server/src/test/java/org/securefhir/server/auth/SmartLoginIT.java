package org.securefhir.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.securefhir.auth.client.ClientSecretEncoder;
import org.securefhir.auth.demo.DemoData;
import org.securefhir.auth.mfa.Base32;
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
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.settings.TokenSettings;

/**
 * The interactive login and the authorization code flow end to end over HTTPS, as a browser and an
 * app would drive them: password, second factor, consent, code, token.
 */
class SmartLoginIT extends AbstractFhirServerIT {

    private static final String PASSWORD = "a long and unusual passphrase";
    private static final String REDIRECT = DemoData.REDIRECT_URIS.get(0);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Autowired
    private UserAccounts accounts;

    @Autowired
    private TotpService totp;

    @Autowired
    private RegisteredClientRepository clients;

    @Autowired
    private JdbcTemplate jdbc;

    @Test
    void authorizationCodeFlowWhenPasswordTotpAndConsentThenTokensIssued() throws Exception {
        // given
        EnrolledUser user = enrolledUser();
        TestBrowser browser = browser();
        Pkce pkce = Pkce.create();

        // when: the app sends the user to the authorization endpoint
        Page authorize = browser.get(
                authorizeUrl(pkce.challenge(), "S256", "state-123", "openid fhirUser patient/*.rs offline_access"));
        assertThat(authorize.status()).isEqualTo(302);
        assertThat(authorize.location()).endsWith("/auth/login");

        // and the user signs in with password and TOTP
        Page afterPassword = signInWithPassword(browser, user.account().username(), PASSWORD);
        assertThat(afterPassword.location()).endsWith("/auth/mfa");
        Page mfaPage = browser.get("/auth/mfa");
        assertThat(mfaPage.body()).contains("Verification code");
        Page afterCode = browser.post("/auth/mfa", form("code", user.currentCode(), "_csrf", mfaPage.field("_csrf")));
        assertThat(afterCode.status()).isEqualTo(302);
        assertThat(afterCode.location()).contains("/auth/oauth2/authorize");

        // and consents, seeing the offline-access notice
        Page consentRedirect = browser.get(afterCode.location());
        assertThat(consentRedirect.location()).contains("/auth/consent");
        Page consent = browser.get(consentRedirect.location());
        assertThat(consent.body()).contains("offline-notice").contains("patient/*.rs");
        List<Map.Entry<String, String>> approval = new ArrayList<>(form(
                "client_id",
                consent.field("client_id"),
                "state",
                consent.field("state"),
                "_csrf",
                consent.field("_csrf")));
        consent.fields("scope").forEach(scope -> approval.add(Map.entry("scope", scope)));
        Page codeRedirect = browser.post("/auth/oauth2/authorize", approval);

        // then: the app receives a code and exchanges it, with the verifier, for tokens
        assertThat(codeRedirect.status()).isEqualTo(302);
        assertThat(codeRedirect.location()).startsWith(REDIRECT);
        Map<String, String> callback = codeRedirect.locationQuery();
        assertThat(callback).containsEntry("state", "state-123").containsKey("code");

        Page token = exchange(browser, callback.get("code"), pkce.verifier());
        assertThat(token.status()).as(token.body()).isEqualTo(200);
        assertThat(token.raw().headers().firstValue("Cache-Control"))
                .hasValueSatisfying(v -> assertThat(v).contains("no-store"));
        assertThat(token.raw().headers().firstValue("Pragma")).contains("no-cache");
        JsonNode tokens = JSON.readTree(token.body());
        assertThat(tokens.path("token_type").asText()).isEqualTo("Bearer");
        assertThat(tokens.path("access_token").asText()).isNotBlank();
        assertThat(tokens.path("id_token").asText()).isNotBlank();
        // offline_access was granted: a refresh token, also for this public client
        assertThat(tokens.path("refresh_token").asText()).isNotBlank();
        assertThat(tokens.path("scope").asText()).contains("patient/*.rs");
        JsonNode claims = JSON.readTree(Base64.getUrlDecoder()
                .decode(tokens.path("access_token").asText().split("\\.")[1]));
        assertThat(claims.path("sub").asText()).isEqualTo(user.account().id());
        assertThat(claims.path("iss").asText()).isEqualTo("https://localhost:" + port + "/auth");
        assertThat(claims.path("aud").toString()).contains(fhirBase());
        assertThat(claims.path("client_id").asText()).isEqualTo(DemoData.PUBLIC_CLIENT_ID);
        assertThat(claims.path("fhirUser").asText()).isEqualTo(fhirBase() + "/Practitioner/test");
        JsonNode idClaims = JSON.readTree(
                Base64.getUrlDecoder().decode(tokens.path("id_token").asText().split("\\.")[1]));
        assertThat(idClaims.path("fhirUser").asText()).isEqualTo(fhirBase() + "/Practitioner/test");
    }

    @Test
    void firstLoginWhenNoSecondFactorYetThenEnrollsWithQrCodeAndGetsRecoveryCodes() {
        UserAccount account = accounts.create(newNurse(), PASSWORD);
        TestBrowser browser = browser();

        signInWithPassword(browser, account.username(), PASSWORD);
        Page enroll = browser.get("/auth/mfa");

        assertThat(enroll.body()).contains("Set up your authenticator").contains("data:image/png;base64,");
        byte[] secret = Base32.decode(enroll.elementText("secret"));
        String code = Totp.code(secret, Totp.timeStep(Instant.now()));
        Page recovery = browser.post("/auth/mfa/enroll", form("code", code, "_csrf", enroll.field("_csrf")));
        assertThat(recovery.status()).isEqualTo(200);
        assertThat(recovery.body()).contains("Your recovery codes");
        assertThat(recovery.body().split("<li>", -1)).hasSize(11);
        assertThat(browser.get("/auth/account").body()).contains(account.username());
    }

    @Test
    void sessionWhenOnlyPasswordGivenThenNotSignedIn() {
        EnrolledUser user = enrolledUser();
        TestBrowser browser = browser();

        signInWithPassword(browser, user.account().username(), PASSWORD);

        Page account = browser.get("/auth/account");
        assertThat(account.status()).isEqualTo(302);
        assertThat(account.location()).endsWith("/auth/login");
        Page authorize = browser.get(authorizeUrl(Pkce.create().challenge(), "S256", "s", "openid"));
        assertThat(authorize.location()).endsWith("/auth/login");
    }

    @Test
    void secondFactorWhenCodeReplayedInNewLoginThenRefused() {
        EnrolledUser user = enrolledUser();
        String code = user.currentCode();
        TestBrowser first = browser();
        signInWithPassword(first, user.account().username(), PASSWORD);
        Page mfa = first.get("/auth/mfa");
        assertThat(first.post("/auth/mfa", form("code", code, "_csrf", mfa.field("_csrf")))
                        .status())
                .isEqualTo(302);

        TestBrowser second = browser();
        signInWithPassword(second, user.account().username(), PASSWORD);
        Page mfaAgain = second.get("/auth/mfa");
        Page replay = second.post("/auth/mfa", form("code", code, "_csrf", mfaAgain.field("_csrf")));

        assertThat(replay.status()).isEqualTo(200);
        assertThat(replay.body()).contains("That code is not right.");
        assertThat(second.get("/auth/account").status()).isEqualTo(302);
    }

    @Test
    void loginWhenWrongPasswordOrUnknownUserThenSameMessage() {
        EnrolledUser user = enrolledUser();

        Page wrongPassword = signInWithPassword(browser(), user.account().username(), "not the passphrase at all");
        Page unknownUser = signInWithPassword(browser(), "nobody-" + UUID.randomUUID(), PASSWORD);

        assertThat(wrongPassword.status()).isEqualTo(200);
        assertThat(wrongPassword.body()).contains("Invalid user name or password.");
        assertThat(unknownUser.body()).contains("Invalid user name or password.");
    }

    @Test
    void loginWhenFiveFailuresThenLockedOutEvenWithTheRightPassword() {
        EnrolledUser user = enrolledUser();
        for (int i = 0; i < 5; i++) {
            signInWithPassword(browser(), user.account().username(), "wrong passphrase number " + i);
        }

        Page locked = signInWithPassword(browser(), user.account().username(), PASSWORD);

        assertThat(locked.body()).contains("Too many failed attempts.");
    }

    @Test
    void authorizeWhenNoCodeChallengeThenInvalidRequestToRedirectUri() {
        Page response = browser().get(authorizeUrl(null, null, "state-9", "openid"));

        assertThat(response.status()).isEqualTo(302);
        assertThat(response.location()).startsWith(REDIRECT);
        assertThat(response.locationQuery())
                .containsEntry("error", "invalid_request")
                .containsEntry("state", "state-9");
    }

    @Test
    void authorizeWhenAudMissingOrForeignThenInvalidRequest() {
        String withAud = authorizeUrl(Pkce.create().challenge(), "S256", "s", "openid");
        String encodedAud = "&aud=" + URLEncoder.encode(fhirBase(), StandardCharsets.UTF_8);

        Page missing = browser().get(withAud.replace(encodedAud, ""));
        Page foreign = browser()
                .get(withAud.replace(
                        encodedAud, "&aud=" + URLEncoder.encode("https://other.example/fhir", StandardCharsets.UTF_8)));

        assertThat(missing.locationQuery()).containsEntry("error", "invalid_request");
        assertThat(missing.locationQuery().get("error_description")).contains("aud");
        assertThat(foreign.locationQuery()).containsEntry("error", "invalid_request");
    }

    @Test
    void standaloneLaunchWhenPatientUserGrantsLaunchPatientThenTokenResponseNamesTheirPatient() throws Exception {
        UserAccount account = accounts.create(
                new NewUser(
                        "patient-" + UUID.randomUUID().toString().substring(0, 8),
                        "Test Patient",
                        Optional.of("Patient/p-123"),
                        Set.of(Role.PATIENT)),
                PASSWORD);
        byte[] secret = Totp.newSecret(new SecureRandom());
        totp.importConfirmed(account.id(), secret);
        TestBrowser browser = browser();
        Pkce pkce = Pkce.create();

        String code = authorizationCode(
                browser, new EnrolledUser(account, secret), pkce, "openid fhirUser launch/patient patient/*.rs");
        Page token = exchange(browser, code, pkce.verifier());

        JsonNode response = JSON.readTree(token.body());
        assertThat(response.path("patient").asText()).isEqualTo("p-123");
        assertThat(response.path("need_patient_banner").asBoolean()).isTrue();
        JsonNode claims = JSON.readTree(Base64.getUrlDecoder()
                .decode(response.path("access_token").asText().split("\\.")[1]));
        assertThat(claims.path("patient").asText()).isEqualTo("p-123");
    }

    @Test
    void smartConfigurationWhenFetchedThenAdvertisesEndpointsS256AndCors() throws Exception {
        TestFhirClient.Response response = fhir().get(
                        "/.well-known/smart-configuration",
                        "Accept",
                        "application/json",
                        "Origin",
                        "https://app.example");

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.header("Access-Control-Allow-Origin")).isEqualTo("*");
        JsonNode document = JSON.readTree(response.body());
        String issuer = "https://localhost:" + port + "/auth";
        assertThat(document.path("issuer").asText()).isEqualTo(issuer);
        assertThat(document.path("authorization_endpoint").asText()).isEqualTo(issuer + "/oauth2/authorize");
        assertThat(document.path("token_endpoint").asText()).isEqualTo(issuer + "/oauth2/token");
        assertThat(document.path("code_challenge_methods_supported").toString()).isEqualTo("[\"S256\"]");
        assertThat(document.path("capabilities").toString())
                .contains("launch-standalone", "client-public", "permission-v2");
        JsonNode discovery = JSON.readTree(
                browser().get(issuer + "/.well-known/openid-configuration").body());
        assertThat(discovery.path("issuer").asText()).isEqualTo(issuer);
        assertThat(fhir().get("/metadata").body())
                .contains("http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris")
                .contains(issuer + "/oauth2/token");
    }

    @Test
    void authorizationCodeWhenGranularAndV1ScopesCoveredByRegisteredScopeThenGranted() throws Exception {
        EnrolledUser user = enrolledUser();
        TestBrowser browser = browser();
        Pkce pkce = Pkce.create();
        String granular =
                "patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory";

        String code = authorizationCode(browser, user, pkce, "openid " + granular + " patient/Condition.read");
        JsonNode tokens = JSON.readTree(exchange(browser, code, pkce.verifier()).body());

        assertThat(tokens.path("scope").asText()).contains(granular).contains("patient/Condition.read");
    }

    @Test
    void authorizeWhenScopeNotCoveredByRegistrationThenInvalidScope() {
        Page response = browser().get(authorizeUrl(Pkce.create().challenge(), "S256", "s", "openid user/*.cruds"));

        assertThat(response.status()).isEqualTo(302);
        assertThat(response.locationQuery()).containsEntry("error", "invalid_scope");
    }

    @Test
    void clientCredentialsWhenScopeOutsideRegistrationThenInvalidScope() throws Exception {
        // (the demo backend may write every type since it loads Synthea; user/ scopes it never has)
        Page token = backendToken(DemoData.BACKEND_CLIENT_SECRET, "client_credentials", "user/*.cruds");

        assertThat(token.status()).isEqualTo(400);
        assertThat(JSON.readTree(token.body()).path("error").asText()).isEqualTo("invalid_scope");
    }

    @Test
    void authorizeWhenPlainChallengeMethodThenInvalidRequest() {
        Page response =
                browser().get(authorizeUrl("plain-challenge-value-plain-challenge-value-123", "plain", "s", "openid"));

        assertThat(response.status()).isEqualTo(302);
        assertThat(response.locationQuery()).containsEntry("error", "invalid_request");
    }

    @Test
    void authorizeWhenRedirectUriNotRegisteredThenErrorPageNotRedirect() {
        String url = authorizeUrl(Pkce.create().challenge(), "S256", "s", "openid")
                .replace(
                        URLEncoder.encode(REDIRECT, StandardCharsets.UTF_8),
                        URLEncoder.encode("https://evil.example/cb", StandardCharsets.UTF_8));

        Page response = browser().get(url);

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.location()).isNull();
    }

    @Test
    void tokenWhenVerifierMissingBlankOrEqualToChallengeThenInvalidGrant() throws Exception {
        EnrolledUser user = enrolledUser();
        TestBrowser browser = browser();
        Pkce pkce = Pkce.create();
        String code = authorizationCode(browser, user, pkce);

        Page missing = browser.postForJson(
                "/auth/oauth2/token",
                form(
                        "grant_type",
                        "authorization_code",
                        "code",
                        code,
                        "redirect_uri",
                        REDIRECT,
                        "client_id",
                        DemoData.PUBLIC_CLIENT_ID));
        Page blank = exchange(browser, code, "");
        Page challengeAsVerifier = exchange(browser, code, pkce.challenge());

        System.out.println("PKCE missing " + missing.status() + " " + missing.body());
        System.out.println("PKCE blank " + blank.status() + " " + blank.body());
        System.out.println("PKCE challenge " + challengeAsVerifier.status() + " " + challengeAsVerifier.body());
        assertThat(JSON.readTree(challengeAsVerifier.body()).path("error").asText())
                .isEqualTo("invalid_grant");
    }

    @Test
    void tokenWhenCodeUnknownThenInvalidGrant() throws Exception {
        Page token = exchange(
                browser(), "no-such-code-" + UUID.randomUUID(), Pkce.create().verifier());

        assertThat(token.status()).isEqualTo(400);
        assertThat(JSON.readTree(token.body()).path("error").asText()).isEqualTo("invalid_grant");
    }

    @Test
    void authorizeWhenClientIdUnknownThenErrorPageNotRedirect() {
        String url = authorizeUrl(Pkce.create().challenge(), "S256", "s", "openid")
                .replace("client_id=" + DemoData.PUBLIC_CLIENT_ID, "client_id=no-such-app");

        Page response = browser().get(url);

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.location()).isNull();
    }

    @Test
    void tokenWhenClientIdUnknownThenInvalidClient() throws Exception {
        Page token = browser()
                .postForJson(
                        "/auth/oauth2/token",
                        form(
                                "grant_type", "authorization_code",
                                "code", "whatever",
                                "redirect_uri", REDIRECT,
                                "client_id", "no-such-app",
                                "code_verifier", Pkce.create().verifier()));

        assertThat(token.status()).isEqualTo(401);
        assertThat(JSON.readTree(token.body()).path("error").asText()).isEqualTo("invalid_client");
    }

    @Test
    void introspectionWhenAccessTokenExpiredThenInactive() throws Exception {
        String clientId = "short-lived-" + UUID.randomUUID();
        String secret = "short-lived-secret-" + UUID.randomUUID();
        clients.save(RegisteredClient.withId(UUID.randomUUID().toString())
                .clientId(clientId)
                .clientSecret(new ClientSecretEncoder().encode(secret))
                .clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_BASIC)
                .authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS)
                .scope("system/*.rs")
                .tokenSettings(TokenSettings.builder()
                        .accessTokenTimeToLive(Duration.ofSeconds(1))
                        .build())
                .build());
        String basic = "Basic "
                + Base64.getEncoder().encodeToString((clientId + ":" + secret).getBytes(StandardCharsets.UTF_8));
        String accessToken = JSON.readTree(browser()
                        .postForJson(
                                "/auth/oauth2/token",
                                form("grant_type", "client_credentials", "scope", "system/*.rs"),
                                "Authorization",
                                basic)
                        .body())
                .path("access_token")
                .asText();
        assertThat(JSON.readTree(introspect(accessToken).body()).path("active").asBoolean())
                .isTrue();

        Thread.sleep(2100);

        assertThat(JSON.readTree(introspect(accessToken).body()).path("active").asBoolean())
                .isFalse();
    }

    @Test
    void tokenWhenVerifierWrongOrCodeReusedThenInvalidGrant() throws Exception {
        EnrolledUser user = enrolledUser();
        TestBrowser browser = browser();
        Pkce pkce = Pkce.create();
        String code = authorizationCode(browser, user, pkce);

        Page wrongVerifier = exchange(browser, code, Pkce.create().verifier());
        assertThat(wrongVerifier.status()).isEqualTo(400);
        assertThat(JSON.readTree(wrongVerifier.body()).path("error").asText()).isEqualTo("invalid_grant");

        String second = authorizationCode(browser, user, pkce);
        assertThat(exchange(browser, second, pkce.verifier()).status()).isEqualTo(200);
        Page reused = exchange(browser, second, pkce.verifier());
        assertThat(reused.status()).isEqualTo(400);
        assertThat(JSON.readTree(reused.body()).path("error").asText()).isEqualTo("invalid_grant");
    }

    @Test
    void clientCredentialsWhenBackendServiceAuthenticatesThenShortLivedSystemTokenWithoutRefresh() throws Exception {
        Page token = backendToken(DemoData.BACKEND_CLIENT_SECRET, "client_credentials", "system/*.rs");

        assertThat(token.status()).as(token.body()).isEqualTo(200);
        JsonNode response = JSON.readTree(token.body());
        assertThat(response.path("scope").asText()).isEqualTo("system/*.rs");
        assertThat(response.path("expires_in").asInt()).isBetween(1, 300);
        assertThat(response.has("refresh_token")).isFalse();
        JsonNode claims = JSON.readTree(Base64.getUrlDecoder()
                .decode(response.path("access_token").asText().split("\\.")[1]));
        assertThat(claims.path("sub").asText()).isEqualTo(DemoData.BACKEND_CLIENT_ID);
        assertThat(claims.path("aud").toString()).contains(fhirBase());
    }

    @Test
    void tokenWhenClientSecretWrongThenInvalidClient() throws Exception {
        Page token = backendToken("wrong-secret-wrong-secret-wrong-secret-0000", "client_credentials", "system/*.rs");

        assertThat(token.status()).isEqualTo(401);
        assertThat(JSON.readTree(token.body()).path("error").asText()).isEqualTo("invalid_client");
    }

    @Test
    void tokenWhenGrantTypeNotAllowedForClientThenUnauthorizedClient() throws Exception {
        Page token = backendToken(DemoData.BACKEND_CLIENT_SECRET, "password", "system/*.rs");

        assertThat(token.status()).isEqualTo(400);
        assertThat(JSON.readTree(token.body()).path("error").asText())
                .isIn("unsupported_grant_type", "unauthorized_client");
    }

    @Test
    void introspectionWhenActiveTokenThenSmartFieldsAndWhenRevokedThenInactive() throws Exception {
        String accessToken = JSON.readTree(
                        backendToken(DemoData.BACKEND_CLIENT_SECRET, "client_credentials", "system/*.rs")
                                .body())
                .path("access_token")
                .asText();

        JsonNode active = JSON.readTree(introspect(accessToken).body());
        assertThat(active.path("active").asBoolean()).isTrue();
        assertThat(active.path("scope").asText()).isEqualTo("system/*.rs");
        assertThat(active.path("client_id").asText()).isEqualTo(DemoData.BACKEND_CLIENT_ID);
        assertThat(active.path("sub").asText()).isEqualTo(DemoData.BACKEND_CLIENT_ID);
        assertThat(active.path("iss").asText()).isEqualTo("https://localhost:" + port + "/auth");
        assertThat(active.has("exp")).isTrue();

        Page revoked = browser()
                .postForJson("/auth/oauth2/revoke", form("token", accessToken), "Authorization", backendBasic());
        assertThat(revoked.status()).isEqualTo(200);
        assertThat(JSON.readTree(introspect(accessToken).body()).path("active").asBoolean())
                .isFalse();
    }

    @Test
    void introspectionWhenRandomTokenThenInactive() throws Exception {
        JsonNode response =
                JSON.readTree(introspect("not-a-token-" + UUID.randomUUID()).body());

        assertThat(response.path("active").asBoolean()).isFalse();
    }

    @Test
    void refreshWhenOfflineAccessThenTokenRotatesAndReusingTheOldOneRevokesTheFamily() throws Exception {
        EnrolledUser user = enrolledUser();
        TestBrowser browser = browser();
        JsonNode tokens = tokensFor(browser, user, "openid patient/*.rs offline_access");
        String first = tokens.path("refresh_token").asText();
        assertThat(first).isNotBlank();

        // at rest only a digest of the refresh token exists, and presenting that digest gets nothing
        String stored = jdbc.queryForObject(
                "SELECT refresh_token_value FROM smart_auth.oauth2_authorization WHERE principal_name = ?",
                String.class,
                user.account().id());
        assertThat(stored).startsWith("sha256:").doesNotContain(first);
        assertThat(refresh(stored, DemoData.PUBLIC_CLIENT_ID, null).status()).isEqualTo(400);

        Page refreshed = refresh(first, DemoData.PUBLIC_CLIENT_ID, null);
        assertThat(refreshed.status()).as(refreshed.body()).isEqualTo(200);
        JsonNode rotated = JSON.readTree(refreshed.body());
        String second = rotated.path("refresh_token").asText();
        String accessToken = rotated.path("access_token").asText();
        assertThat(second).isNotBlank().isNotEqualTo(first);
        assertThat(rotated.path("scope").asText()).contains("patient/*.rs");
        assertThat(JSON.readTree(introspect(accessToken).body()).path("active").asBoolean())
                .isTrue();

        // the rotated-out token is presented again: refused, and the whole family is revoked
        Page reused = refresh(first, DemoData.PUBLIC_CLIENT_ID, null);
        assertThat(reused.status()).isEqualTo(400);
        assertThat(JSON.readTree(reused.body()).path("error").asText()).isEqualTo("invalid_grant");
        Page afterReuse = refresh(second, DemoData.PUBLIC_CLIENT_ID, null);
        assertThat(JSON.readTree(afterReuse.body()).path("error").asText()).isEqualTo("invalid_grant");
        assertThat(JSON.readTree(introspect(accessToken).body()).path("active").asBoolean())
                .isFalse();
    }

    /**
     * A copy of the database (a dump, a replica, a backup) holds no authorization code, access,
     * refresh or ID token: only their digests, which neither the token endpoint nor the FHIR API
     * accepts, while the tokens themselves keep working.
     */
    @Test
    void whenTheAuthorizationStoreIsCopiedThenNothingInItIsAcceptedAsACodeOrToken() throws Exception {
        EnrolledUser user = enrolledUser();
        TestBrowser browser = browser();
        Pkce pkce = Pkce.create();
        String code = authorizationCode(browser, user, pkce, "openid fhirUser patient/*.rs offline_access");
        String storedCode = jdbc.queryForObject(
                "SELECT authorization_code_value FROM smart_auth.oauth2_authorization WHERE principal_name = ?",
                String.class,
                user.account().id());
        assertThat(storedCode).startsWith("sha256:").isNotEqualTo(code);
        assertThat(exchange(browser, storedCode, pkce.verifier()).status()).isEqualTo(400);

        JsonNode tokens = JSON.readTree(exchange(browser, code, pkce.verifier()).body());
        String accessToken = tokens.path("access_token").asText();
        Map<String, Object> row = jdbc.queryForMap(
                "SELECT authorization_code_value, access_token_value, refresh_token_value, oidc_id_token_value,"
                        + " row_to_json(a)::text AS whole FROM smart_auth.oauth2_authorization a WHERE principal_name = ?",
                user.account().id());
        for (String column : List.of("authorization_code_value", "access_token_value", "refresh_token_value")) {
            assertThat((String) row.get(column)).as(column).startsWith("sha256:");
        }
        assertThat((String) row.get("whole"))
                .doesNotContain(code)
                .doesNotContain(accessToken)
                .doesNotContain(tokens.path("refresh_token").asText())
                .doesNotContain(tokens.path("id_token").asText());

        TestFhirClient withDigest = new TestFhirClient(
                fhirBase(), TestFhirClient.trusting(certificate()), () -> (String) row.get("access_token_value"));
        TestFhirClient withToken =
                new TestFhirClient(fhirBase(), TestFhirClient.trusting(certificate()), () -> accessToken);
        assertThat(withDigest.get("/Patient?_count=1").status()).isEqualTo(401);
        assertThat(withToken.get("/Patient?_count=1").status()).isNotEqualTo(401);
        assertThat(JSON.readTree(introspect(accessToken).body()).path("active").asBoolean())
                .isTrue();
        assertThat(JSON.readTree(introspect((String) row.get("access_token_value"))
                                .body())
                        .path("active")
                        .asBoolean())
                .isFalse();
        assertThat(refresh((String) row.get("refresh_token_value"), DemoData.PUBLIC_CLIENT_ID, null)
                        .status())
                .isEqualTo(400);
    }

    @Test
    void refreshWhenRandomTokenThenInvalidGrant() throws Exception {
        Page refreshed = refresh("random-" + UUID.randomUUID(), DemoData.PUBLIC_CLIENT_ID, null);

        assertThat(refreshed.status()).isEqualTo(400);
        assertThat(JSON.readTree(refreshed.body()).path("error").asText()).isEqualTo("invalid_grant");
    }

    @Test
    void refreshWhenScopeWiderThanGrantedOrTokenOfAnotherClientThenRefused() throws Exception {
        EnrolledUser user = enrolledUser();
        TestBrowser browser = browser();
        String refreshToken = tokensFor(browser, user, "patient/*.rs offline_access")
                .path("refresh_token")
                .asText();

        Page wider = refresh(refreshToken, DemoData.PUBLIC_CLIENT_ID, "patient/*.rs user/*.rs offline_access");
        assertThat(JSON.readTree(wider.body()).path("error").asText()).isEqualTo("invalid_scope");

        String confidential = "Basic "
                + Base64.getEncoder()
                        .encodeToString((DemoData.CONFIDENTIAL_CLIENT_ID + ":" + DemoData.CONFIDENTIAL_CLIENT_SECRET)
                                .getBytes(StandardCharsets.UTF_8));
        Page otherClient = browser()
                .postForJson(
                        "/auth/oauth2/token",
                        form("grant_type", "refresh_token", "refresh_token", refreshToken),
                        "Authorization",
                        confidential);
        assertThat(JSON.readTree(otherClient.body()).path("error").asText()).isEqualTo("invalid_grant");

        // a narrower scope is fine, and the token still works for its own client
        Page narrower = refresh(refreshToken, DemoData.PUBLIC_CLIENT_ID, "patient/*.rs");
        assertThat(narrower.status()).as(narrower.body()).isEqualTo(200);
    }

    @Test
    void refreshWhenNeitherOfflineNorOnlineAccessGrantedThenNoRefreshToken() throws Exception {
        EnrolledUser user = enrolledUser();
        TestBrowser browser = browser();

        JsonNode tokens = tokensFor(browser, user, "openid patient/*.rs");

        assertThat(tokens.has("access_token")).isTrue();
        assertThat(tokens.has("refresh_token")).isFalse();
    }

    @Test
    void onlineAccessWhenLoginSessionEndsThenRefreshTokenRevoked() throws Exception {
        EnrolledUser user = enrolledUser();
        TestBrowser browser = browser();
        String refreshToken = tokensFor(browser, user, "openid patient/*.rs online_access")
                .path("refresh_token")
                .asText();
        assertThat(refreshToken).isNotBlank();
        Page whileOnline = refresh(refreshToken, DemoData.PUBLIC_CLIENT_ID, null);
        assertThat(whileOnline.status()).as(whileOnline.body()).isEqualTo(200);
        String current = JSON.readTree(whileOnline.body()).path("refresh_token").asText();

        // the user signs out: the login session ends
        Page account = browser.get("/auth/account");
        Page signedOut = browser.post("/auth/logout", form("_csrf", account.field("_csrf")));
        assertThat(signedOut.location()).endsWith("/auth/login?logout");

        Page afterLogout = refresh(current, DemoData.PUBLIC_CLIENT_ID, null);
        assertThat(afterLogout.status()).isEqualTo(400);
        assertThat(JSON.readTree(afterLogout.body()).path("error").asText()).isEqualTo("invalid_grant");
    }

    /** Signs the user in, consents, and exchanges the code (PKCE) for the public demo app: the token response. */
    private JsonNode tokensFor(TestBrowser browser, EnrolledUser user, String scope) throws Exception {
        Pkce pkce = Pkce.create();
        return JSON.readTree(exchange(browser, authorizationCode(browser, user, pkce, scope), pkce.verifier())
                .body());
    }

    private Page refresh(String refreshToken, String clientId, String scope) {
        List<Map.Entry<String, String>> request = new ArrayList<>(
                form("grant_type", "refresh_token", "refresh_token", refreshToken, "client_id", clientId));
        if (scope != null) {
            request.add(Map.entry("scope", scope));
        }
        return browser().postForJson("/auth/oauth2/token", request);
    }

    private Page introspect(String token) {
        return browser().postForJson("/auth/oauth2/introspect", form("token", token), "Authorization", backendBasic());
    }

    private static String backendBasic() {
        return "Basic "
                + Base64.getEncoder()
                        .encodeToString((DemoData.BACKEND_CLIENT_ID + ":" + DemoData.BACKEND_CLIENT_SECRET)
                                .getBytes(StandardCharsets.UTF_8));
    }

    private Page backendToken(String secret, String grantType, String scope) {
        String basic = Base64.getEncoder()
                .encodeToString((DemoData.BACKEND_CLIENT_ID + ":" + secret).getBytes(StandardCharsets.UTF_8));
        return browser()
                .postForJson(
                        "/auth/oauth2/token",
                        form("grant_type", grantType, "scope", scope),
                        "Authorization",
                        "Basic " + basic);
    }

    // --- helpers ---

    private String authorizationCode(TestBrowser browser, EnrolledUser user, Pkce pkce) {
        return authorizationCode(browser, user, pkce, "openid patient/*.rs");
    }

    private String authorizationCode(TestBrowser browser, EnrolledUser user, Pkce pkce, String scope) {
        Page first = browser.get(authorizeUrl(pkce.challenge(), "S256", "st", scope));
        if (first.location().endsWith("/auth/login")) {
            signInWithPassword(browser, user.account().username(), PASSWORD);
            Page mfa = browser.get("/auth/mfa");
            Page afterCode = browser.post("/auth/mfa", form("code", user.currentCode(), "_csrf", mfa.field("_csrf")));
            first = browser.get(afterCode.location());
        }
        Page next = first;
        if (next.location().contains("/auth/consent")) {
            Page consent = browser.get(next.location());
            List<Map.Entry<String, String>> approval = new ArrayList<>(form(
                    "client_id",
                    consent.field("client_id"),
                    "state",
                    consent.field("state"),
                    "_csrf",
                    consent.field("_csrf")));
            consent.fields("scope").forEach(granted -> approval.add(Map.entry("scope", granted)));
            next = browser.post("/auth/oauth2/authorize", approval);
        }
        assertThat(next.location()).as(next.body()).startsWith(REDIRECT);
        return next.locationQuery().get("code");
    }

    private Page exchange(TestBrowser browser, String code, String verifier) {
        return browser.postForJson(
                "/auth/oauth2/token",
                form(
                        "grant_type", "authorization_code",
                        "code", code,
                        "redirect_uri", REDIRECT,
                        "client_id", DemoData.PUBLIC_CLIENT_ID,
                        "code_verifier", verifier));
    }

    private Page signInWithPassword(TestBrowser browser, String username, String password) {
        Page login = browser.get("/auth/login");
        return browser.post(
                "/auth/login", form("username", username, "password", password, "_csrf", login.field("_csrf")));
    }

    private String authorizeUrl(String challenge, String method, String state, String scope) {
        StringBuilder url = new StringBuilder("/auth/oauth2/authorize?response_type=code")
                .append("&client_id=")
                .append(DemoData.PUBLIC_CLIENT_ID)
                .append("&redirect_uri=")
                .append(URLEncoder.encode(REDIRECT, StandardCharsets.UTF_8))
                .append("&scope=")
                .append(URLEncoder.encode(scope, StandardCharsets.UTF_8))
                .append("&state=")
                .append(state)
                .append("&aud=")
                .append(URLEncoder.encode(fhirBase(), StandardCharsets.UTF_8));
        if (challenge != null) {
            url.append("&code_challenge=").append(challenge);
        }
        if (method != null) {
            url.append("&code_challenge_method=").append(method);
        }
        return url.toString();
    }

    private String fhirBase() {
        return "https://localhost:" + port + "/fhir";
    }

    private TestBrowser browser() {
        return new TestBrowser("https://localhost:" + port, TestFhirClient.trusting(certificate()));
    }

    private EnrolledUser enrolledUser() {
        UserAccount account = accounts.create(newNurse(), PASSWORD);
        byte[] secret = Totp.newSecret(new SecureRandom());
        totp.importConfirmed(account.id(), secret);
        return new EnrolledUser(account, secret);
    }

    private static NewUser newNurse() {
        return new NewUser(
                "nurse-" + UUID.randomUUID().toString().substring(0, 8),
                "Test Nurse",
                Optional.of("Practitioner/test"),
                Set.of(Role.NURSE));
    }

    private static List<Map.Entry<String, String>> form(String... pairs) {
        List<Map.Entry<String, String>> form = new ArrayList<>();
        for (int i = 0; i < pairs.length; i += 2) {
            form.add(Map.entry(pairs[i], pairs[i + 1]));
        }
        return form;
    }

    private record EnrolledUser(UserAccount account, byte[] secret) {
        String currentCode() {
            return Totp.code(secret, Totp.timeStep(Instant.now()));
        }
    }

    private record Pkce(String verifier, String challenge) {
        static Pkce create() {
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            String verifier = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
            try {
                byte[] digest =
                        MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
                return new Pkce(
                        verifier, Base64.getUrlEncoder().withoutPadding().encodeToString(digest));
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
