package org.securefhir.auth.smart;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationContext;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationException;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationToken;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationValidator;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2ClientCredentialsAuthenticationContext;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2ClientCredentialsAuthenticationToken;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;

/**
 * Validation of authorization requests and client-credentials token requests, replacing Spring
 * Authorization Server's defaults with SMART's rules (SMART App Launch 2.2 §2.0.5, §3):
 *
 * <ul>
 *   <li>the client is registered for the authorization code grant ({@code unauthorized_client});
 *   <li>the redirect URI is exactly a registered one (Spring Authorization Server's own check, run
 *       first, so a bad one gets an error page and never a redirect);
 *   <li>every scope is registered for the client, or a SMART resource scope covered by a registered
 *       one, so granular and v1 scopes work ({@code invalid_scope});
 *   <li>PKCE with S256 for every client, {@code plain} refused ({@code invalid_request});
 *   <li>{@code aud} names this FHIR server ({@code invalid_request});
 *   <li>OIDC {@code prompt=none} is not combined with other values.
 * </ul>
 */
public final class SmartAuthorizationRequests {

    private final String fhirBaseUrl;
    private final EhrLaunches launches;

    public SmartAuthorizationRequests(String fhirBaseUrl, EhrLaunches launches) {
        this.fhirBaseUrl = stripSlash(fhirBaseUrl);
        this.launches = launches;
    }

    public void validate(OAuth2AuthorizationCodeRequestAuthenticationContext context) {
        OAuth2AuthorizationCodeRequestAuthenticationValidator.DEFAULT_REDIRECT_URI_VALIDATOR.accept(context);
        OAuth2AuthorizationCodeRequestAuthenticationToken request = context.getAuthentication();
        RegisteredClient client = context.getRegisteredClient();
        if (!client.getAuthorizationGrantTypes().contains(AuthorizationGrantType.AUTHORIZATION_CODE)) {
            throw error(request, OAuth2ErrorCodes.UNAUTHORIZED_CLIENT, "client is not registered for this grant");
        }
        for (String scope : request.getScopes()) {
            if (!SmartScopeValidation.allowed(scope, client.getScopes())) {
                throw error(request, OAuth2ErrorCodes.INVALID_SCOPE, "scope not allowed for this client: " + scope);
            }
        }
        Object challenge = request.getAdditionalParameters().get("code_challenge");
        if (!(challenge instanceof String value) || value.isBlank()) {
            throw error(request, OAuth2ErrorCodes.INVALID_REQUEST, "code_challenge (PKCE, S256) is required");
        }
        if (!"S256".equals(request.getAdditionalParameters().get("code_challenge_method"))) {
            throw error(request, OAuth2ErrorCodes.INVALID_REQUEST, "code_challenge_method must be S256");
        }
        Object audience = request.getAdditionalParameters().get("aud");
        if (!(audience instanceof String aud) || aud.isBlank()) {
            throw error(request, OAuth2ErrorCodes.INVALID_REQUEST, "aud is required: the FHIR base URL of this server");
        }
        if (!fhirBaseUrl.equals(stripSlash(aud))) {
            throw error(request, OAuth2ErrorCodes.INVALID_REQUEST, "aud must be " + fhirBaseUrl);
        }
        validateLaunch(request, client);
        if (request.getAdditionalParameters().get("prompt") instanceof String prompt) {
            List<String> prompts = Arrays.asList(prompt.split(" "));
            if (prompts.contains("none") && prompts.size() > 1) {
                throw error(request, OAuth2ErrorCodes.INVALID_REQUEST, "prompt=none cannot be combined");
            }
        }
    }

    /**
     * EHR launch: the {@code launch} scope needs a {@code launch} parameter naming an unexpired launch
     * id (minted for this client, when the EHR named one), and the parameter needs the scope.
     */
    private void validateLaunch(OAuth2AuthorizationCodeRequestAuthenticationToken request, RegisteredClient client) {
        Object launch = request.getAdditionalParameters().get("launch");
        boolean launchScope = request.getScopes().contains("launch");
        if (!launchScope && launch == null) {
            return;
        }
        if (!launchScope) {
            throw error(request, OAuth2ErrorCodes.INVALID_REQUEST, "the launch parameter needs the launch scope");
        }
        Optional<EhrLaunch> context = launch instanceof String id ? launches.find(id) : Optional.empty();
        if (context.isEmpty()) {
            throw error(request, OAuth2ErrorCodes.INVALID_REQUEST, "launch is missing, unknown or expired");
        }
        if (context.get()
                .clientId()
                .filter(id -> !id.equals(client.getClientId()))
                .isPresent()) {
            throw error(request, OAuth2ErrorCodes.INVALID_REQUEST, "launch was issued for another app");
        }
    }

    /**
     * Whether the consent screen is shown: as Spring Authorization Server decides by default (the
     * client requires consent and some requested scope was not consented before), and always for a
     * standalone {@code launch/patient} request, where the screen is also where a clinician picks
     * the patient (a patient user's own record needs no picking, but seeing the screen does no harm).
     */
    public static boolean consentRequired(OAuth2AuthorizationCodeRequestAuthenticationContext context) {
        if (!context.getRegisteredClient().getClientSettings().isRequireAuthorizationConsent()) {
            return false;
        }
        Set<String> requested = context.getAuthorizationRequest().getScopes();
        if (requested.contains("launch/patient")) {
            return true;
        }
        if (requested.size() == 1 && requested.contains("openid")) {
            return false;
        }
        return context.getAuthorizationConsent() == null
                || !context.getAuthorizationConsent().getScopes().containsAll(requested);
    }

    /** Client credentials: the same scope rule; SMART backend services use {@code system/} scopes. */
    public static void validateClientCredentials(OAuth2ClientCredentialsAuthenticationContext context) {
        Set<String> registered = context.getRegisteredClient().getScopes();
        OAuth2ClientCredentialsAuthenticationToken request = context.getAuthentication();
        for (String scope : request.getScopes()) {
            if (!SmartScopeValidation.allowed(scope, registered)) {
                throw new OAuth2AuthenticationException(new OAuth2Error(
                        OAuth2ErrorCodes.INVALID_SCOPE, "scope not allowed for this client: " + scope, null));
            }
        }
    }

    private static OAuth2AuthorizationCodeRequestAuthenticationException error(
            OAuth2AuthorizationCodeRequestAuthenticationToken request, String code, String description) {
        return new OAuth2AuthorizationCodeRequestAuthenticationException(
                new OAuth2Error(code, description, null), request);
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
