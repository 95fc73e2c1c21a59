package org.securefhir.interceptors.authorization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.securefhir.interceptors.authorization.TestResources.observationOf;
import static org.securefhir.interceptors.authorization.TestResources.patient;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Narrative;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.securefhir.interceptors.ownership.PatientOwnership;
import org.springframework.mock.web.MockHttpServletRequest;

/**
 * The parts of the access policy HAPI's rules cannot express, driven through the interceptor's
 * hooks as HAPI's server calls them (docs/access-control.md, rules 5–9 and "Every request path"),
 * over the shipped policy.
 */
class RolePolicyInterceptorTest {

    private static final FhirContext FHIR = FhirContext.forR4Cached();
    private static final AccessPolicy POLICY = AccessPolicy.defaults(FHIR);
    private static final PatientOwnership OWNERSHIP = new PatientOwnership(FHIR);
    private static final Instant NOW = Instant.parse("2026-12-07T10:00:00Z");
    private static final Set<String> SERVED = Set.of(
            "Patient",
            "Observation",
            "Condition",
            "Encounter",
            "Claim",
            "Practitioner",
            "Task",
            "Device",
            "AuditEvent");

    private final RestfulServer server = new RestfulServer(FHIR);
    private final Map<String, String> searchOwners = new HashMap<>();
    private final AtomicReference<Optional<AccessToken>> token = new AtomicReference<>(Optional.empty());

    private final RolePolicyInterceptor interceptor = new RolePolicyInterceptor(
            new RequestPermissions(POLICY, token::get, OWNERSHIP),
            FHIR,
            new SearchOwners() {
                @Override
                public void claim(String searchId, String ownerDigest) {
                    searchOwners.putIfAbsent(searchId, ownerDigest);
                }

                @Override
                public Optional<String> owner(String searchId) {
                    return Optional.ofNullable(searchOwners.get(searchId));
                }
            },
            Clock.fixed(NOW, ZoneOffset.UTC),
            SERVED);

    // --- searches as the client wrote them

    @Test
    void whenOnlyAGranularScopeAllowsTheTypeThenTheSearchIsNarrowedToItsFilterAndKeepsItsOwnCriteria() {
        // given
        token.set(user("physician", "user/Patient.rs", "user/Observation.rs?" + TestCategoryMatcher.LABORATORY));
        ServletRequestDetails request = search("Observation", Map.of("code", new String[] {"http://loinc.org|1234-5"}));

        // when
        interceptor.checkAndNarrowSearch(request);

        // then
        assertThat(request.getParameters().get("category"))
                .containsExactly(TestCategoryMatcher.CATEGORY + "|laboratory");
        assertThat(request.getParameters().get("code")).containsExactly("http://loinc.org|1234-5");
    }

    @Test
    void whenACompartmentSearchMatchesOnAnElementHiddenFromTheRoleThenA403AsForTheTypeSearch() {
        // given: Patient/p1/Encounter?reason-code=… (HAPI: resource name Patient, compartment Encounter)
        token.set(user("front-desk", "user/*.rs"));
        ServletRequestDetails request =
                compartmentSearch("p1", "Encounter", Map.of("reason-code", new String[] {"F32.9"}));

        // when
        BaseServerResponseException refused = refusal(() -> interceptor.checkAndNarrowSearch(request));

        // then
        assertThat(refused.getStatusCode()).isEqualTo(403);
        assertThat(refused.getMessage()).contains("reason-code").doesNotContain("F32.9");
    }

    @Test
    void whenOnlyAGranularScopeAllowsTheCompartmentTypeThenTheCompartmentSearchIsNarrowedToItsFilter() {
        // given: a count over the compartment must count only what the filter lets the token see
        token.set(user("physician", "user/Patient.rs", "user/Observation.rs?" + TestCategoryMatcher.LABORATORY));
        ServletRequestDetails request =
                compartmentSearch("p1", "Observation", Map.of("_summary", new String[] {"count"}));

        // when
        interceptor.checkAndNarrowSearch(request);

        // then
        assertThat(request.getParameters().get("category"))
                .containsExactly(TestCategoryMatcher.CATEGORY + "|laboratory");
    }

    @Test
    void whenAPlainScopeAllowsTheTypeThenTheSearchIsLeftAsWritten() {
        // given
        token.set(user("physician", "user/*.rs"));
        ServletRequestDetails request = search("Observation", Map.of("code", new String[] {"x"}));

        // when
        interceptor.checkAndNarrowSearch(request);

        // then
        assertThat(request.getParameters()).containsOnlyKeys("code");
    }

    @Test
    void whenASearchMatchesOnAnElementHiddenFromTheRoleThenA403NamingTheParameterNotItsValue() {
        // given: the front desk does not see why a patient came (Encounter.reasonCode)
        token.set(user("front-desk", "user/*.rs"));
        ServletRequestDetails request = search("Encounter", Map.of("reason-code", new String[] {"F32.9"}));

        // when
        BaseServerResponseException refused = refusal(() -> interceptor.checkAndNarrowSearch(request));

        // then
        assertThat(refused).isInstanceOf(ForbiddenOperationException.class);
        assertThat(refused.getMessage()).contains("reason-code").doesNotContain("F32.9");
    }

    @Test
    void whenSearchCriteriaReachATypeTheRoleCannotReadThenA403() {
        // given: billing may not learn who has which diagnosis
        token.set(user("billing", "user/*.rs"));
        ServletRequestDetails request =
                search("Patient", Map.of("_has:Condition:subject:code", new String[] {"F32.9"}));

        // when
        BaseServerResponseException refused = refusal(() -> interceptor.checkAndNarrowSearch(request));

        // then
        assertThat(refused).isInstanceOf(ForbiddenOperationException.class);
        assertThat(refused.getMessage()).contains("_has:Condition:subject:code").doesNotContain("F32.9");
    }

    @Test
    void whenAPinnedTokenSearchesATypeR4LeavesOutOfThePatientCompartmentThenNarrowedToItsPatient() {
        // given: a patient's own token; R4's compartment types are narrowed by HAPI, Task here
        token.set(patientOwn("p1"));
        ServletRequestDetails tasks = search("Task", Map.of("status", new String[] {"requested"}));
        ServletRequestDetails observations = search("Observation", Map.of("code", new String[] {"x"}));

        // when
        interceptor.checkAndNarrowSearch(tasks);
        interceptor.checkAndNarrowSearch(observations);

        // then
        assertThat(tasks.getParameters().get("patient")).containsExactly("Patient/p1");
        assertThat(tasks.getParameters().get("status")).containsExactly("requested");
        assertThat(observations.getParameters()).containsOnlyKeys("code");
    }

    @Test
    void whenASystemSearchUsesCrossTypeCriteriaWithoutNamingItsTypesThenA403UnlessAllMayBeSearched() {
        // given
        Map<String, String[]> hasCriteria = Map.of("_has:Condition:subject:code", new String[] {"x"});

        // when
        token.set(user("physician", "user/*.rs"));
        BaseServerResponseException physician =
                refusal(() -> interceptor.checkAndNarrowSearch(systemSearch(hasCriteria)));
        token.set(user("integration", "system/*.rs"));
        BaseServerResponseException integration =
                refusal(() -> interceptor.checkAndNarrowSearch(systemSearch(hasCriteria)));

        // then
        assertThat(physician).isInstanceOf(ForbiddenOperationException.class);
        assertThat(physician.getMessage()).contains("_type");
        assertThat(integration).isNull();
    }

    @Test
    void whenASystemSearchNamesItsTypesThenTheCriteriaAreJudgedForEachOfThem() {
        // given: billing may search Patients, not by their Conditions
        token.set(user("billing", "user/*.rs"));
        ServletRequestDetails request = systemSearch(
                Map.of("_type", new String[] {"Claim, Patient"}, "_has:Condition:subject:code", new String[] {"x"}));

        // when
        BaseServerResponseException refused = refusal(() -> interceptor.checkAndNarrowSearch(request));

        // then
        assertThat(refused).isInstanceOf(ForbiddenOperationException.class);
    }

    // --- the interaction, purpose of use, paging and step-up, per request

    @Test
    void whenTheRoleOrScopeDoesNotGrantTheInteractionThenA403BeforeAnythingRuns() {
        // given
        token.set(user("billing", "user/*.cruds"));
        ServletRequestDetails read = request(RestOperationTypeEnum.READ, "Observation");
        ServletRequestDetails claim = request(RestOperationTypeEnum.CREATE, "Claim");

        // when
        BaseServerResponseException refused = refusal(() -> interceptor.checkInteraction(read));

        // then
        assertThat(refused).isInstanceOf(ForbiddenOperationException.class);
        assertThat(refused.getMessage()).contains("read of Observation is not allowed");
        assertThatCode(() -> interceptor.checkInteraction(claim)).doesNotThrowAnyException();
    }

    @Test
    void whenAPatientContextTokenMakesAConditionalWriteThenA403() {
        // given: the match URL would run over every patient's data
        token.set(inContext("physician", "p1", "patient/*.cruds"));
        ServletRequestDetails create = request(RestOperationTypeEnum.CREATE, "Observation");
        header(create, "If-None-Exist", "identifier=x|1");
        ServletRequestDetails plainCreate = request(RestOperationTypeEnum.CREATE, "Observation");
        ServletRequestDetails delete = request(RestOperationTypeEnum.DELETE, "Observation");
        delete.setCompleteUrl("https://fhir.example/fhir/Observation?identifier=x|1");
        delete.setFhirServerBase("https://fhir.example/fhir");

        // when
        BaseServerResponseException conditionalCreate = refusal(() -> interceptor.checkInteraction(create));
        BaseServerResponseException conditionalDelete = refusal(() -> interceptor.checkInteraction(delete));

        // then
        assertThat(conditionalCreate).isInstanceOf(ForbiddenOperationException.class);
        assertThat(conditionalCreate.getMessage()).contains("conditional create");
        assertThat(conditionalDelete).isInstanceOf(ForbiddenOperationException.class);
        assertThatCode(() -> interceptor.checkInteraction(plainCreate)).doesNotThrowAnyException();
    }

    @Test
    void whenNoPurposeIsStatedThenTheRolesDefaultIsTheRequestsPurpose() {
        // given
        token.set(user("billing", "user/*.rs"));
        ServletRequestDetails request = request(RestOperationTypeEnum.READ, "Claim");

        // when
        interceptor.checkInteraction(request);

        // then
        assertThat(RequestPurpose.of(request)).contains(new RequestPurpose(PurposeOfUse.HPAYMT, PurposeOfUse.HPAYMT));
    }

    @Test
    void whenAPurposeTheRoleMayStateIsStatedThenItIsTheRequestsPurposeBoundWithTheDefault() {
        // given
        token.set(user("billing", "user/*.rs"));
        ServletRequestDetails request = request(RestOperationTypeEnum.READ, "Claim");
        header(request, RequestPurpose.HEADER, "COVERAGE");

        // when
        interceptor.checkInteraction(request);

        // then
        assertThat(RequestPurpose.of(request))
                .hasValueSatisfying(purpose -> assertThat(purpose.binding())
                        .containsExactlyInAnyOrder(PurposeOfUse.COVERAGE, PurposeOfUse.HPAYMT));
    }

    @Test
    void whenAPurposeTheRoleMayNotStateIsStatedThenA403AndBreakGlassOrGarbageA400() {
        // given
        token.set(user("billing", "user/*.rs"));
        ServletRequestDetails treatment = request(RestOperationTypeEnum.READ, "Claim");
        header(treatment, RequestPurpose.HEADER, "TREAT");
        ServletRequestDetails breakGlass = request(RestOperationTypeEnum.READ, "Claim");
        header(breakGlass, RequestPurpose.HEADER, "BTG");
        ServletRequestDetails garbage = request(RestOperationTypeEnum.READ, "Claim");
        header(garbage, RequestPurpose.HEADER, "treat-me");

        // when
        BaseServerResponseException notAllowed = refusal(() -> interceptor.checkInteraction(treatment));
        BaseServerResponseException declared = refusal(() -> interceptor.checkInteraction(breakGlass));
        BaseServerResponseException malformed = refusal(() -> interceptor.checkInteraction(garbage));

        // then
        assertThat(notAllowed).isInstanceOf(ForbiddenOperationException.class);
        assertThat(notAllowed.getMessage()).contains("TREAT");
        assertThat(declared).isInstanceOf(InvalidRequestException.class);
        assertThat(malformed).isInstanceOf(InvalidRequestException.class);
        assertThat(RequestPurpose.of(treatment)).isEmpty();
    }

    @Test
    void whenTheCapabilityStatementIsAskedForThenNoPurposeIsResolvedWithOrWithoutAToken() {
        // given: a purpose billing may not state, which would refuse any other request
        ServletRequestDetails withToken = request(RestOperationTypeEnum.METADATA, null);
        header(withToken, RequestPurpose.HEADER, "TREAT");
        ServletRequestDetails anonymous = request(RestOperationTypeEnum.METADATA, null);

        // when
        token.set(user("billing", "user/*.rs"));
        BaseServerResponseException billing = refusal(() -> interceptor.checkInteraction(withToken));
        token.set(Optional.empty());
        BaseServerResponseException nobody = refusal(() -> interceptor.checkInteraction(anonymous));

        // then
        assertThat(billing).isNull();
        assertThat(nobody).isNull();
        assertThat(RequestPurpose.of(withToken)).isEmpty();
        assertThat(RequestPurpose.of(anonymous)).isEmpty();
    }

    @Test
    void whenTheNextPageOfASearchIsFetchedThenOnlyByTheUserAndAppThatGotTheFirst() {
        // given: alice's first page links the next
        Optional<AccessToken> alice = Optional.of(token("alice", "app", List.of("user/*.rs"), "nurse"));
        Optional<AccessToken> bob = Optional.of(token("bob", "app", List.of("user/*.rs"), "nurse"));
        token.set(alice);
        ServletRequestDetails first = search("Patient", Map.of());
        Bundle page = new Bundle().setType(Bundle.BundleType.SEARCHSET);
        page.addLink().setRelation("next").setUrl("https://fhir.example/fhir?_getpages=search-1&_getpagesoffset=20");
        interceptor.beforeResponse(first, page);

        // when
        token.set(bob);
        BaseServerResponseException bobs = refusal(() -> interceptor.checkInteraction(nextPage("search-1")));
        token.set(alice);
        BaseServerResponseException alices = refusal(() -> interceptor.checkInteraction(nextPage("search-1")));

        // then
        assertThat(bobs).isInstanceOf(ForbiddenOperationException.class);
        assertThat(alices).isNull();
    }

    @Test
    void whenAnIrreversibleOperationRunsWithoutARecentSecondFactorThenA403WithAStepUpChallenge() {
        // given: an admin whose second factor is ten minutes old, and one who just entered it
        Optional<AccessToken> stale = admin(NOW.minusSeconds(600));
        Optional<AccessToken> recent = admin(NOW.minusSeconds(60));

        // when
        token.set(stale);
        BaseServerResponseException refused = refusal(() -> interceptor.checkInteraction(eraseKeys()));
        token.set(recent);
        BaseServerResponseException allowed = refusal(() -> interceptor.checkInteraction(eraseKeys()));

        // then
        assertThat(refused).isInstanceOf(ForbiddenOperationException.class);
        assertThat(refused.getResponseHeaders().get("WWW-Authenticate"))
                .singleElement()
                .satisfies(challenge -> assertThat(challenge)
                        .contains("insufficient_user_authentication")
                        .contains("max_age=300"));
        assertThat(allowed).isNull();
    }

    // --- batches and transactions

    @Test
    void whenABatchEntrySearchesWithCriteriaTheRoleMayNotUseThenTheWholeBatchIsRefused() {
        // given
        token.set(user("billing", "user/*.rs"));
        ServletRequestDetails request = batch(
                "Claim?status=active", "Patient?_has:Condition:subject:code=F32.9", "Encounter?reason-code=F32.9");

        // when
        BaseServerResponseException refused = refusal(() -> interceptor.checkInteraction(request));

        // then
        assertThat(refused).isInstanceOf(ForbiddenOperationException.class);
        assertThat(refused.getMessage()).contains("batch entry Patient").doesNotContain("F32.9");
    }

    @Test
    void whenABatchEntrySearchesOnAHiddenElementThenTheWholeBatchIsRefused() {
        // given
        token.set(user("front-desk", "user/*.rs"));
        ServletRequestDetails request = batch("Encounter?reason-code=F32.9");

        // when
        BaseServerResponseException refused = refusal(() -> interceptor.checkInteraction(request));

        // then
        assertThat(refused).isInstanceOf(ForbiddenOperationException.class);
        assertThat(refused.getMessage()).contains("reason-code");
    }

    @Test
    void whenAPinnedTokensBatchSearchesTasksThenTheEntrysUrlIsNarrowedToItsPatient() {
        // given
        token.set(patientOwn("p1"));
        ServletRequestDetails request = batch("Task?status=requested", "Task", "Observation?code=x", "Patient/p1");

        // when
        interceptor.checkInteraction(request);

        // then
        List<String> urls = ((Bundle) request.getResource())
                .getEntry().stream().map(entry -> entry.getRequest().getUrl()).toList();
        assertThat(urls)
                .containsExactly(
                        "Task?status=requested&patient=Patient%2Fp1",
                        "Task?patient=Patient%2Fp1", "Observation?code=x", "Patient/p1");
    }

    // --- writes as they reach storage (also each batch and transaction entry)

    @Test
    void whenAWriteReachesStorageThatTheRoleMayNotMakeThenA403() {
        // given: a nurse records Observations, not diagnoses
        token.set(user("nurse", "user/*.cruds"));
        ServletRequestDetails request = request(RestOperationTypeEnum.TRANSACTION, null);

        // when
        BaseServerResponseException create = refusal(() -> interceptor.checkCreate(request, new Condition()));
        BaseServerResponseException delete =
                refusal(() -> interceptor.checkDelete(request, observationOf("p1", "o-1")));

        // then
        assertThat(create).isInstanceOf(ForbiddenOperationException.class);
        assertThat(create.getMessage()).contains("create of Condition is not allowed");
        assertThat(delete).isInstanceOf(ForbiddenOperationException.class);
        assertThatCode(() -> interceptor.checkCreate(request, observationOf("p1", null)))
                .doesNotThrowAnyException();
        assertThatCode(() -> interceptor.checkUpdate(request, observationOf("p1", "o-1"), observationOf("p1", "o-1")))
                .doesNotThrowAnyException();
    }

    @Test
    void whenTheServerWritesOnItsOwnBehalfThenNoClientPolicyApplies() {
        // given: no token, so a client request could write nothing
        token.set(Optional.empty());

        // when / then
        assertThatCode(() -> {
                    interceptor.checkCreate(new SystemRequestDetails(), new Condition());
                    interceptor.checkUpdate(null, new Condition(), new Condition());
                    interceptor.checkDelete(new SystemRequestDetails(), new Condition());
                })
                .doesNotThrowAnyException();
        assertThat(refusal(() ->
                        interceptor.checkCreate(request(RestOperationTypeEnum.CREATE, "Condition"), new Condition())))
                .isInstanceOf(ForbiddenOperationException.class);
    }

    @Test
    void whenARoleUpdatesAResourceWithElementsHiddenFromItThenTheStoredValuesAreKept() {
        // given: the front desk updates an Encounter whose reason it never saw
        token.set(user("front-desk", "user/*.cruds"));
        Encounter stored = new Encounter();
        stored.setId("Encounter/e-1");
        stored.addReasonCode(new CodeableConcept().setText("depression"));
        Encounter incoming = new Encounter();
        incoming.setId("Encounter/e-1");
        incoming.setStatus(Encounter.EncounterStatus.FINISHED);

        // when
        interceptor.checkUpdate(request(RestOperationTypeEnum.UPDATE, "Encounter"), stored, incoming);

        // then
        assertThat(incoming.getReasonCodeFirstRep().getText()).isEqualTo("depression");
        assertThat(incoming.getStatus()).isEqualTo(Encounter.EncounterStatus.FINISHED);
    }

    // --- responses

    @Test
    void whenAResponseHoldsElementsHiddenFromTheRoleThenTheyAreRemovedAndTheResourceLabelledRedacted() {
        // given: billing does not see a patient's narrative
        token.set(user("billing", "user/*.rs"));
        Patient patient = new Patient();
        patient.setId("Patient/p1");
        patient.setText(new Narrative().setStatus(Narrative.NarrativeStatus.GENERATED));
        patient.addName().setFamily("Kept");
        Bundle response = new Bundle().setType(Bundle.BundleType.SEARCHSET);
        response.addEntry().setResource(patient);

        // when
        interceptor.beforeResponse(search("Patient", Map.of()), response);

        // then
        assertThat(patient.hasText()).isFalse();
        assertThat(patient.getNameFirstRep().getFamily()).isEqualTo("Kept");
        assertThat(patient.getMeta().getSecurity())
                .anyMatch(label -> label.getCode().equals(ElementMasking.REDACTED_CODE));
    }

    // --- fixtures

    private static AccessToken token(String subject, String client, List<String> scopes, String role) {
        return AccessToken.of(subject, client, scopes, Optional.empty(), Optional.empty(), List.of(role));
    }

    private static Optional<AccessToken> user(String role, String... scopes) {
        return Optional.of(token("user-1", "app-1", List.of(scopes), role));
    }

    private static Optional<AccessToken> inContext(String role, String patient, String... scopes) {
        return Optional.of(AccessToken.of(
                "user-1", "app-1", List.of(scopes), Optional.of(patient), Optional.empty(), List.of(role)));
    }

    private static Optional<AccessToken> admin(Instant secondFactor) {
        return Optional.of(AccessToken.of(
                "admin-1",
                "app-1",
                List.of("user/*.cruds"),
                Optional.empty(),
                Optional.empty(),
                List.of("admin"),
                Optional.of(secondFactor)));
    }

    private static Optional<AccessToken> patientOwn(String patient) {
        return Optional.of(AccessToken.of(
                "patient-1",
                "app-1",
                List.of("patient/*.rs"),
                Optional.of(patient),
                Optional.of("Patient/" + patient),
                List.of("patient")));
    }

    /** A request as HAPI's server has parsed it by the time the hooks run. */
    private ServletRequestDetails request(RestOperationTypeEnum operation, String type) {
        ServletRequestDetails request = new ServletRequestDetails();
        request.setServletRequest(new MockHttpServletRequest());
        request.setServer(server);
        request.setRestOperationType(operation);
        request.setResourceName(type);
        request.setParameters(Map.of());
        return request;
    }

    private ServletRequestDetails search(String type, Map<String, String[]> parameters) {
        ServletRequestDetails request = request(RestOperationTypeEnum.SEARCH_TYPE, type);
        request.setParameters(parameters);
        return request;
    }

    private ServletRequestDetails compartmentSearch(String patient, String type, Map<String, String[]> parameters) {
        ServletRequestDetails request = search("Patient", parameters);
        request.setId(new org.hl7.fhir.r4.model.IdType("Patient", patient));
        request.setCompartmentName(type);
        return request;
    }

    private ServletRequestDetails systemSearch(Map<String, String[]> parameters) {
        ServletRequestDetails request = request(RestOperationTypeEnum.SEARCH_SYSTEM, null);
        request.setParameters(parameters);
        return request;
    }

    private ServletRequestDetails nextPage(String searchId) {
        ServletRequestDetails request = request(RestOperationTypeEnum.GET_PAGE, null);
        request.setParameters(Map.of(SearchPaging.PAGES_PARAMETER, new String[] {searchId}));
        return request;
    }

    private ServletRequestDetails eraseKeys() {
        ServletRequestDetails request = request(RestOperationTypeEnum.EXTENDED_OPERATION_INSTANCE, "Patient");
        request.setId(new IdType("Patient/p1"));
        request.setOperation("$erase-keys");
        return request;
    }

    private ServletRequestDetails batch(String... getUrls) {
        Bundle bundle = new Bundle().setType(Bundle.BundleType.BATCH);
        for (String url : getUrls) {
            bundle.addEntry().getRequest().setMethod(Bundle.HTTPVerb.GET).setUrl(url);
        }
        ServletRequestDetails request = request(RestOperationTypeEnum.BATCH, null);
        request.setResource(bundle);
        return request;
    }

    private static void header(ServletRequestDetails request, String name, String value) {
        ((MockHttpServletRequest) request.getServletRequest()).addHeader(name, value);
    }

    /** What the hook refuses the request with, or null. */
    private static BaseServerResponseException refusal(ThrowingCallable hook) {
        return catchThrowableOfType(BaseServerResponseException.class, hook);
    }
}
