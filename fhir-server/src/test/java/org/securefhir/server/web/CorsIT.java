package org.securefhir.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.securefhir.server.support.AbstractFhirServerIT;
import org.securefhir.server.support.TestFhirClient;
import org.securefhir.server.support.TestFhirClient.Response;

/** Browser-based SMART apps may call the FHIR API and the token endpoints cross-origin, nothing else. */
class CorsIT extends AbstractFhirServerIT {

    private static final String APP = "http://127.0.0.1:9000";

    @Test
    void preflightWhenFhirApiThenAllowedWithoutCredentials() {
        Response preflight = preflight("/fhir/Patient/example", "GET", "authorization,accept");

        assertThat(preflight.status()).isEqualTo(200);
        assertThat(preflight.header("Access-Control-Allow-Origin")).isEqualTo(APP);
        assertThat(preflight.header("Access-Control-Allow-Headers")).containsIgnoringCase("authorization");
        assertThat(preflight.header("Access-Control-Allow-Credentials")).isNull();
    }

    @Test
    void requestWhenFhirApiFromAppOriginThenAllowOriginAndExposedLocation() {
        Response metadata = root().get("/fhir/metadata", "Origin", APP);

        assertThat(metadata.status()).isEqualTo(200);
        assertThat(metadata.header("Access-Control-Allow-Origin")).isEqualTo(APP);
        assertThat(metadata.header("Access-Control-Expose-Headers"))
                .contains("Location")
                .contains("ETag");
    }

    @Test
    void preflightWhenTokenEndpointThenAllowed() {
        Response preflight = preflight("/auth/oauth2/token", "POST", "content-type");

        assertThat(preflight.status()).isEqualTo(200);
        assertThat(preflight.header("Access-Control-Allow-Origin")).isEqualTo(APP);
    }

    @Test
    void preflightWhenLoginOrAuthorizationPagesThenRefused() {
        for (String path : new String[] {"/auth/login", "/auth/mfa", "/auth/oauth2/authorize", "/auth/account"}) {
            Response preflight = preflight(path, "POST", "content-type");

            assertThat(preflight.header("Access-Control-Allow-Origin")).as(path).isNull();
        }
    }

    private Response preflight(String path, String method, String headers) {
        return root().send(
                        "OPTIONS",
                        path,
                        null,
                        null,
                        "Origin",
                        APP,
                        "Access-Control-Request-Method",
                        method,
                        "Access-Control-Request-Headers",
                        headers);
    }

    private TestFhirClient root() {
        return new TestFhirClient("https://localhost:" + port, TestFhirClient.trusting(certificate()));
    }
}
