package org.securefhir.server.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
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
import javax.net.ssl.SSLContext;
import org.securefhir.auth.demo.DemoData;
import org.securefhir.auth.mfa.Totp;
import org.securefhir.auth.mfa.TotpService;
import org.securefhir.auth.user.NewUser;
import org.securefhir.auth.user.Role;
import org.securefhir.auth.user.UserAccount;
import org.securefhir.auth.user.UserAccounts;
import org.securefhir.server.support.TestBrowser.Page;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.settings.ClientSettings;
import org.springframework.security.oauth2.server.authorization.settings.TokenSettings;

/**
 * Real user tokens for application tests: users created with a role and an enrolled second factor,
 * then the whole SMART flow over HTTPS as the public demo app drives it (authorize, password,
 * TOTP, consent, code, PKCE exchange). Optionally an EHR launch minted by the demo backend service.
 */
public final class TestLogins {

    public static final String PASSWORD = "a long and unusual passphrase";
    private static final String REDIRECT = DemoData.REDIRECT_URIS.get(0);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String origin;
    private final SSLContext ssl;
    private final UserAccounts accounts;
    private final TotpService totp;

    private final String clientId;

    /** Logins through the public demo app (read scopes only). */
    public TestLogins(String origin, SSLContext ssl, UserAccounts accounts, TotpService totp) {
        this.origin = origin;
        this.ssl = ssl;
        this.accounts = accounts;
        this.totp = totp;
        this.clientId = DemoData.PUBLIC_CLIENT_ID;
    }

    /** Logins through a public test app registered for these scopes (PKCE and consent required). */
    public TestLogins(
            String origin,
            SSLContext ssl,
            UserAccounts accounts,
            TotpService totp,
            RegisteredClientRepository clients,
            List<String> scopes) {
        this.origin = origin;
        this.ssl = ssl;
        this.accounts = accounts;
        this.totp = totp;
        this.clientId = "it-app-" + UUID.randomUUID();
        clients.save(RegisteredClient.withId(UUID.randomUUID().toString())
                .clientId(clientId)
                .clientName("Integration test app")
                .clientAuthenticationMethod(ClientAuthenticationMethod.NONE)
                .authorizationGrantType(AuthorizationGrantType.AUTHORIZATION_CODE)
                .redirectUri(REDIRECT)
                .scopes(registered -> registered.addAll(scopes))
                .clientSettings(ClientSettings.builder()
                        .requireProofKey(true)
                        .requireAuthorizationConsent(true)
                        .build())
                .tokenSettings(TokenSettings.builder()
                        .accessTokenTimeToLive(Duration.ofMinutes(30))
                        .build())
                .build());
    }

    /** A user with an enrolled authenticator. */
    public record User(UserAccount account, byte[] secret) {
        public String currentCode() {
            return Totp.code(secret, Totp.timeStep(Instant.now()));
        }
    }

    public User user(Role role, Optional<String> fhirUser) {
        UserAccount account = accounts.create(
                new NewUser(
                        role.code() + "-" + UUID.randomUUID().toString().substring(0, 8),
                        "Test " + role.code(),
                        fhirUser,
                        Set.of(role)),
                PASSWORD);
        byte[] secret = Totp.newSecret(new SecureRandom());
        totp.importConfirmed(account.id(), secret);
        return new User(account, secret);
    }

    /** The token response for a new user of this role who signs in and approves {@code scope}. */
    public JsonNode tokens(Role role, Optional<String> fhirUser, String scope, Optional<String> launch) {
        return tokens(browser(), user(role, fhirUser), scope, launch);
    }

    public String accessToken(Role role, Optional<String> fhirUser, String scope) {
        return tokens(role, fhirUser, scope, Optional.empty())
                .path("access_token")
                .asText();
    }

    public JsonNode tokens(TestBrowser browser, User user, String scope, Optional<String> launch) {
        String verifier = verifier();
        Page next = authorize(browser, user, scope, launch, verifier, true);
        if (next.location() == null
                || !next.location().startsWith(REDIRECT)
                || !next.locationQuery().containsKey("code")) {
            throw new AssertionError("authorization did not reach the app with a code: " + next.status() + " "
                    + next.location() + " " + next.body());
        }
        Page token = exchange(browser, next.locationQuery().get("code"), verifier);
        if (token.status() != 200) {
            throw new AssertionError("token exchange failed: " + token.status() + " " + token.body());
        }
        return json(token.body());
    }

    /**
     * Sends the user to the authorization endpoint (PKCE S256 with this verifier), signs in with
     * password and TOTP when asked, and approves every offered scope on the consent page when {@code
     * approve} (otherwise stops at the redirect to the consent page).
     *
     * @return the last page: the redirect to the app, or to the consent page
     */
    public Page authorize(
            TestBrowser browser, User user, String scope, Optional<String> launch, String verifier, boolean approve) {
        return authorize(browser, user, scope, launch, verifier, approve, true);
    }

    /** As above; without {@code signIn}, stops at the redirect to the login page if there is one. */
    public Page authorize(
            TestBrowser browser,
            User user,
            String scope,
            Optional<String> launch,
            String verifier,
            boolean approve,
            boolean signIn) {
        String url = "/auth/oauth2/authorize?response_type=code&client_id=" + clientId
                + "&redirect_uri=" + encode(REDIRECT)
                + "&scope=" + encode(scope)
                + "&state=st&aud=" + encode(origin + "/fhir")
                + launch.map(id -> "&launch=" + encode(id)).orElse("")
                + "&code_challenge=" + challenge(verifier) + "&code_challenge_method=S256";
        Page next = browser.get(url);
        if (signIn && next.location() != null && next.location().endsWith("/auth/login")) {
            Page login = browser.get("/auth/login");
            browser.post(
                    "/auth/login",
                    List.of(
                            Map.entry("username", user.account().username()),
                            Map.entry("password", PASSWORD),
                            Map.entry("_csrf", login.field("_csrf"))));
            Page mfa = browser.get("/auth/mfa");
            Page afterCode = browser.post(
                    "/auth/mfa",
                    List.of(Map.entry("code", user.currentCode()), Map.entry("_csrf", mfa.field("_csrf"))));
            next = browser.get(afterCode.location());
        }
        if (approve && next.location() != null && next.location().contains("/auth/consent")) {
            Page consent = browser.get(next.location());
            List<Map.Entry<String, String>> approval = new ArrayList<>(List.of(
                    Map.entry("client_id", consent.field("client_id")),
                    Map.entry("state", consent.field("state")),
                    Map.entry("_csrf", consent.field("_csrf"))));
            consent.fields("scope").forEach(granted -> approval.add(Map.entry("scope", granted)));
            next = browser.post("/auth/oauth2/authorize", approval);
        }
        return next;
    }

    /** The authorization-code exchange with the PKCE verifier (public client). */
    public Page exchange(TestBrowser browser, String code, String verifier) {
        return browser.postForJson(
                "/auth/oauth2/token",
                List.of(
                        Map.entry("grant_type", "authorization_code"),
                        Map.entry("code", code),
                        Map.entry("redirect_uri", REDIRECT),
                        Map.entry("client_id", clientId),
                        Map.entry("code_verifier", verifier)));
    }

    /** A refresh-token grant of the public client. */
    public Page refresh(String refreshToken) {
        return browser()
                .postForJson(
                        "/auth/oauth2/token",
                        List.of(
                                Map.entry("grant_type", "refresh_token"),
                                Map.entry("refresh_token", refreshToken),
                                Map.entry("client_id", clientId)));
    }

    /** An EHR launch id for this context, minted with the demo backend service's {@code ehr_launch} token. */
    public String mintLaunch(Map<String, Object> context) {
        try {
            Page minted = browser()
                    .postJson(
                            "/auth/launch",
                            JSON.writeValueAsString(context),
                            "Authorization",
                            "Bearer " + backendToken("ehr_launch"));
            if (minted.status() != 201) {
                throw new AssertionError("launch failed: " + minted.status() + " " + minted.body());
            }
            JsonNode body = json(minted.body());
            if (body.path("expires_in").asInt() <= 0) {
                throw new AssertionError("launch without a lifetime: " + minted.body());
            }
            return body.path("launch").asText();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A {@code client_credentials} token of the demo backend service (client_secret_basic). */
    public String backendToken(String scope) {
        String basic = "Basic "
                + Base64.getEncoder()
                        .encodeToString((DemoData.BACKEND_CLIENT_ID + ":" + DemoData.BACKEND_CLIENT_SECRET)
                                .getBytes(StandardCharsets.UTF_8));
        Page token = browser()
                .postForJson(
                        "/auth/oauth2/token",
                        List.of(Map.entry("grant_type", "client_credentials"), Map.entry("scope", scope)),
                        "Authorization",
                        basic);
        if (token.status() != 200) {
            throw new AssertionError("backend token failed: " + token.status() + " " + token.body());
        }
        return json(token.body()).path("access_token").asText();
    }

    public TestBrowser browser() {
        return new TestBrowser(origin, ssl);
    }

    private static JsonNode json(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /** A fresh PKCE code verifier (256 random bits). */
    public static String verifier() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static String challenge(String verifier) {
        try {
            return Base64.getUrlEncoder()
                    .withoutPadding()
                    .encodeToString(
                            MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
