package org.securefhir.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.securefhir.server.support.AbstractFhirServerIT;
import org.securefhir.server.support.TestFhirClient;
import org.securefhir.server.support.TestFhirClient.Response;

/** Operational endpoints: readiness is public and terse, nothing else of the actuator is exposed. */
class ServerIT extends AbstractFhirServerIT {

    @Test
    void readinessWhenStartedThenUp() {
        Response response = root().get("/actuator/health/readiness", "Accept", "application/json");

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.body()).contains("\"status\":\"UP\"");
    }

    @Test
    void healthWhenRequestedThenShowsNoDetails() {
        Response response = root().get("/actuator/health", "Accept", "application/json");

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.body())
                .doesNotContain("db")
                .doesNotContain("postgres")
                .doesNotContain("components");
    }

    @Test
    void actuatorWhenSensitiveEndpointRequestedThenNotFound() {
        for (String endpoint : new String[] {"env", "beans", "configprops", "heapdump", "threaddump", "loggers"}) {
            assertThat(root().get("/actuator/" + endpoint, "Accept", "application/json")
                            .status())
                    .as(endpoint)
                    .isEqualTo(404);
        }
    }

    @Test
    void apiDescriptionWhenRequestedThenNotPublished() {
        for (String path : new String[] {"/v3/api-docs", "/v3/api-docs/swagger-config", "/swagger-ui.html"}) {
            assertThat(root().get(path, "Accept", "application/json").status())
                    .as(path)
                    .isEqualTo(404);
        }
    }

    @Test
    void demoModeWhenStartedThenFhirUserResourcesOfDemoAccountsExist() throws InterruptedException {
        TestFhirClient fhir = fhir();

        // written in the background right after start-up
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (fhir.get("/Patient/demo-patient").status() != 200 && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }

        assertThat(fhir.get("/Practitioner/demo-physician").status()).isEqualTo(200);
        assertThat(fhir.get("/Practitioner/demo-nurse").status()).isEqualTo(200);
        assertThat(fhir.get("/Patient/demo-patient").status()).isEqualTo(200);
    }

    @Test
    void unknownPathWhenRequestedThenNotFoundWithoutDetails() {
        Response response = root().get("/no/such/page", "Accept", "application/json");

        assertThat(response.status()).isEqualTo(404);
        assertThat(response.body()).doesNotContain("Exception").doesNotContain("trace");
    }

    private TestFhirClient root() {
        return new TestFhirClient("https://localhost:" + port, TestFhirClient.trusting(certificate()));
    }
}
