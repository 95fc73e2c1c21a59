package org.securefhir.auth.smart;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.securefhir.smart.SmartClaims;
import org.springframework.security.oauth2.core.OAuth2AccessToken;
import org.springframework.security.oauth2.server.authorization.OAuth2Authorization;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AccessTokenAuthenticationContext;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AccessTokenAuthenticationToken;

/**
 * Adds the SMART launch context to token responses (SMART App Launch 2.2 §2.0.7): {@code patient},
 * {@code encounter}, {@code fhirContext}, {@code need_patient_banner} and {@code smart_style_url}
 * beside the tokens.
 */
public final class SmartTokenResponse implements Consumer<OAuth2AccessTokenAuthenticationContext> {

    private final OAuth2AuthorizationService authorizations;
    private final LaunchContextResolver launchContexts;

    public SmartTokenResponse(OAuth2AuthorizationService authorizations, LaunchContextResolver launchContexts) {
        this.authorizations = authorizations;
        this.launchContexts = launchContexts;
    }

    @Override
    public void accept(OAuth2AccessTokenAuthenticationContext context) {
        OAuth2AccessTokenAuthenticationToken token = context.getAuthentication();
        OAuth2AccessToken accessToken = token.getAccessToken();
        OAuth2Authorization authorization =
                authorizations.findByToken(accessToken.getTokenValue(), OAuth2TokenType.ACCESS_TOKEN);
        if (authorization == null) {
            return;
        }
        LaunchContext launch = launchContexts.resolve(authorization, accessToken.getScopes());
        Map<String, Object> parameters = new HashMap<>(token.getAdditionalParameters());
        launch.patient().ifPresent(patient -> {
            parameters.put(SmartClaims.PATIENT, patient);
            parameters.put(SmartClaims.NEED_PATIENT_BANNER, launch.needPatientBanner());
        });
        launch.encounter().ifPresent(encounter -> parameters.put(SmartClaims.ENCOUNTER, encounter));
        if (!launch.fhirContext().isEmpty()) {
            parameters.put(
                    "fhirContext",
                    launch.fhirContext().stream()
                            .map(reference -> Map.of("reference", reference))
                            .toList());
        }
        launch.smartStyleUrl().ifPresent(style -> parameters.put(SmartClaims.SMART_STYLE_URL, style));
        context.getAccessTokenResponse().additionalParameters(parameters);
    }
}
