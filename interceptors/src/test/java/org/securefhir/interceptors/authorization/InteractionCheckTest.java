package org.securefhir.interceptors.authorization;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class InteractionCheckTest {

    private static final AccessPolicy POLICY = AccessPolicy.defaults(FhirContext.forR4Cached());

    @Test
    void whenConditionalWriteThenSearchNeededToo() {
        Permissions createOnly = Permissions.of(
                POLICY,
                AccessToken.of(
                        "u", "c", List.of("user/Observation.c"), Optional.empty(), Optional.empty(), List.of("nurse")));

        assertThat(check(createOnly, RestOperationTypeEnum.CREATE, "Observation", false))
                .isEmpty();
        assertThat(check(createOnly, RestOperationTypeEnum.CREATE, "Observation", true))
                .hasValueSatisfying(reason -> assertThat(reason).contains("search of every Observation"));
    }

    @Test
    void whenConditionalWriteWithPatientContextThenDeniedBecauseTheMatchWouldRunOutsideTheCompartment() {
        Permissions inContext = Permissions.of(
                POLICY,
                AccessToken.of(
                        "u",
                        "c",
                        List.of("patient/*.cruds"),
                        Optional.of("p1"),
                        Optional.empty(),
                        List.of("physician")));

        assertThat(check(inContext, RestOperationTypeEnum.CREATE, "Observation", false))
                .isEmpty();
        assertThat(check(inContext, RestOperationTypeEnum.CREATE, "Observation", true))
                .isPresent();
        assertThat(check(inContext, RestOperationTypeEnum.DELETE, "Observation", true))
                .isPresent();
    }

    @Test
    void whenOperationNotInRoleThenDeniedAndGraphQlNeverServed() {
        Permissions billing = Permissions.of(
                POLICY,
                AccessToken.of(
                        "u", "c", List.of("user/*.cruds"), Optional.empty(), Optional.empty(), List.of("billing")));

        assertThat(InteractionCheck.denial(
                        billing,
                        RestOperationTypeEnum.EXTENDED_OPERATION_INSTANCE,
                        Optional.of("Patient"),
                        Optional.of("$everything"),
                        false))
                .hasValueSatisfying(reason -> assertThat(reason).contains("$everything"));
        assertThat(check(billing, RestOperationTypeEnum.GRAPHQL_REQUEST, null, false))
                .isPresent();
    }

    @Test
    void whenReadOnlyRoleThenNoHistoryOfOtherTypesAndNoWrites() {
        Permissions auditor = Permissions.of(
                POLICY,
                AccessToken.of(
                        "u", "c", List.of("user/*.cruds"), Optional.empty(), Optional.empty(), List.of("auditor")));

        assertThat(check(auditor, RestOperationTypeEnum.SEARCH_TYPE, "AuditEvent", false))
                .isEmpty();
        assertThat(check(auditor, RestOperationTypeEnum.HISTORY_SYSTEM, null, false))
                .isPresent();
        assertThat(check(auditor, RestOperationTypeEnum.DELETE, "AuditEvent", false))
                .isPresent();
    }

    private static Optional<String> check(
            Permissions permissions, RestOperationTypeEnum operation, String type, boolean conditional) {
        return InteractionCheck.denial(
                permissions, operation, Optional.ofNullable(type), Optional.empty(), conditional);
    }
}
