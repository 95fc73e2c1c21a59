package org.securefhir.auth.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.securefhir.auth.client.ClientKeys;
import org.securefhir.auth.client.ClientRoles;
import org.securefhir.auth.client.ClientSecretEncoder;
import org.securefhir.smart.SmartScope;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.settings.ClientSettings;
import org.springframework.security.oauth2.server.authorization.settings.TokenSettings;

/**
 * Registers SMART clients from RFC 7591 metadata, with this server's rules: PKCE and consent for
 * every authorization-code client; redirect URIs absolute, https (http only on the loopback
 * interface, RFC 8252); backend services ({@code client_credentials}) confidential and limited to
 * {@code system/} scopes and registered with access-policy roles; {@code private_key_jwt} clients with public RS384/ES384 keys; secrets
 * generated here (256 bits), returned once, stored as SHA-256. Access tokens live 10 minutes (5 for
 * backend services), refresh tokens 90 days with rotation.
 */
public final class ClientRegistrations {

    static final Set<String> LAUNCH_SCOPES = Set.of(
            "openid",
            "fhirUser",
            "profile",
            "launch",
            "launch/patient",
            "launch/encounter",
            "offline_access",
            "online_access");
    static final Set<String> GRANT_TYPES = Set.of("authorization_code", "refresh_token", "client_credentials");

    private final RegisteredClientRepository clients;
    private final SecureRandom random;
    private final Clock clock;
    private final ObjectMapper json = new ObjectMapper();
    private final ClientSecretEncoder secrets = new ClientSecretEncoder();

    public ClientRegistrations(RegisteredClientRepository clients, SecureRandom random, Clock clock) {
        this.clients = clients;
        this.random = random;
        this.clock = clock;
    }

    /** A registration that was refused: RFC 7591 §3.2.2 error code and a description. */
    public static final class RegistrationException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final String error;

        RegistrationException(String error, String description) {
            super(description);
            this.error = error;
        }

        public String error() {
            return error;
        }
    }

    /** Registers the client; the response carries the generated client id (and secret, once). */
    public Map<String, Object> register(ClientRegistrationRequest request) {
        String name = request.clientName() == null ? "" : request.clientName().trim();
        if (name.isEmpty() || name.length() > 200) {
            throw metadata("client_name is required (at most 200 characters)");
        }
        List<String> grantTypes =
                request.grantTypes() == null || request.grantTypes().isEmpty()
                        ? List.of("authorization_code")
                        : List.copyOf(new LinkedHashSet<>(request.grantTypes()));
        for (String grantType : grantTypes) {
            if (!GRANT_TYPES.contains(grantType)) {
                throw metadata("unsupported grant type " + grantType);
            }
        }
        boolean backend = grantTypes.contains("client_credentials");
        boolean interactive = grantTypes.contains("authorization_code");
        if (backend && interactive) {
            throw metadata("register a backend service (client_credentials) separately from an app");
        }
        if (!interactive && grantTypes.contains("refresh_token")) {
            throw metadata("refresh_token needs authorization_code");
        }
        String method = request.tokenEndpointAuthMethod() == null
                ? (backend ? "private_key_jwt" : "none")
                : request.tokenEndpointAuthMethod();
        if (!Set.of("none", "client_secret_basic", "private_key_jwt").contains(method)) {
            throw metadata("token_endpoint_auth_method must be none, client_secret_basic or private_key_jwt");
        }
        if (backend && method.equals("none")) {
            throw metadata("a backend service must authenticate (private_key_jwt or client_secret_basic)");
        }
        List<String> scopes = scopes(request.scope(), backend);
        List<String> redirectUris = interactive ? redirectUris(request.redirectUris()) : List.of();

        String id = UUID.randomUUID().toString();
        String clientId = UUID.randomUUID().toString();
        RegisteredClient.Builder client = RegisteredClient.withId(id)
                .clientId(clientId)
                .clientIdIssuedAt(clock.instant())
                .clientName(name)
                .clientAuthenticationMethod(new ClientAuthenticationMethod(method));
        grantTypes.forEach(type -> client.authorizationGrantType(new AuthorizationGrantType(type)));
        redirectUris.forEach(client::redirectUri);
        scopes.forEach(client::scope);

        ClientSettings.Builder settings =
                ClientSettings.builder().requireProofKey(interactive).requireAuthorizationConsent(interactive);
        List<String> roles = request.roles() == null ? List.of() : request.roles();
        if (backend == roles.isEmpty()) {
            throw metadata(
                    backend
                            ? "a backend service needs roles (the access-policy roles its system/ scopes act under)"
                            : "roles are for backend services; an app acts under its user's roles");
        }
        try {
            if (backend) {
                ClientRoles.set(settings, roles);
            }
        } catch (IllegalArgumentException e) {
            throw metadata(e.getMessage());
        }
        if (method.equals("private_key_jwt")) {
            settings.tokenEndpointAuthenticationSigningAlgorithm(SignatureAlgorithm.ES384);
            try {
                if (request.jwks() != null) {
                    settings.setting(
                            ClientKeys.JWKS_SETTING,
                            ClientKeys.validatePublicJwks(json.writeValueAsString(request.jwks())));
                } else if (request.jwksUri() != null) {
                    settings.jwkSetUrl(ClientKeys.validateJwksUrl(request.jwksUri()));
                } else {
                    throw metadata("private_key_jwt needs jwks or jwks_uri");
                }
            } catch (IllegalArgumentException e) {
                throw metadata(e.getMessage());
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw metadata("jwks is not a JWK Set");
            }
        }
        client.clientSettings(settings.build());
        client.tokenSettings(TokenSettings.builder()
                .accessTokenTimeToLive(backend ? Duration.ofMinutes(5) : Duration.ofMinutes(10))
                .authorizationCodeTimeToLive(Duration.ofMinutes(1))
                .refreshTokenTimeToLive(Duration.ofDays(90))
                .reuseRefreshTokens(false)
                .build());
        String secret = null;
        if (method.equals("client_secret_basic")) {
            byte[] bytes = new byte[32];
            random.nextBytes(bytes);
            secret = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
            client.clientSecret(secrets.encode(secret));
        }
        RegisteredClient registered = client.build();
        clients.save(registered);

        Map<String, Object> response = new LinkedHashMap<>();
        response.put("client_id", clientId);
        if (secret != null) {
            response.put("client_secret", secret);
            response.put("client_secret_expires_at", 0);
        }
        response.putAll(describe(registered));
        return response;
    }

    /** Registered metadata of a client, without any secret. */
    public static Map<String, Object> describe(RegisteredClient client) {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("client_id", client.getClientId());
        if (client.getClientIdIssuedAt() != null) {
            metadata.put("client_id_issued_at", client.getClientIdIssuedAt().getEpochSecond());
        }
        metadata.put("client_name", client.getClientName());
        metadata.put("redirect_uris", List.copyOf(client.getRedirectUris()));
        metadata.put(
                "grant_types",
                client.getAuthorizationGrantTypes().stream()
                        .map(AuthorizationGrantType::getValue)
                        .sorted()
                        .toList());
        metadata.put(
                "token_endpoint_auth_method",
                client.getClientAuthenticationMethods().iterator().next().getValue());
        metadata.put("scope", String.join(" ", client.getScopes()));
        Set<String> roles = ClientRoles.of(client);
        if (!roles.isEmpty()) {
            metadata.put("roles", roles.stream().sorted().toList());
        }
        return metadata;
    }

    private static List<String> scopes(String scope, boolean backend) {
        if (scope == null || scope.isBlank()) {
            throw metadata("scope is required");
        }
        List<String> scopes = new ArrayList<>();
        for (String value : scope.trim().split("\\s+")) {
            if (value.equals("ehr_launch")) {
                if (!backend) {
                    throw metadata("ehr_launch is for EHR systems (client_credentials)");
                }
            } else if (LAUNCH_SCOPES.contains(value)) {
                if (backend) {
                    throw metadata("a backend service may only have system/ scopes, not " + value);
                }
            } else {
                SmartScope parsed = SmartScope.parse(value).orElseThrow(() -> metadata("not a SMART scope: " + value));
                boolean system = parsed.context() == SmartScope.Context.SYSTEM;
                if (backend != system) {
                    throw metadata(
                            backend
                                    ? "a backend service may only have system/ scopes, not " + value
                                    : "system/ scopes are for backend services (client_credentials), not " + value);
                }
            }
            scopes.add(value);
        }
        return scopes;
    }

    private static List<String> redirectUris(List<String> uris) {
        if (uris == null || uris.isEmpty()) {
            throw new RegistrationException("invalid_redirect_uri", "redirect_uris is required");
        }
        for (String uri : uris) {
            URI parsed;
            try {
                parsed = URI.create(uri);
            } catch (IllegalArgumentException e) {
                throw new RegistrationException("invalid_redirect_uri", "not a URI: " + uri);
            }
            String scheme = parsed.getScheme() == null ? "" : parsed.getScheme().toLowerCase(Locale.ROOT);
            boolean loopback = "127.0.0.1".equals(parsed.getHost())
                    || "localhost".equals(parsed.getHost())
                    || "[::1]".equals(parsed.getHost());
            if (!parsed.isAbsolute()
                    || parsed.getFragment() != null
                    || parsed.getHost() == null
                    || !(scheme.equals("https") || (scheme.equals("http") && loopback))) {
                throw new RegistrationException(
                        "invalid_redirect_uri",
                        "redirect URIs must be absolute https URLs (http only on the loopback interface), without"
                                + " fragment: " + uri);
            }
        }
        return List.copyOf(uris);
    }

    private static RegistrationException metadata(String description) {
        return new RegistrationException("invalid_client_metadata", description);
    }
}
