package org.securefhir.interceptors.authorization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.securefhir.interceptors.authorization.TestResources.observationOf;
import static org.securefhir.interceptors.authorization.TestResources.patient;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.Test;
import org.securefhir.interceptors.ownership.PatientOwnership;
import org.springframework.mock.web.MockHttpServletRequest;

/**
 * HAPI's authorization interceptor fed with each request's effective permissions, driven through
 * its own hooks: deny by default, and a patient-context token naming an instance outside its
 * compartment answered 404 as for an unknown id, every other denial 403 (docs/access-control.md,
 * "Every request path").
 */
class PolicyAuthorizationInterceptorTest {

    private static final FhirContext FHIR = FhirContext.forR4Cached();
    private static final AccessPolicy POLICY = AccessPolicy.defaults(FHIR);
    private static final PatientOwnership OWNERSHIP = new PatientOwnership(FHIR);

    private final RestfulServer server = new RestfulServer(FHIR);

    // --- deny by default

    @Test
    void whenNoTokenThenOnlyTheCapabilityStatementIsServed() {
        // given
        PolicyAuthorizationInterceptor authorization = authorization(Optional.empty());

        // when
        BaseServerResponseException read =
                refusal(() -> incoming(authorization, request(RestOperationTypeEnum.READ, "Patient/p1")));

        // then
        assertThatCode(() -> incoming(authorization, request(RestOperationTypeEnum.METADATA, null)))
                .doesNotThrowAnyException();
        assertThat(read).isInstanceOf(ForbiddenOperationException.class);
        assertThat(read.getStatusCode()).isEqualTo(403);
    }

    @Test
    void whenTheRoleDoesNotGrantTheTypeThenTheReadIsA403WhateverTheId() {
        // given: billing reads no clinical data; a user/ token has no compartment to hide behind
        PolicyAuthorizationInterceptor authorization = authorization(userToken("billing"));
        ServletRequestDetails request = request(RestOperationTypeEnum.READ, "Observation/o-1");

        // when
        BaseServerResponseException refused = refusal(() -> incoming(authorization, request));

        // then
        assertThat(refused).isInstanceOf(ForbiddenOperationException.class);
        assertThat(refused.getMessage()).contains("Access policy and scopes do not allow this request");
    }

    @Test
    void whenTheRequestsTokenChangesThenTheRulesAreThoseOfEachRequestsToken() {
        // given: one interceptor, two requests with different tokens
        AtomicReference<Optional<AccessToken>> current =
                new AtomicReference<>(physicianInContext("p1", "patient/*.rs"));
        PolicyAuthorizationInterceptor authorization = new PolicyAuthorizationInterceptor(
                new RequestPermissions(POLICY, current::get, OWNERSHIP), OWNERSHIP, new TestCategoryMatcher());
        ServletRequestDetails first = request(RestOperationTypeEnum.READ, "Observation/o-2");
        ServletRequestDetails second = request(RestOperationTypeEnum.READ, "Observation/o-2");

        // when
        BaseServerResponseException refused = refusal(() -> shown(authorization, first, observationOf("p2", "o-2")));
        current.set(userToken("physician"));

        // then
        assertThat(refused).isNotNull();
        assertThatCode(() -> shown(authorization, second, observationOf("p2", "o-2")))
                .doesNotThrowAnyException();
    }

    // --- patient context: reads of another patient's instance are a 404

    @Test
    void whenPatientContextReadsItsPatientsObservationThenItIsShown() {
        // given
        PolicyAuthorizationInterceptor authorization = authorization(physicianInContext("p1", "patient/*.rs"));
        ServletRequestDetails request = request(RestOperationTypeEnum.READ, "Observation/o-1");

        // when / then
        assertThatCode(() -> {
                    incoming(authorization, request);
                    shown(authorization, request, observationOf("p1", "o-1"));
                })
                .doesNotThrowAnyException();
    }

    @Test
    void whenPatientContextReadsAnotherPatientsObservationThenA404AsForAnUnknownId() {
        // given
        PolicyAuthorizationInterceptor authorization = authorization(physicianInContext("p1", "patient/*.rs"));
        ServletRequestDetails request = request(RestOperationTypeEnum.READ, "Observation/o-2");

        // when
        BaseServerResponseException refused = refusal(() -> shown(authorization, request, observationOf("p2", "o-2")));

        // then
        assertThat(refused).isInstanceOf(ResourceNotFoundException.class);
        assertThat(refused.getStatusCode()).isEqualTo(404);
        assertThat(refused.getMessage()).contains("Observation/o-2").doesNotContain("Access denied");
    }

    @Test
    void whenPatientContextReadsAnotherPatientThenA404() {
        // given
        PolicyAuthorizationInterceptor authorization = authorization(physicianInContext("p1", "patient/*.rs"));
        ServletRequestDetails request = request(RestOperationTypeEnum.READ, "Patient/p2");

        // when
        BaseServerResponseException refused = refusal(() -> {
            incoming(authorization, request);
            shown(authorization, request, patient("p2"));
        });

        // then
        assertThat(refused).isInstanceOf(ResourceNotFoundException.class);
    }

    @Test
    void whenPatientContextReadsAVersionOrTheHistoryOfAnotherPatientsInstanceThenA404NamingNoVersion() {
        // given
        PolicyAuthorizationInterceptor authorization = authorization(physicianInContext("p1", "patient/*.rs"));
        ServletRequestDetails vread = request(RestOperationTypeEnum.VREAD, "Observation/o-2/_history/3");
        ServletRequestDetails history = request(RestOperationTypeEnum.HISTORY_INSTANCE, "Observation/o-2");

        // when
        BaseServerResponseException version = refusal(() -> shown(authorization, vread, observationOf("p2", "o-2")));
        BaseServerResponseException versions =
                refusal(() -> shown(authorization, history, searchset(observationOf("p2", "o-2"))));

        // then
        assertThat(version).isInstanceOf(ResourceNotFoundException.class);
        assertThat(version.getMessage()).contains("Observation/o-2").doesNotContain("_history");
        assertThat(versions).isInstanceOf(ResourceNotFoundException.class);
    }

    @Test
    void whenPatientContextRunsEverythingOfAnotherPatientThenA404() {
        // given
        PolicyAuthorizationInterceptor authorization = authorization(physicianInContext("p1", "patient/*.rs"));
        ServletRequestDetails request = request(RestOperationTypeEnum.EXTENDED_OPERATION_INSTANCE, "Patient/p2");
        request.setOperation("$everything");

        // when
        BaseServerResponseException refused = refusal(() -> {
            incoming(authorization, request);
            shown(authorization, request, searchset(patient("p2"), observationOf("p2", "o-2")));
        });

        // then
        assertThat(refused).isInstanceOf(ResourceNotFoundException.class);
        assertThat(refused.getMessage()).contains("Patient/p2");
    }

    @Test
    void whenPatientContextSearchWouldShowAnotherPatientsResourceThenA403() {
        // given: a search names no instance, so there is no existence to hide
        PolicyAuthorizationInterceptor authorization = authorization(physicianInContext("p1", "patient/*.rs"));
        ServletRequestDetails request = request(RestOperationTypeEnum.SEARCH_TYPE, null);
        request.setResourceName("Observation");

        // when
        BaseServerResponseException refused = refusal(
                () -> shown(authorization, request, searchset(observationOf("p1", "o-1"), observationOf("p2", "o-2"))));

        // then
        assertThat(refused).isInstanceOf(ForbiddenOperationException.class);
    }

    @Test
    void whenGranularPatientScopeReadsItsPatientsResourceOutsideTheFilterThenA404() {
        // given: lab results of p1 only
        PolicyAuthorizationInterceptor authorization =
                authorization(physicianInContext("p1", "patient/Observation.rs?" + TestCategoryMatcher.LABORATORY));
        ServletRequestDetails lab = request(RestOperationTypeEnum.READ, "Observation/o-1");
        ServletRequestDetails vitals = request(RestOperationTypeEnum.READ, "Observation/o-3");

        // when
        BaseServerResponseException refused = refusal(() -> shown(
                authorization, vitals, TestCategoryMatcher.categorised(observationOf("p1", "o-3"), "vital-signs")));

        // then
        assertThatCode(() -> shown(
                        authorization, lab, TestCategoryMatcher.categorised(observationOf("p1", "o-1"), "laboratory")))
                .doesNotThrowAnyException();
        assertThat(refused).isInstanceOf(ResourceNotFoundException.class);
    }

    // --- patient context: writes by id of another patient's instance

    @Test
    void whenPatientContextDeletesAnotherPatientsInstanceThenA404() {
        // given
        PolicyAuthorizationInterceptor authorization = authorization(physicianInContext("p1", "patient/*.cruds"));
        ServletRequestDetails request = request(RestOperationTypeEnum.DELETE, "Observation/o-2");

        // when
        BaseServerResponseException refused = refusal(() -> authorization.hookResourcePreDelete(
                request, observationOf("p2", "o-2"), Pointcut.STORAGE_PRESTORAGE_RESOURCE_DELETED));

        // then
        assertThat(refused).isInstanceOf(ResourceNotFoundException.class);
    }

    @Test
    void whenPatientContextMayNotDeleteTheTypeAndDeletesAnotherPatientsInstanceThenA403() {
        // given: no d in the scope, so the refusal is about the interaction, whatever the id
        PolicyAuthorizationInterceptor authorization = authorization(physicianInContext("p1", "patient/*.crus"));
        ServletRequestDetails request = request(RestOperationTypeEnum.DELETE, "Observation/o-2");

        // when
        BaseServerResponseException refused = refusal(() -> authorization.hookResourcePreDelete(
                request, observationOf("p2", "o-2"), Pointcut.STORAGE_PRESTORAGE_RESOURCE_DELETED));

        // then
        assertThat(refused).isInstanceOf(ForbiddenOperationException.class);
    }

    @Test
    void whenPatientContextPatchesAnotherPatientsInstanceThenA404() {
        // given
        PolicyAuthorizationInterceptor authorization = authorization(physicianInContext("p1", "patient/*.cruds"));
        ServletRequestDetails request = request(RestOperationTypeEnum.PATCH, "Observation/o-2");

        // when
        BaseServerResponseException refused = refusal(() -> authorization.hookResourcePreUpdate(
                request,
                observationOf("p2", "o-2"),
                observationOf("p2", "o-2"),
                Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED));

        // then
        assertThat(refused).isInstanceOf(ResourceNotFoundException.class);
    }

    @Test
    void whenPatientContextUpdatesAnotherPatientsInstanceWithItsOwnPatientsDataThenA404() {
        // given: what it sends is its patient's, so the refusal is about the stored instance
        PolicyAuthorizationInterceptor authorization = authorization(physicianInContext("p1", "patient/*.cruds"));
        ServletRequestDetails request = request(RestOperationTypeEnum.UPDATE, "Observation/o-2");
        Observation sent = observationOf("p1", "o-2");
        request.setResource(sent);

        // when
        BaseServerResponseException refused = refusal(() -> authorization.hookResourcePreUpdate(
                request, observationOf("p2", "o-2"), sent, Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED));

        // then
        assertThat(refused).isInstanceOf(ResourceNotFoundException.class);
    }

    @Test
    void whenPatientContextUpdateMovesItsPatientsInstanceToAnotherPatientThenA403() {
        // given: the stored instance is its patient's (no existence to hide); what it sends is not
        PolicyAuthorizationInterceptor authorization = authorization(physicianInContext("p1", "patient/*.cruds"));
        ServletRequestDetails request = request(RestOperationTypeEnum.UPDATE, "Observation/o-1");
        Observation sent = observationOf("p2", "o-1");
        request.setResource(sent);

        // when
        BaseServerResponseException refused = refusal(() -> authorization.hookResourcePreUpdate(
                request, observationOf("p1", "o-1"), sent, Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED));

        // then
        assertThat(refused).isInstanceOf(ForbiddenOperationException.class);
    }

    @Test
    void whenPatientContextDeletesAnotherPatientsResourceByAMatchUrlThenA403AsItNamedNoInstance() {
        // given: a conditional delete (the interaction check refuses these earlier; here HAPI's rules)
        PolicyAuthorizationInterceptor authorization = authorization(physicianInContext("p1", "patient/*.cruds"));
        ServletRequestDetails request = request(RestOperationTypeEnum.DELETE, null);
        request.setResourceName("Observation");

        // when
        BaseServerResponseException refused = refusal(() -> authorization.hookResourcePreDelete(
                request, observationOf("p2", "o-2"), Pointcut.STORAGE_PRESTORAGE_RESOURCE_DELETED));

        // then
        assertThat(refused).isInstanceOf(ForbiddenOperationException.class);
    }

    @Test
    void whenPatientContextCreatesForAnotherPatientThenA403() {
        // given
        PolicyAuthorizationInterceptor authorization = authorization(physicianInContext("p1", "patient/*.cruds"));
        ServletRequestDetails request = request(RestOperationTypeEnum.CREATE, null);
        request.setResourceName("Observation");
        Observation sent = observationOf("p2", null);
        request.setResource(sent);

        // when
        BaseServerResponseException refused = refusal(
                () -> authorization.hookResourcePreCreate(request, sent, Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED));

        // then
        assertThat(refused).isInstanceOf(ForbiddenOperationException.class);
    }

    // --- batch / transaction

    @Test
    void whenATransactionHoldsAWriteIntoAnotherPatientsCompartmentThenTheTransactionIsRefused() {
        // given
        PolicyAuthorizationInterceptor authorization = authorization(physicianInContext("p1", "patient/*.cruds"));
        ServletRequestDetails own = request(RestOperationTypeEnum.TRANSACTION, null);
        own.setResource(transactionCreating(observationOf("p1", null)));
        ServletRequestDetails others = request(RestOperationTypeEnum.TRANSACTION, null);
        others.setResource(transactionCreating(observationOf("p2", null)));

        // when
        BaseServerResponseException refused = refusal(() -> incoming(authorization, others));

        // then
        assertThatCode(() -> incoming(authorization, own)).doesNotThrowAnyException();
        assertThat(refused).isInstanceOf(ForbiddenOperationException.class);
    }

    @Test
    void whenNoTokenThenABatchIsRefused() {
        // given
        PolicyAuthorizationInterceptor authorization = authorization(Optional.empty());
        ServletRequestDetails request = request(RestOperationTypeEnum.TRANSACTION, null);
        request.setResource(transactionCreating(observationOf("p1", null)));

        // when
        BaseServerResponseException refused = refusal(() -> incoming(authorization, request));

        // then
        assertThat(refused).isInstanceOf(ForbiddenOperationException.class);
    }

    // --- fixtures

    private PolicyAuthorizationInterceptor authorization(Optional<AccessToken> token) {
        return new PolicyAuthorizationInterceptor(
                new RequestPermissions(POLICY, () -> token, OWNERSHIP), OWNERSHIP, new TestCategoryMatcher());
    }

    private static Optional<AccessToken> physicianInContext(String patient, String scope) {
        return Optional.of(AccessToken.of(
                "user-1", "app-1", List.of(scope), Optional.of(patient), Optional.empty(), List.of("physician")));
    }

    private static Optional<AccessToken> userToken(String role) {
        return Optional.of(AccessToken.of(
                "user-1", "app-1", List.of("user/*.cruds"), Optional.empty(), Optional.empty(), List.of(role)));
    }

    /** A request as HAPI's server has parsed it by the time the hooks run. */
    private ServletRequestDetails request(RestOperationTypeEnum operation, String id) {
        ServletRequestDetails request = new ServletRequestDetails();
        request.setServletRequest(new MockHttpServletRequest());
        request.setServer(server);
        request.setRestOperationType(operation);
        request.setParameters(Map.of());
        if (id != null) {
            IdType parsed = new IdType(id);
            request.setId(parsed);
            request.setResourceName(parsed.getResourceType());
        }
        return request;
    }

    private static void incoming(PolicyAuthorizationInterceptor authorization, ServletRequestDetails request) {
        authorization.incomingRequestPreHandled(request, Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED);
    }

    private static void shown(
            PolicyAuthorizationInterceptor authorization, ServletRequestDetails request, IBaseResource response) {
        authorization.hookOutgoingResponse(request, response, Pointcut.SERVER_OUTGOING_RESPONSE);
    }

    /** What the hooks refuse the request with, or null. */
    private static BaseServerResponseException refusal(ThrowingCallable hooks) {
        return catchThrowableOfType(BaseServerResponseException.class, hooks);
    }

    private static Bundle searchset(IBaseResource... resources) {
        Bundle bundle = new Bundle().setType(Bundle.BundleType.SEARCHSET);
        for (IBaseResource resource : resources) {
            bundle.addEntry().setResource((Resource) resource);
        }
        return bundle;
    }

    private static Bundle transactionCreating(Observation observation) {
        Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        bundle.addEntry()
                .setResource(observation)
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Observation");
        return bundle;
    }
}
