package org.securefhir.auth.smart;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.securefhir.auth.client.ClientRoles;
import org.securefhir.auth.mfa.SecondFactorTime;
import org.securefhir.smart.SmartClaims;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.oidc.endpoint.OidcParameterNames;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;
import org.springframework.security.oauth2.server.authorization.token.JwtEncodingContext;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenCustomizer;

/**
 * Adds the SMART claims to the JWTs the server issues (SMART App Launch 2.2 §2.0.7 and the
 * resource server contract of this project): access tokens are for the FHIR base URL only
 * ({@code aud}), carry {@code client_id}, {@code fhirUser}, the {@code patient} in context and
 * {@code roles} (the user's roles, or a backend service's registered roles: what the resource
 * server's access policy lets the scopes reach) and {@code auth_time} (when the user completed their
 * second factor: irreversible operations need a recent one);
 * ID tokens carry {@code fhirUser} as an absolute URL when the app asked for it. Every token is
 * signed with the newest key, named in the {@code kid} header.
 */
public final class SmartTokenCustomizer implements OAuth2TokenCustomizer<JwtEncodingContext> {

    private final String fhirBaseUrl;
    private final java.util.function.Supplier<String> signingKeyId;
    private final LaunchContextResolver launchContexts;

    public SmartTokenCustomizer(
            String fhirBaseUrl,
            java.util.function.Supplier<String> signingKeyId,
            LaunchContextResolver launchContexts) {
        this.fhirBaseUrl = fhirBaseUrl;
        this.signingKeyId = signingKeyId;
        this.launchContexts = launchContexts;
    }

    @Override
    public void customize(JwtEncodingContext context) {
        context.getJwsHeader().keyId(signingKeyId.get());
        LaunchContext launch = context.getAuthorization() == null
                ? launchContexts.resolve(
                        context.getPrincipal().getName(),
                        context.getAuthorizedScopes(),
                        Optional.empty(),
                        Optional.empty())
                : launchContexts.resolve(context.getAuthorization(), context.getAuthorizedScopes());
        if (OAuth2TokenType.ACCESS_TOKEN.equals(context.getTokenType())) {
            // A plain ArrayList: the claims are stored with Spring Security's allow-listed JSON mapper.
            context.getClaims().audience(new ArrayList<>(List.of(fhirBaseUrl)));
            context.getClaims()
                    .claim(SmartClaims.CLIENT_ID, context.getRegisteredClient().getClientId());
            launch.fhirUser()
                    .ifPresent(user -> context.getClaims().claim(SmartClaims.FHIR_USER, fhirBaseUrl + "/" + user));
            launch.patient().ifPresent(patient -> context.getClaims().claim(SmartClaims.PATIENT, patient));
            launch.encounter().ifPresent(encounter -> context.getClaims().claim(SmartClaims.ENCOUNTER, encounter));
            Set<String> roles = AuthorizationGrantType.CLIENT_CREDENTIALS.equals(context.getAuthorizationGrantType())
                    ? ClientRoles.of(context.getRegisteredClient())
                    : launch.roles();
            context.getClaims().claim(SmartClaims.ROLES, new ArrayList<>(new TreeSet<>(roles)));
            if (context.getPrincipal() != null) {
                SecondFactorTime.of(context.getPrincipal().getAuthorities())
                        .ifPresent(time -> context.getClaims()
                                // a Date: the JWT holds it as seconds since the epoch, and the stored
                                // claims keep it with Spring Security's allow-listed JSON mapper
                                .claim(SmartClaims.AUTH_TIME, java.util.Date.from(time)));
            }
        } else if (OidcParameterNames.ID_TOKEN.equals(context.getTokenType().getValue())
                && context.getAuthorizedScopes().contains("fhirUser")) {
            launch.fhirUser()
                    .ifPresent(user -> context.getClaims().claim(SmartClaims.FHIR_USER, fhirBaseUrl + "/" + user));
        }
    }
}
