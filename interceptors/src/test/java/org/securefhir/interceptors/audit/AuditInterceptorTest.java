package org.securefhir.interceptors.audit;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.ResponseDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import org.securefhir.interceptors.ownership.PatientOwnership;

/**
 * The write-intent protocol of the audit interceptor: a change's record goes to the intents before
 * it commits; a successful request's record settles them; a failed one leaves them for recovery.
 */
class AuditInterceptorTest {

    private static final FhirContext FHIR = FhirContext.forR4Cached();

    private final List<AuditRecord> appended = new ArrayList<>();
    private final List<UUID> settled = new ArrayList<>();
    private final List<UUID> intentKeys = new ArrayList<>();
    private final List<AuditRecord> intentRecords = new ArrayList<>();

    private final AuditSink sink = new AuditSink() {
        @Override
        public void append(AuditRecord record) {
            appended.add(record);
        }

        @Override
        public void appendAll(List<AuditRecord> records, Collection<UUID> settledIntents) {
            appended.addAll(records);
            settled.addAll(settledIntents);
        }
    };

    private final AuditInterceptor interceptor = new AuditInterceptor(
            new AuditRecords(
                    FHIR,
                    new PatientOwnership(FHIR),
                    () -> Optional.of(new AuditAgent(
                            "user-1",
                            Optional.of("Practitioner/pr-1"),
                            List.of("nurse"),
                            "app-1",
                            Optional.of("jti-1"),
                            Optional.empty())),
                    "node-1",
                    Clock.fixed(Instant.parse("2026-12-07T10:00:00Z"), ZoneOffset.UTC),
                    QueryProtection.NONE),
            sink,
            (key, record) -> {
                intentKeys.add(key);
                intentRecords.add(record);
            });

    private static ServletRequestDetails createRequest() {
        ServletRequestDetails request = new ServletRequestDetails();
        // the container's request, as a client would send it
        request.setServletRequest(new org.springframework.mock.web.MockHttpServletRequest("POST", "/fhir/Observation"));
        request.setRestOperationType(RestOperationTypeEnum.CREATE);
        request.setResourceName("Observation");
        return request;
    }

    private static Observation stored() {
        Observation observation = new Observation();
        observation.setId("Observation/o-1/_history/1");
        observation.setSubject(new Reference("Patient/p-1"));
        return observation;
    }

    @Test
    void whenAChangeIsAboutToCommitThenItsRecordGoesToTheIntentsWithWhoWhatAndWhosePatient() {
        interceptor.committingCreate(createRequest(), stored());

        assertThat(intentRecords).singleElement().satisfies(record -> {
            assertThat(record.subtype()).isEqualTo("create");
            assertThat(record.action()).isEqualTo("C");
            assertThat(record.resourceType()).isEqualTo("Observation");
            assertThat(record.resourceId()).isEqualTo("o-1");
            assertThat(record.versionId()).isEqualTo("1");
            assertThat(record.patients()).containsExactly("Patient/p-1");
            assertThat(record.userId()).isEqualTo("user-1");
            assertThat(record.clientId()).isEqualTo("app-1");
            assertThat(record.outcomeDetail()).isEqualTo(AuditRecords.RECOVERED);
        });
        assertThat(appended).isEmpty(); // nothing in the chain before the response
    }

    @Test
    void whenTheRequestSucceedsThenItsOwnRecordSettlesItsIntents() {
        ServletRequestDetails request = createRequest();
        interceptor.committingCreate(request, stored());

        interceptor.responding(request, stored(), new ResponseDetails(201, stored()));

        assertThat(appended)
                .singleElement()
                .satisfies(record -> assertThat(record.outcome()).isEqualTo(AuditRecord.SUCCESS));
        assertThat(settled).containsExactlyElementsOf(intentKeys).hasSize(1);
    }

    @Test
    void whenTheRequestFailsAfterTheChangeThenItsIntentsAreLeftForRecovery() {
        ServletRequestDetails request = createRequest();
        interceptor.committingCreate(request, stored());

        interceptor.failed(request, new InvalidRequestException("refused"));

        assertThat(appended)
                .singleElement()
                .satisfies(record -> assertThat(record.outcome()).isEqualTo(AuditRecord.MINOR_FAILURE));
        assertThat(settled).isEmpty();
        assertThat(intentKeys).hasSize(1);
    }

    @Test
    void whenTheResponseIsAnErrorStatusThenNothingIsSettled() {
        ServletRequestDetails request = createRequest();
        interceptor.committingCreate(request, stored());

        interceptor.responding(request, stored(), new ResponseDetails(422, stored()));

        assertThat(settled).isEmpty();
    }

    @Test
    void whenTheServerWritesOnItsOwnBehalfThenNoIntentIsRecorded() {
        interceptor.committingCreate(new SystemRequestDetails(), stored());
        interceptor.committingUpdate(null, stored(), stored());

        assertThat(intentRecords).isEmpty();
    }

    @Test
    void whenASinkCannotSettleThenItRefusesRatherThanDropTheSettlement() {
        AuditSink plain = records -> {};

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> plain.appendAll(List.of(), List.of(UUID.randomUUID())))
                .isInstanceOf(IllegalStateException.class);
    }
}
