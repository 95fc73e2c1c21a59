package org.securefhir.consent;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.interceptor.consent.ConsentOperationStatusEnum;
import ca.uhn.fhir.rest.server.interceptor.consent.IConsentContextServices;
import java.time.Clock;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import org.securefhir.interceptors.authorization.PurposeOfUse;

/** The engine's request-level decisions, over HAPI's consent service interface. */
class ConsentEngineTest {

    private static final FhirContext FHIR = FhirContext.forR4Cached();

    private static ConsentEngine engineWithoutToken() {
        ConsentSettings settings = new ConsentSettings(
                EnumSet.of(PurposeOfUse.TREAT),
                Set.of("PSY"),
                Map.of(),
                true,
                Set.of("physician"),
                Set.of("patient"),
                Set.of(),
                Set.of("AuditEvent", "Consent"));
        return new ConsentEngine(
                Optional::empty,
                settings,
                patient -> List.of(),
                (practitioner, patient) -> true,
                (user, now) -> Map.of(),
                FHIR,
                new org.securefhir.interceptors.ownership.PatientOwnership(FHIR),
                (type, id) -> Set.of(),
                Clock.systemUTC());
    }

    @Test
    void canSeeResourceWhenNoTokenVisibleThenPatientDataWithheldFailClosed() {
        // given a request whose token cannot be seen (e.g. judged on another thread)
        ConsentEngine engine = engineWithoutToken();
        Observation observation = new Observation();
        observation.setId("Observation/o1");
        observation.setSubject(new Reference("Patient/p1"));
        Practitioner practitioner = new Practitioner();
        practitioner.setId("Practitioner/x");

        // when the engine is asked about a patient's observation and a practitioner
        SystemRequestDetails request = new SystemRequestDetails();
        engine.startOperation(request, IConsentContextServices.NULL_IMPL);

        // then the patient's data is withheld, directory data is not
        assertThat(engine.canSeeResource(request, observation, IConsentContextServices.NULL_IMPL)
                        .getStatus())
                .isEqualTo(ConsentOperationStatusEnum.REJECT);
        assertThat(engine.canSeeResource(request, practitioner, IConsentContextServices.NULL_IMPL)
                        .getStatus())
                .isEqualTo(ConsentOperationStatusEnum.AUTHORIZED);
        assertThat(engine.mayCount(request)).isFalse();
    }

    @Test
    void permitsFoundWhenNoTokenVisibleThenPatientDataLeftOutOfTheResultFailClosed() {
        // given a search's matches, judged from their indexed facts on HAPI's search thread
        ConsentEngine engine = engineWithoutToken();
        SystemRequestDetails request = new SystemRequestDetails();
        engine.startOperation(request, IConsentContextServices.NULL_IMPL);
        FoundResources.Found observation = new FoundResources.Found(
                ResourceFacts.of("Observation", "o1", Set.of(), Set.of("p1"), Set.of("Patient/p1")), "1");
        FoundResources.Found practitioner =
                new FoundResources.Found(ResourceFacts.of("Practitioner", "x", Set.of(), Set.of(), Set.of()), "1");

        // then the patient's data is not in the result, directory data is
        assertThat(engine.isConsentBound(request)).isTrue();
        assertThat(engine.permitsFound(request, observation)).isFalse();
        assertThat(engine.permitsFound(request, practitioner)).isTrue();
    }
}
