package org.securefhir.consent;

import static ca.uhn.fhir.rest.server.interceptor.consent.ConsentOperationStatusEnum.AUTHORIZED;
import static ca.uhn.fhir.rest.server.interceptor.consent.ConsentOperationStatusEnum.PROCEED;
import static ca.uhn.fhir.rest.server.interceptor.consent.ConsentOperationStatusEnum.REJECT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.securefhir.consent.TestResources.observation;

import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.interceptor.consent.ConsentOperationStatusEnum;
import ca.uhn.fhir.rest.server.interceptor.consent.IConsentContextServices;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import org.securefhir.interceptors.audit.TestAuditNotes;
import org.securefhir.interceptors.authorization.AccessToken;
import org.securefhir.interceptors.authorization.RequestPurpose;
import org.securefhir.interceptors.authorization.TestRequestPurposes;

/**
 * The engine's request-level decisions over HAPI's consent service interface (docs/consent.md, "The
 * decision, in order"), with what each leaves in the request's audit record.
 */
class ConsentEngineTest {

    private final TestConsentEngine fixture = new TestConsentEngine();

    private static RequestDetails read(String url) {
        return TestRequests.user(RestOperationTypeEnum.READ, url).build();
    }

    private static RequestDetails search(String url) {
        return TestRequests.user(RestOperationTypeEnum.SEARCH_TYPE, url).build();
    }

    private static ConsentOperationStatusEnum canSee(
            ConsentEngine engine, RequestDetails request, IBaseResource resource) {
        return engine.canSeeResource(request, resource, IConsentContextServices.NULL_IMPL)
                .getStatus();
    }

    private static ConsentOperationStatusEnum willSee(
            ConsentEngine engine, RequestDetails request, IBaseResource resource) {
        return engine.willSeeResource(request, resource, IConsentContextServices.NULL_IMPL)
                .getStatus();
    }

    /** The request as HAPI starts it, under its user's token (the engine reads the token once, at the start). */
    private RequestDetails started(ConsentEngine engine, AccessToken token, RequestDetails request) {
        fixture.token(token);
        engine.startOperation(request, IConsentContextServices.NULL_IMPL);
        return request;
    }

    private static ConsentOperationStatusEnum start(ConsentEngine engine, RequestDetails request) {
        return engine.startOperation(request, IConsentContextServices.NULL_IMPL).getStatus();
    }

    @Test
    void canSeeResourceWhenNoTokenVisibleThenPatientDataWithheldFailClosed() {
        // given a request whose token cannot be seen (e.g. judged on another thread)
        ConsentEngine engine = fixture.build();
        Observation observation = observation("o1", "p1");
        Practitioner practitioner = TestResources.practitioner("x");

        // when the engine is asked about a patient's observation and a practitioner
        SystemRequestDetails request = new SystemRequestDetails();
        engine.startOperation(request, IConsentContextServices.NULL_IMPL);

        // then the patient's data is withheld, directory data is not
        assertThat(canSee(engine, request, observation)).isEqualTo(REJECT);
        assertThat(canSee(engine, request, practitioner)).isEqualTo(AUTHORIZED);
        assertThat(engine.mayCount(request)).isFalse();
    }

    @Test
    void permitsFoundWhenNoTokenVisibleThenPatientDataLeftOutOfTheResultFailClosed() {
        // given a search's matches, judged from their indexed facts on HAPI's search thread
        ConsentEngine engine = fixture.build();
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

    @Test
    void whenRequesterHasAnExemptRoleThenTheRequestIsAuthorizedAndNothingIsJudged() {
        // given an exempt role, and a labelled record its patient denies
        ConsentEngine engine = fixture.exemptRole("admin")
                .token(TestTokens.admin())
                .consent(TestConsents.deny("c1", "p1", "general").build())
                .build();
        RequestDetails request = read("Observation/o1");

        // when the request starts
        ConsentOperationStatusEnum started = start(engine, request);

        // then HAPI is told consent does not apply, and nothing is looked up or recorded
        assertThat(started).isEqualTo(AUTHORIZED);
        assertThat(engine.isConsentBound(request)).isFalse();
        assertThat(canSee(engine, request, observation("o1", "p1", "PSY"))).isEqualTo(AUTHORIZED);
        assertThat(fixture.directiveLookups).isEmpty();
        assertThat(fixture.declarationLookups).isEmpty();
        assertThat(TestAuditNotes.purposeOfUse(request)).isEmpty();
    }

    @Test
    void whenRequesterIsBoundByConsentThenTheRequestProceedsAndItsPurposeIsRecorded() {
        // given billing staff, whose role defaults to payment
        ConsentEngine engine = fixture.token(TestTokens.billing("billing-app")).build();
        RequestDetails request = search("Observation?code=1234");
        TestRequestPurposes.resolve(request, TestTokens.billing("billing-app"));

        // when the request starts
        ConsentOperationStatusEnum started = start(engine, request);

        // then every resource is judged, for payment, with the user's declarations read once at the clock's now
        assertThat(started).isEqualTo(PROCEED);
        assertThat(engine.isConsentBound(request)).isTrue();
        assertThat(TestAuditNotes.purposeOfUse(request)).contains("HPAYMT");
        assertThat(fixture.declarationLookups).containsExactly("user-clerk@" + TestConsentEngine.NOW);
    }

    @Test
    void whenPhysicianDoesNotTreatThePatientThenTheRecordIsWithheldUntilARelationshipIsRegistered() {
        // given a physician with user/ scopes and no treatment relationship with p1
        ConsentEngine engine = fixture.token(TestTokens.physician("doc")).build();
        RequestDetails before = read("Observation/o1");

        // when they read p1's observation
        ConsentOperationStatusEnum withheld = canSee(engine, before, observation("o1", "p1"));

        // then it is withheld and the denial recorded
        assertThat(withheld).isEqualTo(REJECT);
        assertThat(TestAuditNotes.consentDecisions(before)).containsExactly("deny no-treatment-relationship");

        // and once someone registers the relationship, the next request sees it, unrecorded
        fixture.treats("Practitioner/doc", "p1");
        RequestDetails after = read("Observation/o1");
        assertThat(canSee(engine, after, observation("o1", "p1"))).isEqualTo(AUTHORIZED);
        assertThat(TestAuditNotes.consentDecisions(after)).isEmpty();
    }

    @Test
    void whenClinicianIsInAPatientLaunchOrTheRuleIsOffThenTheTreatmentRelationshipDoesNotApply() {
        // given a physician who treats nobody, in an app launched in p1's context (patient/ scopes)
        ConsentEngine launched =
                fixture.token(TestTokens.physicianInPatientContext("doc", "p1")).build();
        // and a deployment with the treatment relationship switched off
        ConsentEngine ruleOff = new TestConsentEngine()
                .withoutTreatmentRelationship()
                .token(TestTokens.physician("doc"))
                .build();

        // when each reads p1's observation, then it is shown
        assertThat(canSee(launched, read("Observation/o1"), observation("o1", "p1")))
                .isEqualTo(AUTHORIZED);
        assertThat(launched.relationshipBoundPractitioner(read("Observation/o1")))
                .isEmpty();
        assertThat(canSee(ruleOff, read("Observation/o1"), observation("o1", "p1")))
                .isEqualTo(AUTHORIZED);
    }

    @Test
    void whenPatientDeniesTreatmentAccessThenTheirRecordIsWithheldNamingTheConsentAndOthersAreNot() {
        // given a physician who treats p1 and p2, and p1's treatment deny
        ConsentEngine engine = fixture.token(TestTokens.physician("doc"))
                .treats("Practitioner/doc", "p1")
                .treats("Practitioner/doc", "p2")
                .consent(TestConsents.deny("c1", "p1", "treatment").build())
                .build();
        RequestDetails request = search("Observation?code=1234");

        // when both patients' observations are judged
        ConsentOperationStatusEnum first = canSee(engine, request, observation("o1", "p1"));
        ConsentOperationStatusEnum second = canSee(engine, request, observation("o2", "p2"));

        // then only p1's is withheld, recorded with the Consent that decided
        assertThat(first).isEqualTo(REJECT);
        assertThat(second).isEqualTo(AUTHORIZED);
        assertThat(TestAuditNotes.consentDecisions(request)).containsExactly("deny consent Consent/c1");
    }

    @Test
    void whenARecordHoldsAContainedResourceTheRequesterMayNotSeeThenTheWholeRecordIsWithheld() {
        // given a physician who treats p1 and p2, p1's treatment deny, and p2's record holding
        // (contained) an observation of p1's
        ConsentEngine engine = fixture.token(TestTokens.physician("doc"))
                .treats("Practitioner/doc", "p1")
                .treats("Practitioner/doc", "p2")
                .consent(TestConsents.deny("c1", "p1", "treatment").build())
                .build();
        Observation relative = observation("relative", "p1");
        Observation history = observation("history", "p2");
        history.addContained(relative);
        history.addHasMember(new Reference("#relative"));
        Observation plain = observation("plain", "p2");
        plain.addContained(observation("own", "p2"));
        RequestDetails request = search("Observation?code=1234");

        // when the records are judged, found and shown
        ConsentOperationStatusEnum found = canSee(engine, request, history);
        ConsentOperationStatusEnum shown = willSee(engine, request, history);
        ConsentOperationStatusEnum plainShown = willSee(engine, request, plain);

        // then the record holding p1's data is withheld whole; the other shown with what it holds,
        // which is not judged again on its own (HAPI cannot withhold a contained resource alone)
        assertThat(found).isEqualTo(REJECT);
        assertThat(shown).isEqualTo(REJECT);
        assertThat(plainShown).isEqualTo(PROCEED);
        assertThat(willSee(engine, request, plain.getContained().get(0))).isEqualTo(PROCEED);
        assertThat(TestAuditNotes.consentDecisions(request))
                .singleElement()
                .asString()
                .startsWith("deny consent Consent/c1");
    }

    @Test
    void whenContainedResourcesAreSealedInStorageThenTheyAreJudgedAsWrittenNotAsTheirStubs() {
        // given p2's record whose contained observation (of p1, who denies treatment access) is
        // held as an empty stub until the response is decrypted
        Observation written = observation("relative", "p1");
        Observation stub = new Observation();
        stub.setId("relative");
        Observation history = observation("history", "p2");
        history.addContained(stub);
        java.util.concurrent.atomic.AtomicInteger opened = new java.util.concurrent.atomic.AtomicInteger();
        ConsentEngine engine = fixture.token(TestTokens.physician("doc"))
                .treats("Practitioner/doc", "p1")
                .treats("Practitioner/doc", "p2")
                .consent(TestConsents.deny("c1", "p1", "treatment").build())
                .contained(resource -> {
                    opened.incrementAndGet();
                    return resource == history ? List.of(written) : List.of();
                })
                .build();
        RequestDetails request = read("Observation/history");

        // when the record is found and then shown, it is judged by what the stub stands for, and
        // its sealed contained resources are opened once for the request
        assertThat(canSee(engine, request, history)).isEqualTo(REJECT);
        assertThat(willSee(engine, request, history)).isEqualTo(REJECT);
        assertThat(opened).hasValue(1);
    }

    @Test
    void whenConsentNamesTheRequesterThenMatchedByTheirFhirUserEvenAbsoluteAndByTheirAppsClientId() {
        // given "only Dr Doc may see my record" of p1, and p2's refusal of the insurer's app
        Consent insurer = TestConsents.deny("c-app", "p2", "third-party").build();
        insurer.getProvision()
                .addActor()
                .setRole(TestConsents.RECIPIENT)
                .setReference(new Reference()
                        .setIdentifier(new Identifier()
                                .setSystem(ConsentDirectives.CLIENT_SYSTEM)
                                .setValue("insurer-app")));
        fixture.treats("Practitioner/doc", "p1")
                .treats("Practitioner/other", "p1")
                .consent(TestConsents.deny("c-doc", "p1", "treatment")
                        .except(Consent.ConsentProvisionType.PERMIT, "Practitioner/doc", null, null)
                        .build())
                .consent(insurer);
        ConsentEngine engine = fixture.build();

        // when Dr Doc (fhirUser an absolute URL) and another physician read p1's record
        RequestDetails byDoc = started(engine, TestTokens.physicianWithAbsoluteFhirUser("doc"), read("Observation/o1"));
        RequestDetails byOther = started(engine, TestTokens.physician("other"), read("Observation/o1"));

        // then only Dr Doc sees it, by the Consent's permit
        assertThat(canSee(engine, byDoc, observation("o1", "p1"))).isEqualTo(AUTHORIZED);
        assertThat(TestAuditNotes.consentDecisions(byDoc)).containsExactly("permit consent Consent/c-doc");
        assertThat(canSee(engine, byOther, observation("o1", "p1"))).isEqualTo(REJECT);

        // and p2's record is refused to the insurer's app only
        RequestDetails byInsurer = started(engine, TestTokens.billing("insurer-app"), read("Observation/o2"));
        RequestDetails byBilling = started(engine, TestTokens.billing("billing-app"), read("Observation/o2"));
        assertThat(canSee(engine, byInsurer, observation("o2", "p2"))).isEqualTo(REJECT);
        assertThat(TestAuditNotes.consentDecisions(byInsurer)).containsExactly("deny consent Consent/c-app");
        assertThat(canSee(engine, byBilling, observation("o2", "p2"))).isEqualTo(AUTHORIZED);
    }

    @Test
    void whenResearchIsStatedInTheHeaderThenOnlyAPatientsResearchPermitReleasesTheirRecord() {
        // given a physician who treats p1, stating research (authorization did not resolve the purpose)
        ConsentEngine engine = fixture.token(TestTokens.physician("doc"))
                .treats("Practitioner/doc", "p1")
                .build();
        RequestDetails request = TestRequests.user(RestOperationTypeEnum.READ, "Observation/o1")
                .header(RequestPurpose.HEADER, "HRESCH")
                .build();

        // when p1's observation is judged without a research consent
        ConsentOperationStatusEnum withoutConsent = canSee(engine, request, observation("o1", "p1"));

        // then it is withheld: research needs the patient's permit
        assertThat(withoutConsent).isEqualTo(REJECT);
        assertThat(TestAuditNotes.consentDecisions(request)).containsExactly("deny purpose-needs-consent HRESCH");
        assertThat(TestAuditNotes.purposeOfUse(request)).contains("HRESCH");

        // and once p1 opts in to research, the next request is served, by that Consent
        fixture.consent(TestConsents.permit("r1", "p1", "research").build());
        RequestDetails next = TestRequests.user(RestOperationTypeEnum.READ, "Observation/o1")
                .header(RequestPurpose.HEADER, "http://terminology.hl7.org/CodeSystem/v3-ActReason|HRESCH")
                .build();
        assertThat(canSee(engine, next, observation("o1", "p1"))).isEqualTo(AUTHORIZED);
        assertThat(TestAuditNotes.consentDecisions(next)).containsExactly("permit consent Consent/r1");
    }

    @Test
    void whenThePurposeHeaderIsUnknownOrClaimsBreakGlassThenTheRequestIsABadRequest() {
        // given a physician stating a purpose that is no code, and one claiming break-glass
        ConsentEngine engine = fixture.token(TestTokens.physician("doc")).build();
        RequestDetails unknown = TestRequests.user(RestOperationTypeEnum.READ, "Observation/o1")
                .header(RequestPurpose.HEADER, "curiosity")
                .build();
        RequestDetails breakGlass = TestRequests.user(RestOperationTypeEnum.READ, "Observation/o1")
                .header(RequestPurpose.HEADER, "BTG")
                .build();

        // when the requests start, then each is refused with 400 saying why
        assertThatThrownBy(() -> start(engine, unknown))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining(
                        "X-Purpose-Of-Use must be a purpose of use code of http://terminology.hl7.org/CodeSystem/v3-ActReason");
        assertThatThrownBy(() -> start(engine, breakGlass))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining(
                        "Break-glass is declared with the $break-glass operation, not with X-Purpose-Of-Use");
    }

    @Test
    void whenClinicianStatesAnotherPurposeThenAConsentBindingTheirRolesDefaultStillDenies() {
        // given a physician who treats p1, p1's treatment deny, and the physician stating operations
        ConsentEngine engine = fixture.token(TestTokens.physician("doc"))
                .treats("Practitioner/doc", "p1")
                .consent(TestConsents.deny("c-deny", "p1", "treatment").build())
                .build();
        RequestDetails resolved = TestRequests.user(RestOperationTypeEnum.READ, "Observation/o1")
                .header(RequestPurpose.HEADER, "HOPERAT")
                .build();
        TestRequestPurposes.resolve(resolved, TestTokens.physician("doc"));

        // when the access policy has resolved the purpose (stated HOPERAT, role default TREAT)
        ConsentOperationStatusEnum decided = canSee(engine, resolved, observation("o1", "p1"));

        // then the treatment deny binds: a header narrows access, it never escapes a Consent
        assertThat(decided).isEqualTo(REJECT);
        assertThat(TestAuditNotes.consentDecisions(resolved)).containsExactly("deny consent Consent/c-deny");
        assertThat(TestAuditNotes.purposeOfUse(resolved)).contains("HOPERAT");
    }

    @Test
    void whenResourceCarriesASensitiveLabelThenOnlyRolesClearedForThatLabelSeeIt() {
        // given a nurse and a physician who both treat p1
        fixture.treats("Practitioner/nurse", "p1").treats("Practitioner/doc", "p1");
        ConsentEngine engine = fixture.build();

        // when the nurse reads p1's psychiatric note
        fixture.token(TestTokens.nurse("nurse"));
        RequestDetails byNurse = read("Observation/o1");
        ConsentOperationStatusEnum nurse = canSee(engine, byNurse, observation("o1", "p1", "PSY"));

        // then it is withheld; the physician (cleared for PSY, not for R) sees it but not a restricted one
        assertThat(nurse).isEqualTo(REJECT);
        assertThat(TestAuditNotes.consentDecisions(byNurse)).containsExactly("deny sensitive-label PSY");
        fixture.token(TestTokens.physician("doc"));
        RequestDetails byPhysician = search("Observation?code=1234");
        assertThat(canSee(engine, byPhysician, observation("o1", "p1", "PSY"))).isEqualTo(AUTHORIZED);
        assertThat(canSee(engine, byPhysician, observation("o2", "p1", "R"))).isEqualTo(REJECT);
        assertThat(TestAuditNotes.consentDecisions(byPhysician)).containsExactly("deny sensitive-label R");
    }

    @Test
    void whenBreakGlassIsDeclaredForAPatientThenThatPatientIsReleasedAndEveryAccessMarked() {
        // given a physician who treats nobody and has declared break-glass for p1
        ConsentEngine engine = fixture.token(TestTokens.physician("doc"))
                .breakGlass("user-doc", "p1", "declaration d1 emergency-treatment")
                .build();
        RequestDetails request = search("Observation?code=1234");

        // when p1's and p2's observations are judged
        ConsentOperationStatusEnum declared = canSee(engine, request, observation("o1", "p1"));
        ConsentOperationStatusEnum other = canSee(engine, request, observation("o2", "p2"));

        // then only p1's is released, recorded with the declaration and purpose ETREAT BTG
        assertThat(declared).isEqualTo(AUTHORIZED);
        assertThat(other).isEqualTo(REJECT);
        assertThat(TestAuditNotes.consentDecisions(request))
                .containsExactly(
                        "permit break-glass overrides no-treatment-relationship by declaration d1 emergency-treatment",
                        "deny no-treatment-relationship");
        assertThat(TestAuditNotes.purposeOfUse(request)).contains("ETREAT BTG");
        assertThat(fixture.declarationLookups).containsExactly("user-doc@" + TestConsentEngine.NOW);
    }

    @Test
    void whenConsentsOrLabelHistoryCannotBeReadThenTheRequestFailsClosedWith503() {
        // given billing staff, and a store of Consents that cannot be reached
        ConsentEngine noConsents = fixture.token(TestTokens.billing("billing-app"))
                .directivesUnavailable(new IllegalStateException("connection refused"))
                .build();
        // and a nurse reading an earlier version while the label history cannot be read
        ConsentEngine noHistory = new TestConsentEngine()
                .token(TestTokens.nurse("nurse"))
                .treats("Practitioner/nurse", "p1")
                .labelHistoryUnavailable(new IllegalStateException("connection refused"))
                .build();
        RequestDetails vread = TestRequests.user(RestOperationTypeEnum.VREAD, "Observation/o1/_history/1")
                .build();
        FoundResources.Found found = new FoundResources.Found(
                ResourceFacts.of("Observation", "o1", Set.of(), Set.of("p1"), Set.of("Patient/p1")), "1");

        // when the resources are judged, then nothing is returned: 503
        assertThatThrownBy(() -> canSee(noConsents, read("Observation/o1"), observation("o1", "p1")))
                .isInstanceOfSatisfying(
                        ConsentUnavailableException.class,
                        e -> assertThat(e.getStatusCode()).isEqualTo(503))
                .hasRootCauseMessage("connection refused");
        assertThatThrownBy(() -> noConsents.permitsFound(search("Observation?code=1234"), found))
                .isInstanceOf(ConsentUnavailableException.class);
        assertThatThrownBy(() -> willSee(noHistory, vread, observation("o1", "p1")))
                .isInstanceOf(ConsentUnavailableException.class);
    }

    @Test
    void whenAnEarlierVersionIsReadThenALabelOfAnyVersionProtectsIt() {
        // given a nurse who treats p1, and an observation labelled PSY in a later version
        ConsentEngine engine = fixture.token(TestTokens.nurse("nurse"))
                .treats("Practitioner/nurse", "p1")
                .labelledInSomeVersion("Observation", "o1", "PSY")
                .build();
        RequestDetails vread = TestRequests.user(RestOperationTypeEnum.VREAD, "Observation/o1/_history/1")
                .build();
        RequestDetails history = TestRequests.user(RestOperationTypeEnum.HISTORY_INSTANCE, "Observation/o1/_history")
                .build();

        // when the unlabelled version is read by version or in the history
        ConsentOperationStatusEnum byVersion = canSee(engine, vread, observation("o1", "p1"));
        ConsentOperationStatusEnum inHistory = willSee(engine, history, observation("o1", "p1"));

        // then it is withheld as PSY; a plain read judges the version by its own labels
        assertThat(byVersion).isEqualTo(REJECT);
        assertThat(inHistory).isEqualTo(REJECT);
        assertThat(TestAuditNotes.consentDecisions(vread)).containsExactly("deny sensitive-label PSY");
        assertThat(canSee(engine, read("Observation/o1"), observation("o1", "p1")))
                .isEqualTo(AUTHORIZED);
    }

    @Test
    void whenPatientUsesTheirOwnTokenThenTheirOwnRecordIsNeverRestrictedAndTheirCountsChainsAndWritesWork() {
        // given patient p1's own token, and p1's own general refusal
        ConsentEngine engine = fixture.token(TestTokens.patient("p1"))
                .consent(TestConsents.deny("c1", "p1", "general").build())
                .build();
        RequestDetails request = search("Patient?_has:Observation:patient:code=1234&_total=accurate");
        RequestDetails write = TestRequests.user(RestOperationTypeEnum.UPDATE, "Observation/o1")
                .build();

        // when p1 reads their own psychiatric note
        ConsentOperationStatusEnum own = canSee(engine, request, observation("o1", "p1", "PSY"));

        // then it is shown, nothing looked up or recorded, and the requests consent refuses others are theirs
        assertThat(own).isEqualTo(AUTHORIZED);
        assertThat(fixture.directiveLookups).isEmpty();
        assertThat(TestAuditNotes.consentDecisions(request)).isEmpty();
        assertThat(engine.mayCount(request)).isTrue();
        assertThat(engine.oracleRefusal(request)).isEmpty();
        assertThat(engine.judgesWritesOf(write, "Observation")).isFalse();
    }

    @Test
    void whenPatientsResourceIsAlsoAnotherPatientsThenThatPatientsConsentsDecide() {
        // given p1's own token (purpose: patient-requested disclosure), and an observation also in p2's compartment
        ConsentEngine engine = fixture.token(TestTokens.patient("p1")).build();
        RequestDetails before = search("Observation?code=1234");
        TestRequestPurposes.resolve(before, TestTokens.patient("p1"));

        // when p1 reads it, p2 never having agreed
        ConsentOperationStatusEnum withoutConsent =
                canSee(engine, before, TestResources.sharedObservation("o1", "p1", "p2"));

        // then it is withheld: a disclosure p1 requests of p2's data needs p2's permit
        assertThat(withoutConsent).isEqualTo(REJECT);
        assertThat(TestAuditNotes.consentDecisions(before)).containsExactly("deny purpose-needs-consent PATRQT");
        assertThat(fixture.directiveLookups).containsExactly("p2");

        // and once p2 permits data sharing, it is shown
        fixture.consent(TestConsents.permit("c-p2", "p2", "data-sharing").build());
        RequestDetails after = search("Observation?code=1234");
        TestRequestPurposes.resolve(after, TestTokens.patient("p1"));
        assertThat(canSee(engine, after, TestResources.sharedObservation("o1", "p1", "p2")))
                .isEqualTo(AUTHORIZED);
        assertThat(TestAuditNotes.consentDecisions(after)).containsExactly("permit consent Consent/c-p2");
    }

    @Test
    void whenAConsentResourceIsReadThenItIsNotJudgedExceptForCliniciansBoundByTheRelationship() {
        // given p1's Consent denying data sharing (an exempt type: front desk and auditors must see it)
        Consent consent = TestConsents.deny("c1", "p1", "data-sharing").build();
        fixture.consent(consent);
        ConsentEngine engine = fixture.build();

        // when billing staff (whom it binds) read it
        fixture.token(TestTokens.billing("billing-app"));
        RequestDetails byBilling = read("Consent/c1");
        ConsentOperationStatusEnum billing = canSee(engine, byBilling, consent);

        // then it is shown without judgement
        assertThat(billing).isEqualTo(AUTHORIZED);
        assertThat(fixture.directiveLookups).isEmpty();

        // and a physician who does not treat p1 sees it only once they do
        fixture.token(TestTokens.physician("doc"));
        RequestDetails byPhysician = read("Consent/c1");
        assertThat(canSee(engine, byPhysician, consent)).isEqualTo(REJECT);
        assertThat(TestAuditNotes.consentDecisions(byPhysician)).containsExactly("deny no-treatment-relationship");
        fixture.treats("Practitioner/doc", "p1");
        assertThat(canSee(engine, read("Consent/c1"), consent)).isEqualTo(AUTHORIZED);
    }

    @Test
    void whenWhoseDataItIsCannotBeDecidedThenItIsWithheldFromCliniciansBoundByTheRelationship() {
        // given a Binary whose securityContext names no Patient
        ConsentEngine engine = fixture.build();

        // when a physician and billing staff read it
        fixture.token(TestTokens.physician("doc"));
        RequestDetails byPhysician = read("Binary/b1");
        ConsentOperationStatusEnum physician = canSee(engine, byPhysician, TestResources.unattributedBinary("b1"));
        fixture.token(TestTokens.billing("billing-app"));
        ConsentOperationStatusEnum billing = canSee(engine, read("Binary/b1"), TestResources.unattributedBinary("b1"));

        // then the physician, who may see only patients they treat, does not see it
        assertThat(physician).isEqualTo(REJECT);
        assertThat(TestAuditNotes.consentDecisions(byPhysician))
                .containsExactly("deny no-treatment-relationship owner-undecided");
        assertThat(billing).isEqualTo(AUTHORIZED);
    }

    @Test
    void whenWillSeeResourceAsksAboutContainersThenTheyProceedToBeJudgedByWhatTheyHold() {
        // given a physician who treats p2 only
        ConsentEngine engine = fixture.token(TestTokens.physician("doc"))
                .treats("Practitioner/doc", "p2")
                .build();
        RequestDetails request = search("Observation?code=1234");

        // when the response's containers and resources are shown
        // then containers proceed (their entries are judged one by one); a shown resource proceeds
        // too (HAPI still judges what it contains), a withheld one is rejected
        assertThat(willSee(engine, request, new Bundle())).isEqualTo(PROCEED);
        assertThat(willSee(engine, request, new Parameters())).isEqualTo(PROCEED);
        assertThat(willSee(engine, request, new OperationOutcome())).isEqualTo(PROCEED);
        assertThat(willSee(engine, request, observation("o2", "p2"))).isEqualTo(PROCEED);
        assertThat(willSee(engine, request, observation("o1", "p1"))).isEqualTo(REJECT);
    }

    @Test
    void whenTheSameResourceIsJudgedAgainInARequestThenItsPatientIsLookedUpAndTheDecisionRecordedOnce() {
        // given a physician who treats p1, and p1's treatment deny
        ConsentEngine engine = fixture.token(TestTokens.physician("doc"))
                .treats("Practitioner/doc", "p1")
                .consent(TestConsents.deny("c1", "p1", "treatment").build())
                .build();
        RequestDetails request = search("Observation?code=1234");

        // when o1 is judged when accessed, when shown and again in the response, and o2 once
        canSee(engine, request, observation("o1", "p1"));
        willSee(engine, request, observation("o1", "p1"));
        willSee(engine, request, observation("o1", "p1"));
        ConsentOperationStatusEnum second = canSee(engine, request, observation("o2", "p1"));

        // then p1's Consents were read once, and each withheld resource counted once
        assertThat(second).isEqualTo(REJECT);
        assertThat(fixture.directiveLookups).containsExactly("p1");
        assertThat(TestAuditNotes.consentDecisions(request)).containsExactly("deny consent Consent/c1 ×2");
    }

    @Test
    void whenASearchMatchIsJudgedFromIndexesThenFromContentThenRecordedOnceAndTheContentWinsWhereTheyDiffer() {
        // given a nurse who treats p1 and p2, and p1's treatment deny
        ConsentEngine engine = fixture.token(TestTokens.nurse("nurse"))
                .treats("Practitioner/nurse", "p1")
                .treats("Practitioner/nurse", "p2")
                .consent(TestConsents.deny("c1", "p1", "treatment").build())
                .build();
        RequestDetails request = search("Observation?code=1234");
        FoundResources.Found o1 = new FoundResources.Found(
                ResourceFacts.of("Observation", "o1", Set.of(), Set.of("p1"), Set.of("Patient/p1")), "1");
        // the indexes know no label on o2; its content carries PSY
        FoundResources.Found o2 = new FoundResources.Found(
                ResourceFacts.of("Observation", "o2", Set.of(), Set.of("p2"), Set.of("Patient/p2")), "1");

        // when the matches are found, then loaded and shown
        boolean o1Found = engine.permitsFound(request, o1);
        boolean o2Found = engine.permitsFound(request, o2);
        ConsentOperationStatusEnum o1Shown = willSee(engine, request, observation("o1", "p1"));
        ConsentOperationStatusEnum o2Shown = willSee(engine, request, observation("o2", "p2", "PSY"));

        // then o1 is left out when found (recorded once); o2 passes the indexes but its content withholds it
        assertThat(o1Found).isFalse();
        assertThat(o2Found).isTrue();
        assertThat(o1Shown).isEqualTo(REJECT);
        assertThat(o2Shown).isEqualTo(REJECT);
        assertThat(TestAuditNotes.consentDecisions(request))
                .containsExactly("deny consent Consent/c1", "deny sensitive-label PSY");
    }

    @Test
    void whenACountIsAskedThenItIsAnsweredOnlyWhereConsentCannotWithholdAnythingCounted() {
        // given an engine with an exempt admin role
        ConsentEngine engine = fixture.exemptRole("admin").build();

        // when billing staff count
        fixture.token(TestTokens.billing("billing-app"));
        boolean consents = engine.mayCount(search("Consent?status=active"));
        boolean withIncludes = engine.mayCount(search("Consent?_include=Consent:patient"));
        boolean withRevincludes = engine.mayCount(search("Consent?_revinclude=Provenance:target"));
        boolean observations = engine.mayCount(search("Observation?code=1234"));
        boolean system = engine.mayCount(TestRequests.user(RestOperationTypeEnum.SEARCH_SYSTEM, "?_type=Consent")
                .build());
        // and a physician bound by the treatment relationship, and an exempt admin
        fixture.token(TestTokens.physician("doc"));
        boolean physician = engine.mayCount(search("Consent?status=active"));
        fixture.token(TestTokens.admin());
        boolean admin = engine.mayCount(search("Observation?code=1234"));

        // then only exempt types without includes, by those the relationship does not bind, and exempt roles
        assertThat(consents).isTrue();
        assertThat(withIncludes).isFalse();
        assertThat(withRevincludes).isFalse();
        assertThat(observations).isFalse();
        assertThat(system).isFalse();
        assertThat(physician).isFalse();
        assertThat(admin).isTrue();
    }

    @Test
    void whenASearchChainsOntoDataConsentMayWithholdThenItIsRefusedAsAnOracle() {
        // given billing staff, and an exempt admin
        ConsentEngine engine = fixture.exemptRole("admin").build();
        fixture.token(TestTokens.billing("billing-app"));

        // when searches with reverse and forward chains are checked
        Optional<String> reverse = engine.oracleRefusal(search("Patient?_has:Observation:patient:code=1234"));
        Optional<String> forward = engine.oracleRefusal(search("Observation?subject.family=Doe"));
        Optional<String> typed = engine.oracleRefusal(search("Encounter?diagnosis:Condition._security=PSY"));

        // then those over patient data are refused, saying what to do instead
        assertThat(reverse)
                .contains("search parameter _has matches over data patient consent may withhold from you;"
                        + " search that type directly");
        assertThat(forward)
                .contains("search parameter subject chains onto data patient consent may withhold from you;"
                        + " search that type directly");
        assertThat(typed)
                .hasValueSatisfying(
                        reason -> assertThat(reason).startsWith("search parameter diagnosis:Condition chains onto"));

        // and chains over directory data or exempt types, plain searches and exempt roles are not
        assertThat(engine.oracleRefusal(search("Practitioner?_has:PractitionerRole:practitioner:role=doctor")))
                .isEmpty();
        assertThat(engine.oracleRefusal(search("Patient?_has:Consent:patient:status=active")))
                .isEmpty();
        assertThat(engine.oracleRefusal(search("Patient?general-practitioner.name=Jones")))
                .isEmpty();
        assertThat(engine.oracleRefusal(search("Observation?performer:Practitioner.name=Jones")))
                .isEmpty();
        assertThat(engine.oracleRefusal(search("Observation?subject=Patient/p1")))
                .isEmpty();
        fixture.token(TestTokens.admin());
        assertThat(engine.oracleRefusal(search("Patient?_has:Observation:patient:code=1234")))
                .isEmpty();
    }

    @Test
    void whenAUserAppWritesConditionallyOrValidatesAStoredInstanceThenRefusedButBackendServicesKeepThem() {
        // given a physician's app and a backend service
        ConsentEngine engine = fixture.build();
        RequestDetails create = TestRequests.user(RestOperationTypeEnum.CREATE, "Observation")
                .header("If-None-Exist", "identifier=urn:lab|123")
                .build();
        RequestDetails update = TestRequests.user(RestOperationTypeEnum.UPDATE, "Observation?identifier=urn:lab|123")
                .build();
        RequestDetails delete = TestRequests.user(RestOperationTypeEnum.DELETE, "Observation?identifier=urn:lab|123")
                .build();
        RequestDetails patch = TestRequests.user(RestOperationTypeEnum.PATCH, "Observation?identifier=urn:lab|123")
                .build();
        RequestDetails validate = TestRequests.user(
                        RestOperationTypeEnum.EXTENDED_OPERATION_INSTANCE, "Observation/o1/$validate")
                .build();

        // when the physician's requests are checked
        fixture.token(TestTokens.physician("doc"));
        Optional<String> created = engine.oracleRefusal(create);

        // then each is refused, saying what to do instead
        assertThat(created)
                .contains("conditional create of Observation would tell whether data patient consent withholds"
                        + " from you exists; write by id");
        assertThat(engine.oracleRefusal(update))
                .hasValueSatisfying(reason -> assertThat(reason).startsWith("conditional update of Observation"));
        assertThat(engine.oracleRefusal(delete))
                .hasValueSatisfying(reason -> assertThat(reason).startsWith("conditional delete of Observation"));
        assertThat(engine.oracleRefusal(patch))
                .hasValueSatisfying(reason -> assertThat(reason).startsWith("conditional patch of Observation"));
        assertThat(engine.oracleRefusal(validate))
                .contains("$validate of a stored Observation would tell whether it exists where patient consent"
                        + " applies; validate at type level");

        // and writes by id, type-level $validate and conditional writes of directory data are not
        assertThat(engine.oracleRefusal(TestRequests.user(RestOperationTypeEnum.UPDATE, "Observation/o1")
                        .build()))
                .isEmpty();
        assertThat(engine.oracleRefusal(TestRequests.user(RestOperationTypeEnum.VALIDATE, "Observation/$validate")
                        .build()))
                .isEmpty();
        assertThat(engine.oracleRefusal(TestRequests.user(RestOperationTypeEnum.CREATE, "Practitioner")
                        .header("If-None-Exist", "identifier=urn:npi|1")
                        .build()))
                .isEmpty();

        // nor a backend service's conditional create
        fixture.token(TestTokens.backendService());
        assertThat(engine.oracleRefusal(TestRequests.user(RestOperationTypeEnum.CREATE, "Observation")
                        .header("If-None-Exist", "identifier=urn:lab|123")
                        .build()))
                .isEmpty();
    }

    @Test
    void whenAUserAppChangesAStoredResourceConsentWithholdsThenTheWriteIsRefusedAsIfAbsent() {
        // given a physician who does not treat p1
        ConsentEngine engine = fixture.token(TestTokens.physician("doc")).build();
        RequestDetails update = TestRequests.user(RestOperationTypeEnum.UPDATE, "Observation/o1")
                .build();

        // when they update p1's observation and a practitioner
        Optional<String> refusal = engine.writeRefusal(update, observation("o1", "p1"));

        // then the observation answers as if absent, the directory entry may be written
        assertThat(engine.judgesWritesOf(update, "Observation")).isTrue();
        assertThat(refusal).contains("Observation/o1");
        assertThat(engine.judgesWritesOf(update, "Practitioner")).isFalse();
        assertThat(engine.writeRefusal(update, TestResources.practitioner("x"))).isEmpty();
        assertThat(engine.judgesWritesOf(null, "Observation")).isFalse();

        // and once they treat p1, or for a backend service, the write goes on
        fixture.treats("Practitioner/doc", "p1");
        RequestDetails treated = TestRequests.user(RestOperationTypeEnum.UPDATE, "Observation/o1")
                .build();
        assertThat(engine.writeRefusal(treated, observation("o1", "p1"))).isEmpty();
        fixture.token(TestTokens.backendService());
        RequestDetails backend = TestRequests.user(RestOperationTypeEnum.UPDATE, "Observation/o9")
                .build();
        assertThat(engine.judgesWritesOf(backend, "Observation")).isFalse();
        assertThat(engine.writeRefusal(backend, observation("o9", "p9", "R"))).isEmpty();
    }

    @Test
    void whenAskedWhoseRelationshipBindsTheRequesterThenTheirOwnPractitionerOnlyWhenTheRuleBindsThem() {
        // given who treats whom
        ConsentEngine engine = fixture.treats("Practitioner/doc", "p1").build();

        // when a physician (fhirUser an absolute URL), billing staff and a launched app are asked about
        fixture.token(TestTokens.physicianWithAbsoluteFhirUser("doc"));
        Optional<String> physician = engine.relationshipBoundPractitioner(read("Patient/p1"));
        fixture.token(TestTokens.billing("billing-app"));
        Optional<String> billing = engine.relationshipBoundPractitioner(read("Patient/p1"));

        // then only the physician's own Practitioner, as a relative reference
        assertThat(physician).contains("Practitioner/doc");
        assertThat(billing).isEmpty();
        assertThat(engine.treats("Practitioner/doc", "p1")).isTrue();
        assertThat(engine.treats("Practitioner/doc", "p2")).isFalse();
    }
}
