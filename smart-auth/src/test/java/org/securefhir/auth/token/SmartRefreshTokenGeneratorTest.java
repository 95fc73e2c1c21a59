package org.securefhir.auth.token;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.core.OAuth2RefreshToken;
import org.springframework.security.oauth2.server.authorization.OAuth2Authorization;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationCode;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.settings.TokenSettings;
import org.springframework.security.oauth2.server.authorization.token.DefaultOAuth2TokenContext;

class SmartRefreshTokenGeneratorTest {

    private static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");
    private static final Duration SESSION = Duration.ofHours(12);

    private final SmartRefreshTokenGenerator generator =
            new SmartRefreshTokenGenerator(SESSION, Clock.fixed(NOW, ZoneOffset.UTC));

    private static final RegisteredClient PUBLIC_APP = RegisteredClient.withId("id-1")
            .clientId("app")
            .clientAuthenticationMethod(ClientAuthenticationMethod.NONE)
            .authorizationGrantType(AuthorizationGrantType.AUTHORIZATION_CODE)
            .authorizationGrantType(AuthorizationGrantType.REFRESH_TOKEN)
            .redirectUri("https://app.example.org/callback")
            .tokenSettings(TokenSettings.builder()
                    .refreshTokenTimeToLive(Duration.ofDays(90))
                    .build())
            .build();

    @Test
    void generateWhenOfflineAccessThenClientLifetimeEvenForPublicClient() {
        OAuth2RefreshToken token = generate(Set.of("patient/*.rs", "offline_access"), NOW);

        assertThat(token).isNotNull();
        assertThat(token.getExpiresAt()).isEqualTo(NOW.plus(Duration.ofDays(90)));
        assertThat(token.getTokenValue()).hasSizeGreaterThanOrEqualTo(128);
    }

    @Test
    void generateWhenOnlineAccessThenEndsWithTheLoginSessionLifetime() {
        Instant authorizedAt = NOW.minus(Duration.ofHours(11));

        OAuth2RefreshToken token = generate(Set.of("patient/*.rs", "online_access"), authorizedAt);

        assertThat(token.getExpiresAt()).isEqualTo(authorizedAt.plus(SESSION));
    }

    @Test
    void generateWhenOnlineSessionLifetimeAlreadyOverThenNone() {
        assertThat(generate(Set.of("online_access"), NOW.minus(Duration.ofHours(13))))
                .isNull();
    }

    @Test
    void generateWhenNeitherOfflineNorOnlineAccessThenNone() {
        assertThat(generate(Set.of("openid", "patient/*.rs"), NOW)).isNull();
    }

    @Test
    void generateWhenClientMayNotRefreshThenNone() {
        RegisteredClient noRefresh = RegisteredClient.from(PUBLIC_APP)
                .authorizationGrantTypes(types -> types.remove(AuthorizationGrantType.REFRESH_TOKEN))
                .build();

        assertThat(generator.generate(DefaultOAuth2TokenContext.builder()
                        .registeredClient(noRefresh)
                        .tokenType(OAuth2TokenType.REFRESH_TOKEN)
                        .authorizationGrantType(AuthorizationGrantType.AUTHORIZATION_CODE)
                        .authorizedScopes(Set.of("offline_access"))
                        .build()))
                .isNull();
    }

    private OAuth2RefreshToken generate(Set<String> scopes, Instant authorizedAt) {
        OAuth2Authorization authorization = OAuth2Authorization.withRegisteredClient(PUBLIC_APP)
                .principalName("user-1")
                .authorizationGrantType(AuthorizationGrantType.AUTHORIZATION_CODE)
                .authorizedScopes(scopes)
                .token(new OAuth2AuthorizationCode("code", authorizedAt, authorizedAt.plusSeconds(60)))
                .build();
        return generator.generate(DefaultOAuth2TokenContext.builder()
                .registeredClient(PUBLIC_APP)
                .authorization(authorization)
                .tokenType(OAuth2TokenType.REFRESH_TOKEN)
                .authorizationGrantType(AuthorizationGrantType.AUTHORIZATION_CODE)
                .authorizedScopes(scopes)
                .build());
    }
}
