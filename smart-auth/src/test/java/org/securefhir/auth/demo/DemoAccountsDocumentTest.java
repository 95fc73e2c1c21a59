package org.securefhir.auth.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.securefhir.auth.client.ClinicianAppClient;
import org.yaml.snakeyaml.Yaml;

/** docs/demo-accounts.md must list exactly what DemoData seeds. */
class DemoAccountsDocumentTest {

    @Test
    @SuppressWarnings("unchecked")
    void documentWhenParsedThenMatchesSeededUsersAndClients() throws Exception {
        String markdown = Files.readString(Path.of("..", "docs", "demo-accounts.md"));
        String yaml = markdown.substring(
                markdown.indexOf("```yaml") + 7, markdown.indexOf("```", markdown.indexOf("```yaml") + 7));
        Map<String, Object> document = new Yaml().load(yaml);

        List<Map<String, Object>> users = (List<Map<String, Object>>) document.get("users");
        assertThat(users).hasSameSizeAs(DemoData.USERS);
        for (DemoData.DemoUser demo : DemoData.USERS) {
            Map<String, Object> listed = users.stream()
                    .filter(user -> demo.username().equals(user.get("username")))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(demo.username() + " is not documented"));
            assertThat(listed.get("password")).isEqualTo(demo.password());
            assertThat(listed.get("role")).isEqualTo(demo.role().code());
            assertThat(listed.get("totp_secret")).isEqualTo(demo.totpSecretBase32());
            assertThat(listed.get("fhir_user")).isEqualTo(demo.fhirUser().orElse(null));
        }
        List<Map<String, Object>> clients = (List<Map<String, Object>>) document.get("clients");
        assertThat(clients)
                .extracting(client -> client.get("client_id"))
                .containsExactlyInAnyOrder(
                        DemoData.PUBLIC_CLIENT_ID,
                        ClinicianAppClient.CLIENT_ID,
                        DemoData.CONFIDENTIAL_CLIENT_ID,
                        DemoData.BACKEND_CLIENT_ID,
                        DemoData.BACKEND_JWT_CLIENT_ID);
        Map<String, Object> jwtClient = clients.stream()
                .filter(client -> DemoData.BACKEND_JWT_CLIENT_ID.equals(client.get("client_id")))
                .findFirst()
                .orElseThrow();
        // the documented private key is the one whose public half the demo client is registered with
        assertThat(JWK.parse((String) jwtClient.get("private_jwk")).toPublicJWK())
                .isEqualTo(
                        JWKSet.parse(DemoData.BACKEND_JWT_PUBLIC_JWKS).getKeys().get(0));
        assertThat(clients)
                .anySatisfy(client ->
                        assertThat(client.get("client_secret")).isEqualTo(DemoData.CONFIDENTIAL_CLIENT_SECRET));
        Map<String, Object> clinicianApp = clients.stream()
                .filter(client -> ClinicianAppClient.CLIENT_ID.equals(client.get("client_id")))
                .findFirst()
                .orElseThrow();
        assertThat(clinicianApp.get("scopes")).isEqualTo(ClinicianAppClient.SCOPES);
        assertThat(clinicianApp.get("redirect_uris"))
                .isEqualTo(List.of(ClinicianAppClient.redirectUri((String) document.get("issuer"))));
    }
}
