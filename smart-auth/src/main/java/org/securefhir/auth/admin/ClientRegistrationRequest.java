package org.securefhir.auth.admin;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * Client metadata of an RFC 7591 registration request (the fields this server understands; unknown
 * ones are ignored as RFC 7591 §2 allows). {@code roles} is this server's extension: the
 * access-policy roles a backend service acts under (required for {@code client_credentials}).
 */
public record ClientRegistrationRequest(
        @JsonProperty("client_name") String clientName,
        @JsonProperty("redirect_uris") List<String> redirectUris,
        @JsonProperty("grant_types") List<String> grantTypes,
        @JsonProperty("token_endpoint_auth_method") String tokenEndpointAuthMethod,
        @JsonProperty("scope") String scope,
        @JsonProperty("jwks") Map<String, Object> jwks,
        @JsonProperty("jwks_uri") String jwksUri,
        @JsonProperty("roles") List<String> roles) {}
