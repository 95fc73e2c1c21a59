package org.securefhir.auth.smart;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The SMART configuration document served at {@code [fhir base]/.well-known/smart-configuration}
 * (SMART App Launch 2.2 §2.0.3 "Conformance"): where the endpoints are and which SMART capabilities
 * this server has. Only what is actually implemented is advertised.
 */
public final class SmartConfiguration {

    public static final List<String> CAPABILITIES = List.of(
            "launch-ehr",
            "launch-standalone",
            "authorize-post",
            "client-public",
            "client-confidential-symmetric",
            "client-confidential-asymmetric",
            "sso-openid-connect",
            "context-banner",
            "context-style",
            "context-ehr-patient",
            "context-ehr-encounter",
            "context-standalone-patient",
            "permission-offline",
            "permission-online",
            "permission-patient",
            "permission-user",
            "permission-v1",
            "permission-v2");

    public static final List<String> SCOPES = List.of(
            "openid",
            "fhirUser",
            "profile",
            "launch",
            "launch/patient",
            "launch/encounter",
            "offline_access",
            "online_access",
            "patient/*.rs",
            "patient/*.read",
            "user/*.rs",
            "user/*.read",
            "system/*.rs",
            "system/*.read");

    private SmartConfiguration() {}

    public static Map<String, Object> document(String issuer) {
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("issuer", issuer);
        document.put("jwks_uri", issuer + "/oauth2/jwks");
        document.put("authorization_endpoint", issuer + "/oauth2/authorize");
        document.put("token_endpoint", issuer + "/oauth2/token");
        document.put("introspection_endpoint", issuer + "/oauth2/introspect");
        document.put("revocation_endpoint", issuer + "/oauth2/revoke");
        document.put("userinfo_endpoint", issuer + "/userinfo");
        document.put("grant_types_supported", List.of("authorization_code", "refresh_token", "client_credentials"));
        document.put("response_types_supported", List.of("code"));
        document.put("code_challenge_methods_supported", List.of("S256"));
        document.put(
                "token_endpoint_auth_methods_supported", List.of("none", "client_secret_basic", "private_key_jwt"));
        document.put("token_endpoint_auth_signing_alg_values_supported", List.of("RS384", "ES384"));
        document.put("scopes_supported", SCOPES);
        document.put("capabilities", CAPABILITIES);
        return document;
    }
}
