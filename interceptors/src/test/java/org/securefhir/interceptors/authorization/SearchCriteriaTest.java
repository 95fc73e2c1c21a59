package org.securefhir.interceptors.authorization;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.securefhir.interceptors.ownership.PatientOwnership;

/** Search criteria are reads (docs/access-control.md, rule 8), over the shipped policy. */
class SearchCriteriaTest {

    private static final FhirContext FHIR = FhirContext.forR4Cached();
    private static final AccessPolicy POLICY = AccessPolicy.defaults(FHIR);
    private static final Set<String> SERVED =
            Set.of("Patient", "Observation", "Condition", "Encounter", "Claim", "Practitioner", "Task", "Location");

    private final SearchCriteria criteria =
            new SearchCriteria(FHIR, new ElementMasking(FHIR), new PatientOwnership(FHIR), SERVED);

    @Test
    void denialWhenReverseChainOnATypeTheRoleCannotReadThenNamesTheParameterNotTheValue() {
        Optional<String> denial = criteria.denial(
                "Patient",
                Map.of("_has:Condition:subject:code", new String[] {"http://snomed.info/sct|123"}),
                billing());

        assertThat(denial)
                .hasValueSatisfying(reason -> assertThat(reason)
                        .contains("_has:Condition:subject:code")
                        .contains("Condition")
                        .doesNotContain("123"));
    }

    @Test
    void denialWhenNestedReverseChainOrChainReachesAnUnreadableTypeThenRefused() {
        assertThat(criteria.denial(
                        "Patient",
                        Map.of("_has:Encounter:subject:_has:Condition:encounter:code", new String[] {"x"}),
                        billing()))
                .isPresent();
        assertThat(criteria.denial("Encounter", Map.of("diagnosis:Condition.code", new String[] {"x"}), billing()))
                .isPresent();
        assertThat(criteria.denial("Patient", Map.of("_revinclude", new String[] {"Condition:subject"}), billing()))
                .isPresent();
    }

    @Test
    void denialWhenCriteriaOnReadableTypesThenNone() {
        assertThat(criteria.denial("Claim", Map.of("patient.name", new String[] {"Smith"}), billing()))
                .isEmpty();
        assertThat(criteria.denial("Patient", Map.of("_has:Condition:subject:code", new String[] {"x"}), physician()))
                .isEmpty();
        assertThat(criteria.denial(
                        "Patient", Map.of("_count", new String[] {"5"}, "name", new String[] {"x"}), billing()))
                .isEmpty();
    }

    @Test
    void denialWhenHiddenElementIsAChainStepOrIncludedThenRefused() {
        // billing may not see Encounter.reasonReference: neither chain through it nor include it
        assertThat(criteria.denial("Encounter", Map.of("reason-reference.code", new String[] {"x"}), billing()))
                .hasValueSatisfying(reason -> assertThat(reason).contains("hidden"));
        assertThat(criteria.denial(
                        "Encounter", Map.of("_include", new String[] {"Encounter:reason-reference"}), billing()))
                .isPresent();
    }

    @Test
    void denialWhenPinnedTokenUsesAnotherPatientsDataAsCriterionOfAnUnnarrowedSearchThenRefused() {
        Permissions patient = Permissions.of(
                POLICY,
                AccessToken.of(
                        "u",
                        "app",
                        List.of("patient/*.rs"),
                        Optional.of("p1"),
                        Optional.of("Patient/p1"),
                        List.of("patient")));

        assertThat(criteria.denial(
                        "Practitioner", Map.of("_has:Task:owner:patient", new String[] {"Patient/p2"}), patient))
                .isPresent();
        assertThat(criteria.denial("Patient", Map.of("_has:Task:patient:status", new String[] {"requested"}), patient))
                .isEmpty();
    }

    @Test
    void denialWhenFilterOrQueryThenRefusedForEveryone() {
        assertThat(criteria.denial("Patient", Map.of("_filter", new String[] {"name eq x"}), physician()))
                .isPresent();
        assertThat(criteria.denial("Patient", Map.of("_query", new String[] {"x"}), physician()))
                .isPresent();
    }

    private static Permissions billing() {
        return Permissions.of(
                POLICY,
                AccessToken.of(
                        "u", "app", List.of("user/*.rs"), Optional.empty(), Optional.empty(), List.of("billing")));
    }

    private static Permissions physician() {
        return Permissions.of(
                POLICY,
                AccessToken.of(
                        "u", "app", List.of("user/*.rs"), Optional.empty(), Optional.empty(), List.of("physician")));
    }
}
