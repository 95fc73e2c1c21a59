package org.securefhir.server.support;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.securefhir.auth.client.ClientRoles;
import org.securefhir.auth.client.ClientSecretEncoder;
import org.securefhir.auth.demo.DemoData;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.settings.ClientSettings;
import org.springframework.security.oauth2.server.authorization.settings.TokenSettings;

/**
 * Access tokens for the tests' FHIR calls: a test backend service registered with {@code
 * system/*.cruds} and the {@code integration} role in the server's own client store, and {@code client_credentials} tokens from its
 * token endpoint over HTTPS, renewed before they expire.
 */
public final class TestTokens implements Supplier<String> {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String tokenEndpoint;
    private final HttpClient http;
    private final String basic;
    private String token;
    private Instant renewAt = Instant.MIN;

    private final String scope;

    public TestTokens(String origin, SSLContext ssl, RegisteredClientRepository clients) {
        this(origin, ssl, clients, "system/*.cruds", List.of(DemoData.INTEGRATION_ROLE));
    }

    /** A backend service registered with this scope and these access-policy roles. */
    public TestTokens(
            String origin, SSLContext ssl, RegisteredClientRepository clients, String scope, List<String> roles) {
        this.scope = scope;
        this.tokenEndpoint = origin + "/auth/oauth2/token";
        this.http = HttpClient.newBuilder().sslContext(ssl).build();
        String clientId = "it-system-" + UUID.randomUUID();
        String secret = "it-secret-" + UUID.randomUUID() + UUID.randomUUID();
        clients.save(RegisteredClient.withId(UUID.randomUUID().toString())
                .clientId(clientId)
                .clientName("Integration tests")
                .clientSecret(new ClientSecretEncoder().encode(secret))
                .clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_BASIC)
                .authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS)
                .scopes(registered -> registered.addAll(List.of(scope.split(" "))))
                .clientSettings(ClientRoles.set(ClientSettings.builder(), roles).build())
                .tokenSettings(TokenSettings.builder()
                        .accessTokenTimeToLive(Duration.ofMinutes(5))
                        .build())
                .build());
        this.basic = "Basic "
                + Base64.getEncoder().encodeToString((clientId + ":" + secret).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public synchronized String get() {
        if (Instant.now().isAfter(renewAt)) {
            token = fetch();
            renewAt = Instant.now().plus(Duration.ofMinutes(4));
        }
        return token;
    }

    private String fetch() {
        String form = "grant_type=client_credentials&scope=" + URLEncoder.encode(scope, StandardCharsets.UTF_8);
        HttpRequest request = HttpRequest.newBuilder(URI.create(tokenEndpoint))
                .header("Authorization", basic)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form))
                .build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException(
                        "token request failed: " + response.statusCode() + " " + response.body());
            }
            return JSON.readTree(response.body()).path("access_token").asText();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
