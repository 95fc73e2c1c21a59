package org.securefhir.interceptors.authorization;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.securefhir.interceptors.ownership.PatientOwnership;

/**
 * The shipped policy's groups against every R4 resource type and against whose data each type is:
 * every type is in a group (those no role is granted, `integration-only`, reach only a role granted
 * every type), patient data is never filed as directory or knowledge, and directory and knowledge
 * types are nobody's data.
 */
class ShippedPolicyGroupsTest {

    private static final FhirContext FHIR = FhirContext.forR4Cached();

    /** Served apart (the audit trail) or never (Subscription). */
    private static final Set<String> NOT_IN_GROUPS = Set.of("AuditEvent", "Subscription");

    @SuppressWarnings("unchecked")
    private static Map<String, List<String>> groups() throws Exception {
        try (InputStream yaml = ShippedPolicyGroupsTest.class.getResourceAsStream("/access-policy.yaml")) {
            return (Map<String, List<String>>)
                    new YAMLMapper().readValue(yaml, Map.class).get("groups");
        }
    }

    @Test
    void whenEveryR4TypeIsLookedUpThenEachIsInAGroup() throws Exception {
        Set<String> grouped = new TreeSet<>();
        groups().values().forEach(grouped::addAll);
        Set<String> missing = new TreeSet<>(FHIR.getResourceTypes());
        missing.removeAll(grouped);
        missing.removeAll(NOT_IN_GROUPS);

        assertThat(missing).as("R4 types in no group of access-policy.yaml").isEmpty();
    }

    @Test
    void whenAGroupIsNobodysDataThenItsTypesAreNobodysDataAndPatientDataIsNeverThere() throws Exception {
        PatientOwnership ownership = new PatientOwnership(FHIR);
        Map<String, List<String>> groups = groups();

        for (String group : List.of("directory", "knowledge")) {
            assertThat(groups.get(group))
                    .as(group)
                    .allSatisfy(type -> assertThat(ownership.kind(type))
                            .as(type)
                            .isEqualTo(PatientOwnership.Kind.NOT_PATIENT_DATA));
        }
        for (String group : List.of("clinical", "demographics", "encounters")) {
            assertThat(groups.get(group))
                    .as(group)
                    .allSatisfy(type -> assertThat(ownership.kind(type))
                            .as(type)
                            .isIn(PatientOwnership.Kind.PATIENT, PatientOwnership.Kind.PATIENT_DATA));
        }
    }

    @Test
    void whenNoRoleIsGrantedTheIntegrationOnlyGroupThenOnlyEveryTypeReachesIt() throws Exception {
        AccessPolicy policy = AccessPolicy.defaults(FHIR);
        List<String> integrationOnly = groups().get("integration-only");

        policy.roles()
                .forEach((name, role) -> role.grants().forEach(grant -> {
                    Set<String> types = Set.copyOf(grant.resourceTypes());
                    if (!types.contains("*")) {
                        assertThat(types).as(name).doesNotContainAnyElementsOf(integrationOnly);
                    }
                }));
        assertThat(integrationOnly).contains("Bundle", "MessageHeader");
        assertThat(policy.role("integration").orElseThrow().grants())
                .anySatisfy(
                        grant -> assertThat(Set.copyOf(grant.resourceTypes())).contains("*"));
    }
}
