package org.securefhir.interceptors.authorization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.context.FhirContext;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class AccessPolicyFileTest {

    private static final FhirContext FHIR = FhirContext.forR4Cached();

    @Test
    void whenShippedPolicyThenEveryDocumentedRoleIsThere() {
        AccessPolicy policy = AccessPolicy.defaults(FHIR);

        assertThat(policy.version()).isNotBlank();
        assertThat(policy.roles())
                .containsOnlyKeys(
                        "physician", "nurse", "front-desk", "billing", "auditor", "admin", "patient", "integration");
    }

    @Test
    void whenGroupUsedThenExpandedToItsTypes() throws Exception {
        AccessPolicy policy = read("""
                version: "1"
                groups:
                  money: [Claim, Coverage]
                roles:
                  clerk:
                    purposes: {default: HPAYMT, allowed: [HPAYMT]}
                    grants:
                      - types: [money]
                        interactions: [read]
                """);

        assertThat(policy.role("clerk").orElseThrow().grants().get(0).resourceTypes())
                .containsExactlyInAnyOrder("Claim", "Coverage");
    }

    @Test
    void whenUnknownTypeInteractionKeyOrElementThenRefused() {
        assertThatThrownBy(() -> read(policy("types: [Patientt]", "interactions: [read]")))
                .hasMessageContaining("Patientt");
        assertThatThrownBy(() -> read(policy("types: [Patient]", "interactions: [reed]")))
                .hasMessageContaining("reed");
        assertThatThrownBy(() -> read(policy("types: [Patient]", "interactions: [read]\n        compartment: own")))
                .hasMessageContaining("compartment");
        assertThatThrownBy(() -> read("""
                        version: "1"
                        roles:
                          clerk:
                            grants: []
                            hidden:
                              Patient: [id]
                        """)).hasMessageContaining("hideable");
    }

    @Test
    void whenPurposesMissingUnknownOrOperationUndeclaredThenRefused() {
        assertThatThrownBy(() -> read(policy("types: [Patient]", "interactions: [read]")
                        .replace("    purposes: {default: TREAT, allowed: [TREAT]}\n", "")))
                .hasMessageContaining("purposes");
        assertThatThrownBy(() -> read(policy("types: [Patient]", "interactions: [read]")
                        .replace("allowed: [TREAT]", "allowed: [TRET]")))
                .hasMessageContaining("TRET");
        assertThatThrownBy(() -> read(policy("types: [Patient]", "interactions: [read]")
                        .replace("allowed: [TREAT]", "allowed: [HPAYMT]")))
                .hasMessageContaining("default");
        assertThatThrownBy(() -> read(policy("types: [Patient]", "interactions: [read]")
                        .replace("    grants:", "    operations: [erase-keys]\n    grants:")))
                .hasMessageContaining("erase-keys");
    }

    @Test
    void whenNoVersionThenRefused() {
        assertThatThrownBy(() -> read("roles: {}")).hasMessageContaining("version");
    }

    private static String policy(String types, String interactions) {
        return """
                version: "1"
                roles:
                  clerk:
                    purposes: {default: TREAT, allowed: [TREAT]}
                    grants:
                      - %s
                        %s
                """.formatted(types, interactions);
    }

    private static AccessPolicy read(String yaml) throws Exception {
        return AccessPolicy.read(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), FHIR);
    }
}
