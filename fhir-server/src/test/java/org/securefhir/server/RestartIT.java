package org.securefhir.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.securefhir.server.support.AbstractFhirServerIT;
import org.securefhir.server.support.TestFhirClient;
import org.securefhir.server.support.TestResources;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A stopped and restarted server keeps its data and its certificate: both live in the data
 * directory (embedded PostgreSQL cluster, generated TLS key). Starts its own two servers on a
 * private data directory, independent of the shared test server.
 */
class RestartIT {

    @Test
    void serverWhenRestartedOnSameDataDirectoryThenKeepsResourcesAndCertificate() throws Exception {
        Path dataDir = AbstractFhirServerIT.freshDirectory("restart-");
        Path certificate = dataDir.resolve("tls").resolve("server.crt");
        String patientId;
        byte[] firstCertificate;

        try (ConfigurableApplicationContext first = start(dataDir)) {
            firstCertificate = Files.readAllBytes(certificate);
            TestFhirClient fhir = client(first, certificate);
            patientId = fhir.create("/Patient", TestResources.patient("Persistent", "1944-04-04"));
        }

        try (ConfigurableApplicationContext second = start(dataDir)) {
            TestFhirClient fhir = client(second, certificate);
            TestFhirClient.Response read = fhir.get("/Patient/" + patientId);

            assertThat(read.status()).isEqualTo(200);
            assertThat(read.as(Patient.class).getNameFirstRep().getFamily()).isEqualTo("Persistent");
            assertThat(Files.readAllBytes(certificate)).isEqualTo(firstCertificate);
        }
    }

    // A real port, not 0: the authorization server's issuer URL contains it.
    private static ConfigurableApplicationContext start(Path dataDir) {
        return new SpringApplicationBuilder(FhirServerApplication.class)
                .run("--fhir.data-dir=" + dataDir, "--server.port=" + AbstractFhirServerIT.freePort());
    }

    private static TestFhirClient client(ConfigurableApplicationContext context, Path certificate) {
        return AbstractFhirServerIT.fhirOf(context, certificate);
    }
}
