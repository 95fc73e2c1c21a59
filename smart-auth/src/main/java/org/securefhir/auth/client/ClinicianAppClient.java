package org.securefhir.auth.client;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.securefhir.auth.config.SmartAuthProperties;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.settings.ClientSettings;
import org.springframework.security.oauth2.server.authorization.settings.TokenSettings;
import org.springframework.stereotype.Component;

/**
 * The registration of the clinician app the FHIR server serves at {@code /app/} (module
 * {@code clinician-app}): a public client with PKCE whose only redirect is {@code /app/callback} on
 * the issuer's origin. It is part of the product, not demo data, so it is (re)written at every start
 * in every mode, matching the issuer; {@code smart.auth.clinician-app.enabled=false} leaves it out
 * (and removes nothing an operator registered). No consent screen: it is the hospital's own app, and
 * each user's role bounds what its scopes reach. Refresh tokens only for {@code online_access}: they
 * end with the user's login session.
 */
@Component
@ConditionalOnProperty(name = "smart.auth.clinician-app.enabled", havingValue = "true", matchIfMissing = true)
public final class ClinicianAppClient implements ApplicationListener<ApplicationReadyEvent> {

    public static final String CLIENT_ID = "clinician-app";
    public static final List<String> SCOPES =
            List.of("openid", "fhirUser", "profile", "online_access", "user/*.cruds", "user/*.rs");

    private final RegisteredClientRepository clients;
    private final String issuer;

    ClinicianAppClient(RegisteredClientRepository clients, SmartAuthProperties smart) {
        this.clients = clients;
        this.issuer = smart.issuer();
    }

    /** {@code /app/callback} on the issuer's origin. */
    public static String redirectUri(String issuer) {
        URI uri = URI.create(issuer);
        return uri.getScheme() + "://" + uri.getRawAuthority() + "/app/callback";
    }

    @Override
    public void onApplicationEvent(ApplicationReadyEvent event) {
        RegisteredClient existing = clients.findByClientId(CLIENT_ID);
        RegisteredClient.Builder app = RegisteredClient.withId(
                        existing == null ? UUID.randomUUID().toString() : existing.getId())
                .clientId(CLIENT_ID)
                .clientName("Clinician app")
                .clientAuthenticationMethod(ClientAuthenticationMethod.NONE)
                .authorizationGrantType(AuthorizationGrantType.AUTHORIZATION_CODE)
                .authorizationGrantType(AuthorizationGrantType.REFRESH_TOKEN)
                .redirectUri(redirectUri(issuer))
                .clientSettings(ClientSettings.builder()
                        .requireProofKey(true)
                        .requireAuthorizationConsent(false)
                        .build())
                .tokenSettings(TokenSettings.builder()
                        .accessTokenTimeToLive(Duration.ofMinutes(10))
                        .authorizationCodeTimeToLive(Duration.ofMinutes(1))
                        .refreshTokenTimeToLive(Duration.ofHours(12))
                        .reuseRefreshTokens(false)
                        .build());
        SCOPES.forEach(app::scope);
        clients.save(app.build());
    }
}
