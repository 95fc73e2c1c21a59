package org.securefhir.auth.smart;

import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationContext;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationException;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationToken;

/**
 * Checks SMART adds to an authorization request (SMART App Launch 2.2 §2.0.5): PKCE with S256 for
 * every client, and the {@code aud} parameter naming this FHIR server, so that a token can never be
 * obtained for, or replayed at, another resource server. Errors go back to the client's redirect
 * URI as {@code invalid_request}.
 */
public final class SmartAuthorizationRequests {

    private final String fhirBaseUrl;

    public SmartAuthorizationRequests(String fhirBaseUrl) {
        this.fhirBaseUrl = stripSlash(fhirBaseUrl);
    }

    public void validate(OAuth2AuthorizationCodeRequestAuthenticationContext context) {
        OAuth2AuthorizationCodeRequestAuthenticationToken request = context.getAuthentication();
        Object challenge = request.getAdditionalParameters().get("code_challenge");
        if (!(challenge instanceof String value) || value.isBlank()) {
            throw invalid(request, "code_challenge (PKCE, S256) is required");
        }
        Object audience = request.getAdditionalParameters().get("aud");
        if (!(audience instanceof String aud) || aud.isBlank()) {
            throw invalid(request, "aud is required: the FHIR base URL of this server");
        }
        if (!fhirBaseUrl.equals(stripSlash(aud))) {
            throw invalid(request, "aud must be " + fhirBaseUrl);
        }
    }

    private static OAuth2AuthorizationCodeRequestAuthenticationException invalid(
            OAuth2AuthorizationCodeRequestAuthenticationToken request, String description) {
        return new OAuth2AuthorizationCodeRequestAuthenticationException(
                new OAuth2Error(OAuth2ErrorCodes.INVALID_REQUEST, description, null), request);
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
