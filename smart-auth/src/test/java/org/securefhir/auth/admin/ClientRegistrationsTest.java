package org.securefhir.auth.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.securefhir.auth.client.ClientRoles;
import org.springframework.security.oauth2.server.authorization.client.InMemoryRegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;

class ClientRegistrationsTest {

    private final RegisteredClientRepository repository =
            new InMemoryRegisteredClientRepository(RegisteredClient.withId("seed")
                    .clientId("seed")
                    .authorizationGrantType(
                            org.springframework.security.oauth2.core.AuthorizationGrantType.CLIENT_CREDENTIALS)
                    .clientAuthenticationMethod(
                            org.springframework.security.oauth2.core.ClientAuthenticationMethod.CLIENT_SECRET_BASIC)
                    .clientSecret("{sha256}00")
                    .build());
    private final ClientRegistrations registrations =
            new ClientRegistrations(repository, new SecureRandom(), Clock.systemUTC());

    @Test
    void registerWhenLoopbackHttpRedirectThenAcceptedWithPkceAndConsentRequired() {
        Map<String, Object> response = registrations.register(new ClientRegistrationRequest(
                "Native app",
                List.of("http://127.0.0.1:7000/cb"),
                null,
                null,
                "openid patient/*.rs",
                null,
                null,
                null));

        RegisteredClient client = repository.findByClientId((String) response.get("client_id"));
        assertThat(client.getClientSettings().isRequireProofKey()).isTrue();
        assertThat(client.getClientSettings().isRequireAuthorizationConsent()).isTrue();
        assertThat(client.getTokenSettings().getAccessTokenTimeToLive().toMinutes())
                .isLessThanOrEqualTo(15);
        assertThat(response).doesNotContainKey("client_secret");
    }

    @Test
    void registerWhenRedirectHasFragmentOrIsNotHttpsThenInvalidRedirectUri() {
        for (String uri :
                List.of("https://app.example.org/cb#frag", "http://app.example.org/cb", "/relative", "myapp:cb")) {
            assertThatThrownBy(() -> registrations.register(new ClientRegistrationRequest(
                            "App", List.of(uri), null, null, "patient/*.rs", null, null, null)))
                    .as(uri)
                    .isInstanceOfSatisfying(
                            ClientRegistrations.RegistrationException.class,
                            e -> assertThat(e.error()).isEqualTo("invalid_redirect_uri"));
        }
    }

    @Test
    void registerWhenScopeIsNotSmartOrMixesBackendAndAppThenInvalidMetadata() {
        assertThatThrownBy(() -> registrations.register(new ClientRegistrationRequest(
                        "App", List.of("https://a.example/cb"), null, null, "patient/*.rs admin", null, null, null)))
                .hasMessageContaining("not a SMART scope");
        assertThatThrownBy(() -> registrations.register(new ClientRegistrationRequest(
                        "Both",
                        List.of("https://a.example/cb"),
                        List.of("authorization_code", "client_credentials"),
                        "client_secret_basic",
                        "patient/*.rs",
                        null,
                        null,
                        null)))
                .hasMessageContaining("separately");
    }

    @Test
    void registerWhenSymmetricBackendThenSecretOfAtLeast256BitsReturnedAndOnlyItsDigestStored() {
        Map<String, Object> response = registrations.register(new ClientRegistrationRequest(
                "Export",
                null,
                List.of("client_credentials"),
                "client_secret_basic",
                "system/*.rs",
                null,
                null,
                List.of("integration")));

        String secret = (String) response.get("client_secret");
        assertThat(secret).hasSizeGreaterThanOrEqualTo(43);
        RegisteredClient stored = repository.findByClientId((String) response.get("client_id"));
        assertThat(stored.getClientSecret()).startsWith("{sha256}").doesNotContain(secret);
        assertThat(ClientRoles.of(stored)).containsExactly("integration");
        assertThat(response).containsEntry("roles", List.of("integration"));
    }

    @Test
    void registerWhenBackendWithoutRolesOrAppWithRolesThenInvalidMetadata() {
        assertThatThrownBy(() -> registrations.register(new ClientRegistrationRequest(
                        "Export",
                        null,
                        List.of("client_credentials"),
                        "client_secret_basic",
                        "system/*.rs",
                        null,
                        null,
                        null)))
                .hasMessageContaining("needs roles");
        assertThatThrownBy(() -> registrations.register(new ClientRegistrationRequest(
                        "App",
                        List.of("https://a.example/cb"),
                        null,
                        null,
                        "patient/*.rs",
                        null,
                        null,
                        List.of("physician"))))
                .hasMessageContaining("user's roles");
        assertThatThrownBy(() -> registrations.register(new ClientRegistrationRequest(
                        "Export",
                        null,
                        List.of("client_credentials"),
                        "client_secret_basic",
                        "system/*.rs",
                        null,
                        null,
                        List.of("Physician; drop"))))
                .hasMessageContaining("invalid role code");
    }
}
