package org.securefhir.interceptors.authorization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.securefhir.interceptors.authorization.TestResources.observationOf;
import static org.securefhir.interceptors.authorization.TestResources.patient;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.interceptor.auth.AuthorizationInterceptor;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRule;
import ca.uhn.fhir.rest.server.interceptor.auth.PolicyEnum;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Claim;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Device;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Subscription;
import org.hl7.fhir.r4.model.Task;
import org.junit.jupiter.api.Test;
import org.securefhir.interceptors.ownership.PatientOwnership;

/**
 * The HAPI rules the effective permissions become, applied by HAPI's own {@link
 * AuthorizationInterceptor} to the resources a request reads and writes (docs/access-control.md,
 * rules 4–6 and "Every request path"), over the shipped policy.
 */
class HapiRulesTest {

    private static final FhirContext FHIR = FhirContext.forR4Cached();
    private static final AccessPolicy POLICY = AccessPolicy.defaults(FHIR);
    private static final PatientOwnership OWNERSHIP = new PatientOwnership(FHIR);

    private static final String LABORATORY = TestCategoryMatcher.LABORATORY;

    /** The container's server, which HAPI's rules ask for the FHIR context. */
    private final RestfulServer server = new RestfulServer(FHIR);

    // --- deny by default

    @Test
    void whenNoPermissionsThenOnlyTheCapabilityStatementIsAllowed() {
        // given
        List<IAuthRule> rules = HapiRules.from(Permissions.none(), OWNERSHIP);

        // when
        AuthorizationInterceptor.Verdict metadata = decide(rules, RestOperationTypeEnum.METADATA, null, null, null);
        AuthorizationInterceptor.Verdict read =
                decide(rules, RestOperationTypeEnum.READ, null, null, observationOf("p1", "o-1"));
        AuthorizationInterceptor.Verdict transaction =
                decide(rules, RestOperationTypeEnum.TRANSACTION, transaction(), null, null);

        // then
        assertThat(metadata.getDecision()).isEqualTo(PolicyEnum.ALLOW);
        assertThat(read.getDecision()).isEqualTo(PolicyEnum.DENY);
        assertThat(read.toString()).contains("Access policy and scopes do not allow this request");
        assertThat(transaction.getDecision()).isEqualTo(PolicyEnum.DENY);
    }

    @Test
    void whenRoleAndUserScopeGrantReadsThenAnyPatientsResourceOfTheTypeIsReadableAndOtherTypesAreNot() {
        // given: nurse, user/*.rs (the role reads clinical data, not billing)
        List<IAuthRule> rules = rules(permissions(List.of("user/*.rs"), Optional.empty(), Optional.empty(), "nurse"));

        // when / then
        assertThat(readDecision(rules, observationOf("p1", "o-1"))).isEqualTo(PolicyEnum.ALLOW);
        assertThat(readDecision(rules, observationOf("p2", "o-2"))).isEqualTo(PolicyEnum.ALLOW);
        assertThat(readDecision(rules, claimOf("p1"))).isEqualTo(PolicyEnum.DENY);
    }

    @Test
    void whenScopeDoesNotCoverAWriteTheRoleGrantsThenTheWriteIsDenied() {
        // given: the nurse role may create Observations; only one token's scopes say so
        List<IAuthRule> readOnly =
                rules(permissions(List.of("user/*.rs"), Optional.empty(), Optional.empty(), "nurse"));
        List<IAuthRule> creating = rules(
                permissions(List.of("user/*.rs", "user/Observation.c"), Optional.empty(), Optional.empty(), "nurse"));

        // when / then
        assertThat(createDecision(readOnly, observationOf("p1", null))).isEqualTo(PolicyEnum.DENY);
        assertThat(createDecision(creating, observationOf("p1", null))).isEqualTo(PolicyEnum.ALLOW);
        assertThat(createDecision(creating, conditionOf("p1"))).isEqualTo(PolicyEnum.DENY);
    }

    // --- patient-context compartment pinning

    @Test
    void whenPatientScopeThenOnlyThePatientsCompartmentIsReadable() {
        // given: physician launched in p1's context
        List<IAuthRule> rules =
                rules(permissions(List.of("patient/*.rs"), Optional.of("p1"), Optional.empty(), "physician"));

        // when / then
        assertThat(readDecision(rules, observationOf("p1", "o-1"))).isEqualTo(PolicyEnum.ALLOW);
        assertThat(readDecision(rules, patient("p1"))).isEqualTo(PolicyEnum.ALLOW);
        assertThat(readDecision(rules, observationOf("p2", "o-2"))).isEqualTo(PolicyEnum.DENY);
        assertThat(readDecision(rules, patient("p2"))).isEqualTo(PolicyEnum.DENY);
    }

    @Test
    void whenPatientScopeThenDirectoryTypesAreReadableWhateverThePatient() {
        // given: a practitioner is nobody's data (a patient's $everything returns their GP)
        List<IAuthRule> rules =
                rules(permissions(List.of("patient/*.rs"), Optional.of("p1"), Optional.empty(), "physician"));
        Practitioner practitioner = new Practitioner();
        practitioner.setId("Practitioner/pr-1");

        // when / then
        assertThat(readDecision(rules, practitioner)).isEqualTo(PolicyEnum.ALLOW);
    }

    @Test
    void whenPatientScopeOnATypeWhoseOwnerCannotBeDecidedThenNothingOfItIsReadable() {
        // given: a role granting a type PatientOwnership cannot attribute to a patient
        AccessPolicy policy = new AccessPolicy(
                "test",
                Map.of(
                        "watcher",
                        role("watcher", Set.of("Subscription"), Set.of(Interaction.READ, Interaction.SEARCH))),
                Map.of());
        Subscription subscription = new Subscription();
        subscription.setId("Subscription/s-1");
        List<IAuthRule> pinned = rules(Permissions.of(
                policy, token(List.of("patient/Subscription.rs"), Optional.of("p1"), Optional.empty(), "watcher")));
        List<IAuthRule> unpinned = rules(Permissions.of(
                policy, token(List.of("user/Subscription.rs"), Optional.empty(), Optional.empty(), "watcher")));

        // when / then
        assertThat(readDecision(unpinned, subscription)).isEqualTo(PolicyEnum.ALLOW);
        assertThat(readDecision(pinned, subscription)).isEqualTo(PolicyEnum.DENY);
    }

    @Test
    void whenPatientScopeThenTaskAndDeviceArePinnedByTheOwnerParametersR4LeavesOut() {
        // given
        List<IAuthRule> rules =
                rules(permissions(List.of("patient/*.rs"), Optional.of("p1"), Optional.empty(), "physician"));

        // when / then: Task.owner and Device.patient are not in R4's Patient compartment
        assertThat(readDecision(rules, taskOwnedBy("p1"))).isEqualTo(PolicyEnum.ALLOW);
        assertThat(readDecision(rules, taskOwnedBy("p2"))).isEqualTo(PolicyEnum.DENY);
        assertThat(readDecision(rules, deviceOf("p1"))).isEqualTo(PolicyEnum.ALLOW);
        assertThat(readDecision(rules, deviceOf("p2"))).isEqualTo(PolicyEnum.DENY);
    }

    @Test
    void whenPatientScopeThenABinaryIsNotReadableEvenOfThePatient() {
        // given: HAPI's rules cannot test a Binary's securityContext (docs/access-control.md)
        List<IAuthRule> pinned =
                rules(permissions(List.of("patient/*.rs"), Optional.of("p1"), Optional.empty(), "physician"));
        List<IAuthRule> unpinned =
                rules(permissions(List.of("user/*.rs"), Optional.empty(), Optional.empty(), "physician"));
        Binary binary = new Binary();
        binary.setId("Binary/b-1");
        binary.setSecurityContext(new Reference("Patient/p1"));

        // when / then
        assertThat(readDecision(unpinned, binary)).isEqualTo(PolicyEnum.ALLOW);
        assertThat(readDecision(pinned, binary)).isEqualTo(PolicyEnum.DENY);
    }

    @Test
    void whenPinnedWriteGrantThenCreatesUpdatesAndDeletesOnlyInsideTheCompartment() {
        // given: physician launched in p1's context, may write clinical data
        List<IAuthRule> rules =
                rules(permissions(List.of("patient/*.cruds"), Optional.of("p1"), Optional.empty(), "physician"));

        // when / then
        assertThat(createDecision(rules, observationOf("p1", null))).isEqualTo(PolicyEnum.ALLOW);
        assertThat(createDecision(rules, observationOf("p2", null))).isEqualTo(PolicyEnum.DENY);
        assertThat(updateDecision(rules, observationOf("p1", "o-1"))).isEqualTo(PolicyEnum.ALLOW);
        assertThat(updateDecision(rules, observationOf("p2", "o-1"))).isEqualTo(PolicyEnum.DENY);
        assertThat(deleteDecision(rules, observationOf("p1", "o-1"))).isEqualTo(PolicyEnum.ALLOW);
        assertThat(deleteDecision(rules, observationOf("p2", "o-2"))).isEqualTo(PolicyEnum.DENY);
    }

    // --- granular scopes

    @Test
    void whenGranularPatientScopeThenOnlyThePatientsMatchingResourcesAreReadable() {
        // given
        List<IAuthRule> rules = rules(permissions(
                List.of("patient/Observation.rs?" + LABORATORY), Optional.of("p1"), Optional.empty(), "physician"));

        // when / then
        assertThat(readDecision(rules, TestCategoryMatcher.categorised(observationOf("p1", "o-1"), "laboratory")))
                .isEqualTo(PolicyEnum.ALLOW);
        assertThat(readDecision(rules, TestCategoryMatcher.categorised(observationOf("p1", "o-2"), "vital-signs")))
                .isEqualTo(PolicyEnum.DENY);
        assertThat(readDecision(rules, TestCategoryMatcher.categorised(observationOf("p2", "o-3"), "laboratory")))
                .isEqualTo(PolicyEnum.DENY);
    }

    @Test
    void whenGranularUserScopeThenMatchingResourcesOfAnyPatientAreReadableAndNoOthers() {
        // given
        List<IAuthRule> rules = rules(permissions(
                List.of("user/Observation.rs?" + LABORATORY), Optional.empty(), Optional.empty(), "physician"));

        // when / then
        assertThat(readDecision(rules, TestCategoryMatcher.categorised(observationOf("p2", "o-3"), "laboratory")))
                .isEqualTo(PolicyEnum.ALLOW);
        assertThat(readDecision(rules, TestCategoryMatcher.categorised(observationOf("p2", "o-4"), "vital-signs")))
                .isEqualTo(PolicyEnum.DENY);
    }

    // --- patch, batch/transaction, operations

    @Test
    void whenPinnedTokenMayPatchThenAPatchByIdIsLetThroughAndWithoutPatchItIsNot() {
        // given: two roles updating Observations within a patient's context, one without patch
        AccessPolicy policy = new AccessPolicy(
                "test",
                Map.of(
                        "updater", role("updater", Set.of("Observation"), Set.of(Interaction.UPDATE)),
                        "patcher",
                                role("patcher", Set.of("Observation"), Set.of(Interaction.UPDATE, Interaction.PATCH))),
                Map.of());
        List<IAuthRule> updater = rules(Permissions.of(
                policy, token(List.of("patient/Observation.u"), Optional.of("p1"), Optional.empty(), "updater")));
        List<IAuthRule> patcher = rules(Permissions.of(
                policy, token(List.of("patient/Observation.u"), Optional.of("p1"), Optional.empty(), "patcher")));

        // when: a patch names only an id, which a compartment rule cannot judge
        PolicyEnum withoutPatch = decide(
                        updater, RestOperationTypeEnum.PATCH, null, new IdType("Observation/o-1"), null)
                .getDecision();
        PolicyEnum withPatch = decide(patcher, RestOperationTypeEnum.PATCH, null, new IdType("Observation/o-1"), null)
                .getDecision();

        // then: the patched result is then checked as an update (see the write test above)
        assertThat(withoutPatch).isEqualTo(PolicyEnum.DENY);
        assertThat(withPatch).isEqualTo(PolicyEnum.ALLOW);
    }

    @Test
    void whenAnyPermissionThenATransactionIsLetThroughForItsEntriesToBeJudgedByTheRules() {
        // given
        List<IAuthRule> rules =
                rules(permissions(List.of("patient/*.cruds"), Optional.of("p1"), Optional.empty(), "physician"));
        Bundle own = transaction();
        own.addEntry()
                .setResource(observationOf("p1", null))
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Observation");
        Bundle others = transaction();
        others.addEntry()
                .setResource(observationOf("p2", null))
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Observation");

        // when / then
        assertThat(decide(rules, RestOperationTypeEnum.TRANSACTION, own, null, null)
                        .getDecision())
                .isEqualTo(PolicyEnum.ALLOW);
        assertThat(decide(rules, RestOperationTypeEnum.TRANSACTION, others, null, null)
                        .getDecision())
                .isEqualTo(PolicyEnum.DENY);
    }

    @Test
    void whenAnOperationRespondsThenEveryReturnedResourceMustBeReadable() {
        // given: $everything of p1 by a token pinned to p1
        List<IAuthRule> rules =
                rules(permissions(List.of("patient/*.rs"), Optional.of("p1"), Optional.empty(), "physician"));
        Bundle own = new Bundle().setType(Bundle.BundleType.SEARCHSET);
        own.addEntry().setResource(patient("p1"));
        own.addEntry().setResource(observationOf("p1", "o-1"));
        Bundle leaking = new Bundle().setType(Bundle.BundleType.SEARCHSET);
        leaking.addEntry().setResource(patient("p1"));
        leaking.addEntry().setResource(observationOf("p2", "o-2"));

        // when / then
        assertThat(operationDecision(rules, "$everything", new IdType("Patient/p1"), own))
                .isEqualTo(PolicyEnum.ALLOW);
        assertThat(operationDecision(rules, "$everything", new IdType("Patient/p1"), leaking))
                .isEqualTo(PolicyEnum.DENY);
    }

    @Test
    void whenUnrestrictedAuditSearchThenTheAccessReportOfAnyPatientIsAllowed() {
        // given: the auditor's report is a Binary (CSV), which no read rule of the role covers
        List<IAuthRule> rules =
                rules(permissions(List.of("user/AuditEvent.rs"), Optional.empty(), Optional.empty(), "auditor"));

        // when / then
        assertThat(operationDecision(rules, "$access-report", new IdType("Patient/p2"), csv()))
                .isEqualTo(PolicyEnum.ALLOW);
        assertThat(readDecision(rules, csv())).isEqualTo(PolicyEnum.DENY);
    }

    @Test
    void whenPinnedAuditSearchThenOnlyTheOwnPatientsAccessReportIsAllowed() {
        // given: a patient's own token
        List<IAuthRule> rules =
                rules(permissions(List.of("user/*.rs"), Optional.empty(), Optional.of("Patient/p1"), "patient"));

        // when / then
        assertThat(operationDecision(rules, "$access-report", new IdType("Patient/p1"), csv()))
                .isEqualTo(PolicyEnum.ALLOW);
        assertThat(operationDecision(rules, "$access-report", new IdType("Patient/p2"), csv()))
                .isEqualTo(PolicyEnum.DENY);
    }

    @Test
    void whenTheRoleDoesNotNameTheAccessReportThenNoReportIsAllowedThoughItSearchesAuditEvents() {
        // given: a role searching every AuditEvent without the operation
        AccessPolicy policy = new AccessPolicy(
                "test",
                Map.of("reader", role("reader", Set.of("AuditEvent"), Set.of(Interaction.READ, Interaction.SEARCH))),
                Map.of());
        List<IAuthRule> rules = rules(Permissions.of(
                policy, token(List.of("user/AuditEvent.rs"), Optional.empty(), Optional.empty(), "reader")));

        // when / then
        assertThat(operationDecision(rules, "$access-report", new IdType("Patient/p1"), csv()))
                .isEqualTo(PolicyEnum.DENY);
    }

    // --- fixtures

    private static Permissions permissions(
            List<String> scopes, Optional<String> patient, Optional<String> fhirUser, String... roles) {
        return Permissions.of(POLICY, token(scopes, patient, fhirUser, roles));
    }

    private static AccessToken token(
            List<String> scopes, Optional<String> patient, Optional<String> fhirUser, String... roles) {
        return AccessToken.of("user-1", "app-1", scopes, patient, fhirUser, List.of(roles));
    }

    private static RolePolicy role(String code, Set<String> types, Set<Interaction> interactions) {
        return new RolePolicy(
                code,
                "",
                List.of(new RolePolicy.RoleGrant(types, interactions, false)),
                Set.of(),
                Map.of(),
                new RolePolicy.Purposes(PurposeOfUse.TREAT, Set.of(PurposeOfUse.TREAT)));
    }

    private static List<IAuthRule> rules(Permissions permissions) {
        return HapiRules.from(permissions, OWNERSHIP);
    }

    private PolicyEnum readDecision(List<IAuthRule> rules, IBaseResource shown) {
        return decide(rules, RestOperationTypeEnum.READ, null, null, shown).getDecision();
    }

    private PolicyEnum createDecision(List<IAuthRule> rules, IBaseResource created) {
        return decide(rules, RestOperationTypeEnum.CREATE, created, null, null).getDecision();
    }

    private PolicyEnum updateDecision(List<IAuthRule> rules, IBaseResource updated) {
        return decide(rules, RestOperationTypeEnum.UPDATE, updated, updated.getIdElement(), null)
                .getDecision();
    }

    private PolicyEnum deleteDecision(List<IAuthRule> rules, IBaseResource deleted) {
        return decide(rules, RestOperationTypeEnum.DELETE, deleted, deleted.getIdElement(), null)
                .getDecision();
    }

    /** HAPI's decision on an instance operation and on what it returns, as its hooks make it. */
    private PolicyEnum operationDecision(
            List<IAuthRule> rules, String operation, IIdType instance, IBaseResource response) {
        ServletRequestDetails request = request(RestOperationTypeEnum.EXTENDED_OPERATION_INSTANCE);
        request.setResourceName(instance.getResourceType());
        request.setId(instance);
        request.setOperation(operation);
        AuthorizationInterceptor hapi = hapi(rules);
        try {
            hapi.incomingRequestPreHandled(request, Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED);
            hapi.hookOutgoingResponse(request, response, Pointcut.SERVER_OUTGOING_RESPONSE);
            return PolicyEnum.ALLOW;
        } catch (ForbiddenOperationException denied) {
            return PolicyEnum.DENY;
        }
    }

    /** HAPI's decision on one resource in or out of a request, by these rules alone. */
    private AuthorizationInterceptor.Verdict decide(
            List<IAuthRule> rules,
            RestOperationTypeEnum operation,
            IBaseResource input,
            IIdType inputId,
            IBaseResource output) {
        ServletRequestDetails request = request(operation);
        IBaseResource typed = input != null ? input : output;
        if (typed != null) {
            request.setResourceName(FHIR.getResourceType(typed));
        }
        request.setId(inputId);
        request.setResource(input);
        Pointcut pointcut = output != null
                ? Pointcut.SERVER_OUTGOING_RESPONSE
                : switch (operation) {
                    case CREATE -> Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED;
                    case UPDATE -> Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED;
                    case DELETE -> Pointcut.STORAGE_PRESTORAGE_RESOURCE_DELETED;
                    default -> Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED;
                };
        return hapi(rules).applyRulesAndReturnDecision(operation, request, input, inputId, output, pointcut);
    }

    private ServletRequestDetails request(RestOperationTypeEnum operation) {
        ServletRequestDetails request = new ServletRequestDetails();
        request.setServer(server);
        request.setRestOperationType(operation);
        request.setParameters(Map.of());
        return request;
    }

    private static AuthorizationInterceptor hapi(List<IAuthRule> rules) {
        AuthorizationInterceptor hapi = new AuthorizationInterceptor(PolicyEnum.DENY) {
            @Override
            public List<IAuthRule> buildRuleList(RequestDetails request) {
                return rules;
            }
        };
        hapi.setAuthorizationSearchParamMatcher(new TestCategoryMatcher());
        return hapi;
    }

    private static Bundle transaction() {
        return new Bundle().setType(Bundle.BundleType.TRANSACTION);
    }

    private static Condition conditionOf(String patient) {
        Condition condition = new Condition();
        condition.setSubject(new Reference("Patient/" + patient));
        return condition;
    }

    private static Claim claimOf(String patient) {
        Claim claim = new Claim();
        claim.setId("Claim/c-1");
        claim.setPatient(new Reference("Patient/" + patient));
        return claim;
    }

    private static Task taskOwnedBy(String patient) {
        Task task = new Task();
        task.setId("Task/t-" + patient);
        task.setOwner(new Reference("Patient/" + patient));
        return task;
    }

    private static Device deviceOf(String patient) {
        Device device = new Device();
        device.setId("Device/d-" + patient);
        device.setPatient(new Reference("Patient/" + patient));
        return device;
    }

    private static Binary csv() {
        Binary report = new Binary();
        report.setContentType("text/csv");
        return report;
    }
}
