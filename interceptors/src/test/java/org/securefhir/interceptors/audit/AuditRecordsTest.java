package org.securefhir.interceptors.audit;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import org.securefhir.interceptors.ownership.PatientOwnership;
import org.springframework.mock.web.MockHttpServletRequest;

/** What a record says of a request: who, what, whose data, why, and how it ended, never a value sent. */
class AuditRecordsTest {

    private static final FhirContext FHIR = FhirContext.forR4Cached();

    private final AuditRecords records = new AuditRecords(
            FHIR,
            new PatientOwnership(FHIR),
            () -> Optional.of(new AuditAgent(
                    "user-1",
                    Optional.of("Practitioner/pr-1"),
                    List.of("physician", "nurse"),
                    "app-1",
                    Optional.of("jti-1"),
                    Optional.empty())),
            "node-1",
            Clock.fixed(Instant.parse("2026-12-07T10:00:00.123456Z"), ZoneOffset.UTC),
            QueryProtection.NONE);

    private static ServletRequestDetails request(RestOperationTypeEnum operation, String purpose) {
        MockHttpServletRequest servlet = new MockHttpServletRequest("GET", "/fhir/Observation");
        servlet.setRemoteAddr("192.0.2.7");
        ServletRequestDetails request = new ServletRequestDetails();
        request.setServletRequest(servlet);
        request.setRestOperationType(operation);
        request.setResourceName("Observation");
        request.setParameters(Map.of("code", new String[] {"8867-4"}));
        if (purpose != null) {
            servlet.addHeader(AuditRecords.PURPOSE_OF_USE_HEADER, purpose);
            request.addHeader(AuditRecords.PURPOSE_OF_USE_HEADER, purpose);
        }
        return request;
    }

    @Test
    void whenASearchIsAnsweredThenTheRecordNamesWhoWhatWhereAndEveryPatientReturned() {
        Draft draft = records.start(request(RestOperationTypeEnum.SEARCH_TYPE, null));
        Bundle result = new Bundle();
        result.addEntry().setResource(observation("o-1", "p-1"));
        result.addEntry().setResource(observation("o-2", "p-2"));
        records.addResources(draft, result);

        AuditRecord record = records.success(draft, 200);

        assertThat(record.recorded()).isEqualTo("2026-12-07T10:00:00.123Z"); // milliseconds
        assertThat(record.subtype()).isEqualTo("search-type");
        assertThat(record.action()).isEqualTo("R");
        assertThat(record.userId()).isEqualTo("user-1");
        assertThat(record.fhirUser()).isEqualTo("Practitioner/pr-1");
        assertThat(record.roles()).containsExactly("nurse", "physician");
        assertThat(record.clientId()).isEqualTo("app-1");
        assertThat(record.sourceIp()).isEqualTo("192.0.2.7");
        assertThat(record.query()).isEqualTo("code=8867-4");
        assertThat(record.patients()).containsExactly("Patient/p-1", "Patient/p-2");
        assertThat(record.entities()).containsExactly("Observation/o-1", "Observation/o-2");
        assertThat(record.outcome()).isEqualTo(AuditRecord.SUCCESS);
        assertThat(record.node()).isEqualTo("node-1");
    }

    @Test
    void whenAPurposeOfUseIsStatedThenAKnownCodeIsRecordedAndAnythingElseOnlyAsInvalid() {
        assertThat(records.success(records.start(request(RestOperationTypeEnum.READ, "HPAYMT")), 200)
                        .purposeOfUse())
                .isEqualTo("HPAYMT");
        assertThat(records.success(records.start(request(RestOperationTypeEnum.READ, "Jane Doe 1970")), 200)
                        .purposeOfUse())
                .isEqualTo("(invalid)");
    }

    @Test
    void whenARequestFailsOnAValueThenTheRecordKeepsTheReasonButNotTheValue() {
        Draft draft = records.start(request(RestOperationTypeEnum.CREATE, null));

        AuditRecord record = records.failure(
                draft,
                new InvalidRequestException(
                        "HAPI-1821: [element=\"birthDate\"] Invalid attribute value \"1970-Qz\": Invalid date"));

        assertThat(record.outcome()).isEqualTo(AuditRecord.MINOR_FAILURE);
        assertThat(record.status()).isEqualTo(400);
        assertThat(record.outcomeDetail())
                .startsWith("400 HAPI-1821")
                .contains("\"birthDate\"")
                .doesNotContain("1970-Qz");
    }

    @Test
    void whenAClientIsRefusedBeforeItHasATokenThenTheRecordNamesTheRequestAndTheAddress() {
        AuditRecord record = records.unauthenticated(
                "GET", "/Patient/p-9", "_elements=name", "198.51.100.4", "curl/8", "the token has expired");

        assertThat(record.subtype()).isEqualTo("read");
        assertThat(record.resourceType()).isEqualTo("Patient");
        assertThat(record.resourceId()).isEqualTo("p-9");
        assertThat(record.status()).isEqualTo(401);
        assertThat(record.outcomeDetail()).isEqualTo("401 the token has expired");
        assertThat(record.userId()).isNull();
        assertThat(record.sourceIp()).isEqualTo("198.51.100.4");
    }

    private static Observation observation(String id, String patient) {
        Observation observation = new Observation();
        observation.setId("Observation/" + id);
        observation.setSubject(new Reference("Patient/" + patient));
        return observation;
    }
}
