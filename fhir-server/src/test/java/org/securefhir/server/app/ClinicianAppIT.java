package org.securefhir.server.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.securefhir.auth.client.ClinicianAppClient;
import org.securefhir.auth.mfa.TotpService;
import org.securefhir.auth.user.Role;
import org.securefhir.auth.user.UserAccounts;
import org.securefhir.server.support.AbstractFhirServerIT;
import org.securefhir.server.support.TestBrowser;
import org.securefhir.server.support.TestBrowser.Page;
import org.securefhir.server.support.TestFhirClient;
import org.securefhir.server.support.TestLogins;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;

/**
 * The clinician app as the server serves it (over HTTPS, from the packaged module): its pages
 * under the strict Content-Security-Policy, its client registration, and the login-session
 * endpoint it keeps alive and ends, which must not be usable by another origin's page.
 */
class ClinicianAppIT extends AbstractFhirServerIT {

    private static final String APP_CSP =
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
                    + " font-src 'self'; connect-src 'self'; manifest-src 'self'; form-action 'self';"
                    + " frame-ancestors 'none'; base-uri 'none'";

    @Autowired
    private UserAccounts accounts;

    @Autowired
    private TotpService totp;

    @Autowired
    private RegisteredClientRepository clients;

    private TestBrowser browser;

    @BeforeEach
    void browser() {
        browser = new TestBrowser("https://localhost:" + port, TestFhirClient.trusting(certificate()));
    }

    @Test
    void whenTheAppIsRequestedThenItsPageComesUnderAStrictPolicyAndEveryRouteIsThatPage() {
        Page index = browser.get("/app/");
        assumeThat(index.status())
                .as("the app is built (a build with -Dskip.app has none)")
                .isEqualTo(200);
        assertThat(index.body()).contains("<div id=\"root\"></div>").doesNotContain("<script>");
        assertThat(index.raw().headers().firstValue("Content-Security-Policy")).hasValue(APP_CSP);
        assertThat(index.raw().headers().firstValue("Cache-Control")).hasValue("no-store");
        assertThat(index.raw().headers().firstValue("X-Frame-Options")).hasValue("DENY");

        // routes of the app are its page (it routes in the browser); files that do not exist are 404
        Page route = browser.get("/app/patients/demo-patient");
        assertThat(route.status()).isEqualTo(200);
        assertThat(route.body()).isEqualTo(index.body());
        assertThat(browser.get("/app/assets/nothing-here.js").status()).isEqualTo(404);
        assertThat(browser.get("/app/../fhir/metadata").status()).isNotEqualTo(200);
        Page bare = browser.get("/app");
        assertThat(bare.status()).isEqualTo(302);
        assertThat(bare.location()).endsWith("/app/");

        // its script is a file of the app, under the same policy
        String script = index.body().replaceAll("(?s).*<script type=\"module\" crossorigin src=\"([^\"]+)\".*", "$1");
        Page js = browser.get(script);
        assertThat(js.status()).isEqualTo(200);
        assertThat(js.raw().headers().firstValue("Content-Type").orElse("")).contains("javascript");
        assertThat(js.raw().headers().firstValue("Content-Security-Policy")).hasValue(APP_CSP);
    }

    @Test
    void whenTheServerStartsThenTheAppIsAPublicPkceClientRedirectingOnlyToItsOwnCallback() {
        RegisteredClient app = clients.findByClientId(ClinicianAppClient.CLIENT_ID);
        assertThat(app).isNotNull();
        assertThat(app.getRedirectUris()).containsExactly("https://localhost:" + port + "/app/callback");
        assertThat(app.getClientSettings().isRequireProofKey()).isTrue();
        assertThat(app.getClientAuthenticationMethods())
                .extracting(method -> method.getValue())
                .containsExactly("none");
        assertThat(app.getScopes()).doesNotContain("offline_access").contains("online_access", "user/*.cruds");
        // nothing is said to another redirect: an error page, never a redirect
        Page foreign = browser.get("/auth/oauth2/authorize?response_type=code&client_id=clinician-app"
                + "&redirect_uri=https%3A%2F%2Fevil.example%2Fapp%2Fcallback&scope=openid"
                + "&code_challenge=abcdefghijklmnopqrstuvwxyzabcdefghijklmnopq&code_challenge_method=S256&state=x");
        assertThat(foreign.location())
                .satisfiesAnyOf(
                        location -> assertThat(location).isNull(),
                        location -> assertThat(location).doesNotStartWith("https://evil.example"));
    }

    @Test
    void whenTheAppEndsTheLoginSessionThenOnlyItsOwnRequestDoesAndTheOnlineRefreshTokenDiesWithIt() {
        TestLogins logins =
                new TestLogins("https://localhost:" + port, TestFhirClient.trusting(certificate()), accounts, totp);
        TestBrowser session = logins.browser();
        TestLogins.User nurse = logins.user(Role.NURSE, Optional.of("Practitioner/demo-nurse"));
        JsonNode tokens = logins.tokens(session, nurse, "openid online_access user/*.rs", Optional.empty());
        String refresh = tokens.path("refresh_token").asText();
        assertThat(refresh).isNotBlank();

        // no session: 401, not a login page (the app asks with fetch)
        assertThat(browser.get("/auth/session").status()).isEqualTo(401);
        assertThat(session.get("/auth/session").status()).isEqualTo(204);

        // a cross-site request cannot carry X-Requested-With without a preflight, which is refused
        Page preflight = session.send(
                "OPTIONS",
                "/auth/session",
                "Origin",
                "https://evil.example",
                "Access-Control-Request-Method",
                "DELETE",
                "Access-Control-Request-Headers",
                "x-requested-with");
        assertThat(preflight.raw().headers().firstValue("Access-Control-Allow-Origin"))
                .isEmpty();
        // and without the header the session is not ended (a form or image from another site)
        assertThat(session.send("DELETE", "/auth/session").status()).isEqualTo(403);
        assertThat(session.get("/auth/session").status()).isEqualTo(204);

        // the app's own request ends it, and the online_access refresh token with it
        assertThat(session.send("DELETE", "/auth/session", "X-Requested-With", "securefhir-clinician-app")
                        .status())
                .isEqualTo(204);
        assertThat(session.get("/auth/session").status()).isEqualTo(401);
        Page refreshed = logins.refresh(refresh);
        assertThat(refreshed.status()).as(refreshed.body()).isEqualTo(400);
        assertThat(refreshed.body()).contains("invalid_grant");
    }
}
