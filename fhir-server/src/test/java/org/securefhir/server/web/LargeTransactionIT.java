package org.securefhir.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.securefhir.server.support.AbstractFhirServerIT;
import org.securefhir.server.support.TestFhirClient;
import org.securefhir.server.support.TestFhirClient.Response;
import org.securefhir.server.support.TestTokens;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;

/**
 * Transactions above the general body limit (10 MB): accepted from the integration backend up to
 * the transaction limit, as a Synthea patient's history needs; refused with 413, nothing stored, for
 * any other role, for any other request shape, and for a body of undeclared length.
 */
class LargeTransactionIT extends AbstractFhirServerIT {

    @Autowired
    private RegisteredClientRepository clients;

    @Test
    void whenTheIntegrationBackendSendsATransactionAboveTheGeneralLimitThenItIsStored() {
        String marker = "large-" + UUID.randomUUID();
        byte[] body = transaction(marker);
        assertThat(body.length).isGreaterThan(10 * 1024 * 1024);

        Response stored = fhir().sendLarge("", body, false);

        assertThat(stored.status()).as(stored.body()).isEqualTo(200);
        assertThat(stored.as(Bundle.class).getEntry()).hasSize(OBSERVATIONS + 1);
        assertThat(fhir().get("/Patient?family=" + marker).as(Bundle.class).getEntry())
                .hasSize(1);
    }

    @Test
    void whenAnyOtherRoleOrShapeSendsAsMuchThenA413AndNothingIsStored() throws Exception {
        String marker = "refused-" + UUID.randomUUID();
        byte[] body = transaction(marker);
        TestTokens physicianBackend = new TestTokens(
                "https://localhost:" + port,
                TestFhirClient.trusting(certificate()),
                clients,
                "system/*.cruds",
                List.of("physician"));

        // (a raw socket: Java's HttpClient waits forever for "100 Continue" when the answer is a final
        // status; curl and browsers read it)
        String otherRole = declaredWithoutBody("/fhir", physicianBackend.get(), body.length);
        String otherShape = declaredWithoutBody("/fhir/Patient", accessToken(), body.length);
        Response undeclaredLength = fhir().sendLarge("", body, true);
        String anonymous = declaredWithoutBody("/fhir", "not-a-token", body.length);

        for (String refused : List.of(otherRole, otherShape)) {
            assertThat(refused)
                    .startsWith("HTTP/1.1 413")
                    .doesNotContain("100 Continue")
                    .contains("exceeds the limit of 10485760 bytes");
        }
        assertThat(undeclaredLength.status()).as(undeclaredLength.body()).isEqualTo(413);
        assertThat(anonymous).startsWith("HTTP/1.1 401").doesNotContain("100 Continue");
        assertThat(fhir().get("/Patient?family=" + marker).as(Bundle.class).getEntry())
                .isEmpty();
    }

    @Test
    void whenALargeTransactionIsBeingProcessedThenAnotherWaitsAndGets503NotHeapAndTheNextIsAdmitted() throws Exception {
        int length = 11 * 1024 * 1024;
        String head = "POST /fhir HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + accessToken() + "\r\n"
                + "Content-Type: application/fhir+json\r\nContent-Length: " + length
                + "\r\nExpect: 100-continue\r\n\r\n";
        // given a large transaction admitted (its body is being read: "100 Continue") and not finished
        try (javax.net.ssl.SSLSocket first = (javax.net.ssl.SSLSocket)
                TestFhirClient.trusting(certificate()).getSocketFactory().createSocket("localhost", port)) {
            first.setSoTimeout(20000);
            first.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            first.getOutputStream().flush();
            StringBuilder interim = new StringBuilder();
            while (!interim.toString().endsWith("\r\n\r\n")) {
                interim.append((char) first.getInputStream().read());
            }
            assertThat(interim.toString()).startsWith("HTTP/1.1 100");

            // when a second one arrives, it waits (fhir.server.large-transaction-wait, 2 s in these
            // tests) and gets 503 with Retry-After, before its body is read
            long started = System.nanoTime();
            String second = declaredWithoutBody("/fhir", accessToken(), length);
            assertThat(second)
                    .startsWith("HTTP/1.1 503")
                    .doesNotContain("100 Continue")
                    .containsIgnoringCase("Retry-After")
                    .contains("OperationOutcome");
            assertThat(System.nanoTime() - started).isGreaterThanOrEqualTo(1_900_000_000L);
        }
        // then, the first one gone, the next large transaction is admitted and stored
        String marker = "after-" + UUID.randomUUID();
        Response stored = fhir().sendLarge("", transaction(marker), false);
        assertThat(stored.status()).as(stored.body()).isEqualTo(200);
    }

    private static final int OBSERVATIONS = 180;

    /** A POST declaring its length and expecting "100 Continue": the server's answer, before any body is sent. */
    private String declaredWithoutBody(String path, String token, int length) throws Exception {
        String head = "POST " + path + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + token + "\r\n"
                + "Content-Type: application/fhir+json\r\nContent-Length: " + length
                + "\r\nExpect: 100-continue\r\n\r\n";
        try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket)
                TestFhirClient.trusting(certificate()).getSocketFactory().createSocket("localhost", port)) {
            socket.setSoTimeout(20000);
            socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** A Patient and 180 Observations of ~64 KB each: about 11.5 MB. */
    private static byte[] transaction(String family) {
        Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        String patient = "urn:uuid:" + UUID.randomUUID();
        Patient person = new Patient();
        person.addName().setFamily(family);
        bundle.addEntry()
                .setFullUrl(patient)
                .setResource(person)
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Patient");
        String note = "x".repeat(64 * 1024);
        for (int i = 0; i < OBSERVATIONS; i++) {
            Observation observation = new Observation();
            observation.setStatus(Observation.ObservationStatus.FINAL);
            observation.setCode(new CodeableConcept(new Coding("http://loinc.org", "8302-2", "Body height")));
            observation.getSubject().setReference(patient);
            observation.addNote().setText(note);
            bundle.addEntry()
                    .setResource(observation)
                    .getRequest()
                    .setMethod(Bundle.HTTPVerb.POST)
                    .setUrl("Observation");
        }
        return TestFhirClient.encode(bundle).getBytes(StandardCharsets.UTF_8);
    }
}
