package org.securefhir.interceptors.authorization;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Effective permissions = role policy ∩ SMART scopes ∩ patient context, over the shipped policy
 * (SMART App Launch 2.2 §3, docs/access-control.md).
 */
class PermissionsTest {

    private static final AccessPolicy POLICY = AccessPolicy.defaults(FhirContext.forR4Cached());

    @Test
    void whenUserScopeWiderThanRoleThenOnlyWhatTheRoleGrants() {
        Permissions billing = permissions(List.of("user/*.cruds"), Optional.empty(), Optional.empty(), "billing");

        assertThat(billing.allows("Claim", Interaction.CREATE)).isTrue();
        assertThat(billing.allows("Patient", Interaction.READ)).isTrue();
        assertThat(billing.allows("Patient", Interaction.UPDATE)).isFalse();
        assertThat(billing.allows("Observation", Interaction.READ)).isFalse();
        assertThat(billing.allows("Claim", Interaction.DELETE)).isFalse();
        assertThat(billing.hiddenElements("Patient")).containsExactly("text");
    }

    @Test
    void whenRoleWiderThanScopeThenOnlyWhatTheScopeCovers() {
        Permissions physician =
                permissions(List.of("user/Observation.rs"), Optional.empty(), Optional.empty(), "physician");

        assertThat(physician.allows("Observation", Interaction.READ)).isTrue();
        assertThat(physician.allows("Observation", Interaction.SEARCH)).isTrue();
        assertThat(physician.allows("Observation", Interaction.HISTORY)).isTrue();
        assertThat(physician.allows("Observation", Interaction.CREATE)).isFalse();
        assertThat(physician.allows("Condition", Interaction.READ)).isFalse();
    }

    @Test
    void whenV1ReadScopeThenReadAndSearchButNoWrites() {
        Permissions nurse = permissions(List.of("user/*.read"), Optional.empty(), Optional.empty(), "nurse");

        assertThat(nurse.allows("Condition", Interaction.SEARCH)).isTrue();
        assertThat(nurse.allows("Observation", Interaction.CREATE)).isFalse();
    }

    @Test
    void whenPatientScopeThenEveryGrantPinnedToThePatientInContext() {
        Permissions physician = permissions(List.of("patient/*.rs"), Optional.of("123"), Optional.empty(), "physician");

        assertThat(physician.grants())
                .isNotEmpty()
                .allSatisfy(grant -> assertThat(grant.compartment()).contains("123"));
        assertThat(physician.onlyCompartment()).contains("123");
    }

    @Test
    void whenPatientScopeWithoutPatientInContextThenNothing() {
        assertThat(permissions(List.of("patient/*.rs"), Optional.empty(), Optional.empty(), "physician")
                        .isEmpty())
                .isTrue();
    }

    @Test
    void whenPatientRoleThenOwnCompartmentEvenWithUserScopes() {
        Permissions patient = permissions(
                List.of("user/*.rs"), Optional.empty(), Optional.of("https://fhir.example/fhir/Patient/p1"), "patient");

        assertThat(patient.grants())
                .filteredOn(grant -> grant.resourceType().equals("Observation"))
                .isNotEmpty()
                .allSatisfy(grant -> assertThat(grant.compartment()).contains("p1"));
        assertThat(patient.allows("Observation", Interaction.CREATE)).isFalse();
    }

    @Test
    void whenPatientRoleButTokenPatientIsSomeoneElseThenNothingOfTheCompartment() {
        Permissions patient =
                permissions(List.of("patient/*.rs"), Optional.of("p2"), Optional.of("Patient/p1"), "patient");

        assertThat(patient.allows("Observation", Interaction.READ)).isFalse();
    }

    @Test
    void whenPatientRoleButUserIsNoPatientThenNoClinicalData() {
        Permissions patient =
                permissions(List.of("user/*.rs"), Optional.empty(), Optional.of("Practitioner/x"), "patient");

        assertThat(patient.allows("Observation", Interaction.READ)).isFalse();
    }

    @Test
    void whenNoRoleOrUnknownRoleThenNothing() {
        assertThat(permissions(List.of("system/*.cruds"), Optional.empty(), Optional.empty())
                        .isEmpty())
                .isTrue();
        assertThat(permissions(List.of("system/*.cruds"), Optional.empty(), Optional.empty(), "superuser")
                        .isEmpty())
                .isTrue();
    }

    @Test
    void whenGranularScopeThenSearchNarrowedToItsFilter() {
        Permissions physician = permissions(
                List.of(
                        "patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory"),
                Optional.of("123"),
                Optional.empty(),
                "physician");

        assertThat(physician.allows("Observation", Interaction.SEARCH)).isTrue();
        assertThat(physician.searchFilters("Observation"))
                .containsExactly("category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory");
    }

    @Test
    void whenGranularAndPlainScopeForSameTypeThenNoFilter() {
        Permissions physician = permissions(
                List.of("user/Observation.rs?category=x|y", "user/Observation.rs"),
                Optional.empty(),
                Optional.empty(),
                "physician");

        assertThat(physician.searchFilters("Observation")).isEmpty();
    }

    @Test
    void whenAuditorThenAuditEventsOnlyAndNoOperations() {
        Permissions auditor = permissions(List.of("user/*.rs"), Optional.empty(), Optional.empty(), "auditor");

        assertThat(auditor.allows("AuditEvent", Interaction.SEARCH)).isTrue();
        assertThat(auditor.allows("Patient", Interaction.READ)).isFalse();
        assertThat(auditor.allowsOperation("$everything")).isFalse();
    }

    @Test
    void whenTwoRolesThenUnionOfGrantsAndOnlyCommonlyHiddenElementsHidden() {
        Permissions both =
                permissions(List.of("user/*.rs"), Optional.empty(), Optional.empty(), "billing", "physician");

        assertThat(both.allows("Observation", Interaction.READ)).isTrue();
        assertThat(both.hiddenElements("Patient")).isEmpty();
    }

    private static Permissions permissions(
            List<String> scopes, Optional<String> patient, Optional<String> fhirUser, String... roles) {
        return Permissions.of(POLICY, AccessToken.of("user-1", "app-1", scopes, patient, fhirUser, List.of(roles)));
    }

    @Test
    void whenPatientWithOwnContextThenEverythingAllowedAndOwnConsentsWritable() {
        Permissions patient =
                permissions(List.of("patient/*.cruds"), Optional.of("p1"), Optional.of("Patient/p1"), "patient");

        assertThat(patient.allowsOperation("everything")).isTrue();
        assertThat(patient.allows("Consent", Interaction.CREATE)).isTrue();
        assertThat(patient.allows("Observation", Interaction.CREATE)).isFalse();
        assertThat(patient.grants())
                .filteredOn(grant -> grant.resourceType().equals("Consent"))
                .allMatch(grant -> grant.compartment().equals(Optional.of("p1")));
    }

    @Test
    void whenExportNeedsAReadAndSearchScopeOnAnyTypeThenItsStatusAndFilesFollowTheSameRule() {
        Permissions narrow =
                permissions(List.of("system/Observation.rs"), Optional.empty(), Optional.empty(), "integration");
        Permissions readOnly =
                permissions(List.of("system/Observation.r"), Optional.empty(), Optional.empty(), "integration");
        Permissions granular = permissions(
                List.of("system/Observation.rs?category=laboratory"),
                Optional.empty(),
                Optional.empty(),
                "integration");
        Permissions billing = permissions(List.of("system/*.rs"), Optional.empty(), Optional.empty(), "billing");

        for (String operation : List.of("$export", "export", "$export-poll-status", "$export-download")) {
            assertThat(narrow.allowsOperation(operation)).as(operation).isTrue();
            assertThat(narrow.allowsOperation(operation, Optional.of("Group")))
                    .as(operation)
                    .isTrue();
            assertThat(readOnly.allowsOperation(operation)).as(operation).isFalse();
            assertThat(granular.allowsOperation(operation)).as(operation).isFalse();
            assertThat(billing.allowsOperation(operation)).as(operation).isFalse();
        }
        assertThat(narrow.allowsOperation("$export-anything-else")).isFalse();
    }

    @Test
    void whenRoleNamesAnOperationButNoScopeCoversItsNeedsThenRefused() {
        Permissions narrowAdmin =
                permissions(List.of("user/Organization.rs"), Optional.empty(), Optional.empty(), "admin");
        Permissions admin = permissions(List.of("user/*.cruds"), Optional.empty(), Optional.empty(), "admin");
        Permissions frontDesk =
                permissions(List.of("user/Patient.rs"), Optional.empty(), Optional.empty(), "front-desk");

        assertThat(narrowAdmin.allowsOperation("erase-keys", Optional.of("Patient")))
                .isFalse();
        assertThat(narrowAdmin.allowsOperation("rotate-data-keys")).isFalse();
        assertThat(admin.allowsOperation("erase-keys", Optional.of("Patient"))).isTrue();
        assertThat(frontDesk.allowsOperation("validate", Optional.of("Patient")))
                .isFalse();
        assertThat(permissions(List.of("user/Patient.cru"), Optional.empty(), Optional.empty(), "front-desk")
                        .allowsOperation("validate", Optional.of("Patient")))
                .isTrue();
    }

    @Test
    void whenIrreversibleOperationThenASecondFactorOfTheLastFiveMinutesIsNeeded() {
        java.time.Instant now = java.time.Instant.parse("2026-12-02T10:00:00Z");
        java.time.Duration maxAge = java.time.Duration.ofMinutes(5);

        assertThat(InteractionCheck.stepUpDenial(admin(Optional.of(now.minusSeconds(299))), "$erase-keys", now, maxAge))
                .isEmpty();
        assertThat(InteractionCheck.stepUpDenial(admin(Optional.of(now.minusSeconds(301))), "$erase-keys", now, maxAge))
                .hasValueSatisfying(reason -> assertThat(reason).contains("second factor"));
        assertThat(InteractionCheck.stepUpDenial(admin(Optional.empty()), "rotate-data-keys", now, maxAge))
                .isPresent();
        assertThat(InteractionCheck.stepUpDenial(admin(Optional.empty()), "encryption-status", now, maxAge))
                .isEmpty();
    }

    private static Permissions admin(Optional<java.time.Instant> authTime) {
        return Permissions.of(
                POLICY,
                AccessToken.of(
                        "user-1",
                        "app-1",
                        List.of("user/*.cruds"),
                        Optional.empty(),
                        Optional.empty(),
                        List.of("admin"),
                        authTime));
    }

    @Test
    void whenOnlyAPatientPinnedScopeCoversAnIrreversibleOperationThenRefused() {
        // an admin app launched in one patient's context must not shred any patient's keys
        Permissions pinned = permissions(List.of("patient/*.cruds"), Optional.of("p1"), Optional.empty(), "admin");

        assertThat(pinned.allowsOperation("erase-keys", Optional.of("Patient"))).isFalse();
        assertThat(pinned.allowsOperation("encryption-status")).isTrue();
    }
}
