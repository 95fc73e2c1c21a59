package org.securefhir.auth.server;

import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;
import org.securefhir.auth.client.AssertionReplayGuard;
import org.securefhir.auth.client.ClientAssertionDecoders;
import org.securefhir.auth.client.ClientSecretEncoder;
import org.securefhir.auth.config.SmartAuthConfig.SmartAuthSchemaReady;
import org.securefhir.auth.config.SmartAuthProperties;
import org.securefhir.auth.event.SecurityEventSink;
import org.securefhir.auth.keys.SigningKeyRing;
import org.securefhir.auth.smart.EhrLaunches;
import org.securefhir.auth.smart.LaunchContextResolver;
import org.securefhir.auth.smart.PatientDirectory;
import org.securefhir.auth.smart.PickedPatients;
import org.securefhir.auth.smart.SmartAuthorizationRequests;
import org.securefhir.auth.smart.SmartTokenCustomizer;
import org.securefhir.auth.smart.SmartTokenResponse;
import org.securefhir.auth.token.AccessTokenStatus;
import org.securefhir.auth.token.OnlineAccessSessions;
import org.securefhir.auth.token.PublicClientRefresh;
import org.securefhir.auth.token.RefreshTokenRotation;
import org.securefhir.auth.token.SmartRefreshTokenGenerator;
import org.securefhir.auth.token.TokenEvents;
import org.securefhir.auth.token.UserTokens;
import org.securefhir.auth.user.UserAccounts;
import org.securefhir.auth.web.RateLimitFilter;
import org.securefhir.auth.web.RateLimiter;
import org.securefhir.auth.web.SessionLifetimeFilter;
import org.securefhir.auth.web.SessionValidityFilter;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.oauth2.core.OAuth2Token;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;
import org.springframework.security.oauth2.server.authorization.JdbcOAuth2AuthorizationConsentService;
import org.springframework.security.oauth2.server.authorization.JdbcOAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationConsentService;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.authentication.ClientSecretAuthenticationProvider;
import org.springframework.security.oauth2.server.authorization.authentication.JwtClientAssertionAuthenticationProvider;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationProvider;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2ClientCredentialsAuthenticationProvider;
import org.springframework.security.oauth2.server.authorization.client.JdbcRegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.config.annotation.web.configuration.OAuth2AuthorizationServerConfiguration;
import org.springframework.security.oauth2.server.authorization.config.annotation.web.configurers.OAuth2AuthorizationServerConfigurer;
import org.springframework.security.oauth2.server.authorization.settings.AuthorizationServerSettings;
import org.springframework.security.oauth2.server.authorization.token.DelegatingOAuth2TokenGenerator;
import org.springframework.security.oauth2.server.authorization.token.JwtEncodingContext;
import org.springframework.security.oauth2.server.authorization.token.JwtGenerator;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenCustomizer;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenGenerator;
import org.springframework.security.oauth2.server.authorization.web.authentication.OAuth2AccessTokenResponseAuthenticationSuccessHandler;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.LoginUrlAuthenticationEntryPoint;
import org.springframework.security.web.context.SecurityContextHolderFilter;
import org.springframework.security.web.util.matcher.MediaTypeRequestMatcher;

/**
 * Spring Authorization Server, co-hosted under the issuer path {@code /auth}: authorization, token,
 * introspection, revocation, JWKS, OIDC discovery and user info. All state (clients, authorizations,
 * consents, keys) is in PostgreSQL. PKCE with S256 and the SMART {@code aud} parameter are required
 * of every client; tokens carry the SMART claims and the token response the launch context.
 */
@Configuration(proxyBeanMethods = false)
public class AuthorizationServerConfig {

    static final String LOGIN_PAGE = "/auth/login";
    static final String CONSENT_PAGE = "/auth/consent";
    /** Token endpoint, relative to the issuer (Spring Authorization Server's default). */
    public static final String TOKEN_ENDPOINT = "/oauth2/token";

    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE)
    SecurityFilterChain authorizationServerSecurityFilterChain(
            HttpSecurity http,
            SmartAuthProperties properties,
            AuthorizationServerSettings settings,
            LaunchContextResolver launchContexts,
            OAuth2AuthorizationService authorizations,
            AssertionReplayGuard assertionReplays,
            EhrLaunches ehrLaunches,
            RegisteredClientRepository registeredClients,
            OAuth2TokenGenerator<OAuth2Token> tokenGenerator,
            SecurityEventSink events,
            Clock clock,
            UserAccounts users)
            throws Exception {
        TokenEvents tokenEvents = new TokenEvents(events, clock);
        SmartAuthorizationRequests smartRequests =
                new SmartAuthorizationRequests(properties.fhirBaseUrl(), ehrLaunches);
        OAuth2AccessTokenResponseAuthenticationSuccessHandler tokenResponses =
                new OAuth2AccessTokenResponseAuthenticationSuccessHandler();
        tokenResponses.setAccessTokenResponseCustomizer(new SmartTokenResponse(authorizations, launchContexts));
        OAuth2AuthorizationServerConfigurer authorizationServer =
                OAuth2AuthorizationServerConfigurer.authorizationServer();
        http.securityMatcher(authorizationServer.getEndpointsMatcher())
                .with(
                        authorizationServer,
                        server -> server.tokenGenerator(tokenGenerator)
                                .oidc(Customizer.withDefaults())
                                .authorizationEndpoint(endpoint -> endpoint.consentPage(CONSENT_PAGE)
                                        .authenticationProviders(providers -> providers.forEach(provider -> {
                                            if (provider
                                                    instanceof
                                                    OAuth2AuthorizationCodeRequestAuthenticationProvider codeRequests) {
                                                codeRequests.setAuthenticationValidator(smartRequests::validate);
                                                codeRequests.setAuthorizationConsentRequired(
                                                        SmartAuthorizationRequests::consentRequired);
                                            }
                                        }))))
                .with(
                        authorizationServer,
                        server -> server.tokenEndpoint(token -> token.accessTokenResponseHandler(
                                                tokenEvents.issued(tokenResponses))
                                        .authenticationProviders(providers -> providers.forEach(provider -> {
                                            if (provider
                                                    instanceof OAuth2ClientCredentialsAuthenticationProvider clients) {
                                                clients.setAuthenticationValidator(
                                                        SmartAuthorizationRequests::validateClientCredentials);
                                            }
                                        })))
                                .tokenRevocationEndpoint(
                                        revocation -> revocation.revocationResponseHandler(tokenEvents.revoked()))
                                .clientAuthentication(clients -> clients.errorResponseHandler(
                                                tokenEvents.clientAuthenticationFailed())
                                        .authenticationConverters(
                                                converters -> converters.add(0, new PublicClientRefresh.Converter()))
                                        .authenticationProviders(providers -> {
                                            providers.forEach(provider -> {
                                                if (provider instanceof ClientSecretAuthenticationProvider secrets) {
                                                    secrets.setPasswordEncoder(new ClientSecretEncoder());
                                                }
                                                if (provider
                                                        instanceof
                                                        JwtClientAssertionAuthenticationProvider assertions) {
                                                    assertions.setJwtDecoderFactory(new ClientAssertionDecoders(
                                                            properties.issuer() + TOKEN_ENDPOINT,
                                                            assertionReplays,
                                                            clock));
                                                }
                                            });
                                            providers.add(0, new PublicClientRefresh.Provider(registeredClients));
                                        })))
                .authorizeHttpRequests(authorize -> authorize.anyRequest().authenticated())
                // CORS for browser apps on the token-side endpoints: the host's corsConfigurationSource
                .cors(Customizer.withDefaults())
                .addFilterBefore(
                        new IssuerGuardFilter(properties.issuer(), endpoints(settings)),
                        SecurityContextHolderFilter.class)
                .addFilterBefore(
                        new ClientAssertionRequestFilter(
                                URI.create(properties.issuer()).getPath() + TOKEN_ENDPOINT),
                        SecurityContextHolderFilter.class)
                .addFilterBefore(
                        new SessionLifetimeFilter(properties.sessionMaxLifetime(), clock),
                        SecurityContextHolderFilter.class)
                .addFilterBefore(new SessionValidityFilter(users), SecurityContextHolderFilter.class)
                .addFilterBefore(
                        new RateLimitFilter(
                                new RateLimiter(
                                        properties.rateLimits().tokenPerMinute(),
                                        properties.rateLimits().tokenBurst(),
                                        clock),
                                Set.of(URI.create(properties.issuer()).getPath() + TOKEN_ENDPOINT)),
                        SecurityContextHolderFilter.class)
                .exceptionHandling(exceptions -> exceptions.defaultAuthenticationEntryPointFor(
                        new LoginUrlAuthenticationEntryPoint(LOGIN_PAGE),
                        new MediaTypeRequestMatcher(MediaType.TEXT_HTML)));
        return http.build();
    }

    private static Set<String> endpoints(AuthorizationServerSettings settings) {
        Set<String> endpoints = new HashSet<>();
        settings.getSettings().forEach((name, value) -> {
            if (name.endsWith("-endpoint") && value instanceof String path) {
                endpoints.add(path);
            }
        });
        endpoints.add("/.well-known/openid-configuration");
        endpoints.add("/.well-known/oauth-authorization-server");
        return endpoints;
    }

    @Bean
    AuthorizationServerSettings authorizationServerSettings() {
        // The issuer (with its /auth path) is taken from the request and pinned by IssuerGuardFilter.
        return AuthorizationServerSettings.builder()
                .multipleIssuersAllowed(true)
                .build();
    }

    // Spring Authorization Server's JDBC services read the column types at construction: the schema
    // must exist first (SmartAuthSchemaReady).
    @Bean
    RegisteredClientRepository registeredClientRepository(SmartAuthSchemaReady schema, JdbcTemplate jdbc) {
        return new JdbcRegisteredClientRepository(jdbc);
    }

    @Bean
    OAuth2AuthorizationService authorizationService(
            SmartAuthSchemaReady schema,
            JdbcTemplate jdbc,
            RegisteredClientRepository clients,
            SecurityEventSink events,
            AccessTokenStatus tokenStatus,
            Clock clock) {
        return new RefreshTokenRotation(
                new JdbcOAuth2AuthorizationService(jdbc, clients), jdbc, events, tokenStatus::changed, clock);
    }

    /** JWT access and ID tokens with the SMART claims; SMART's offline/online refresh tokens. */
    @Bean
    OAuth2TokenGenerator<OAuth2Token> tokenGenerator(
            JWKSource<SecurityContext> jwkSource,
            OAuth2TokenCustomizer<JwtEncodingContext> smartTokenCustomizer,
            SmartAuthProperties properties,
            Clock clock) {
        JwtGenerator jwts = new JwtGenerator(new NimbusJwtEncoder(jwkSource));
        jwts.setJwtCustomizer(smartTokenCustomizer);
        return new DelegatingOAuth2TokenGenerator(
                jwts, new SmartRefreshTokenGenerator(properties.sessionMaxLifetime(), clock));
    }

    /** For resource servers in this process: is an access token still active (one indexed query). */
    @Bean
    UserTokens userTokens(
            SmartAuthSchemaReady schema,
            JdbcTemplate jdbc,
            SecurityEventSink events,
            AccessTokenStatus tokenStatus,
            Clock clock) {
        return new UserTokens(jdbc, events, tokenStatus::changed, clock);
    }

    /** Remembered per node, forgotten on every change of the token's authorization (LISTEN/NOTIFY). */
    @Bean
    AccessTokenStatus accessTokenStatus(
            SmartAuthSchemaReady schema, DataSource dataSource, JdbcTemplate jdbc, Clock clock) {
        return AccessTokenStatus.cached(dataSource, jdbc, clock);
    }

    /** Revokes online_access when the login session ends (a servlet session listener). */
    @Bean
    OnlineAccessSessions onlineAccessSessions(
            JdbcTemplate jdbc,
            ObjectProvider<OAuth2AuthorizationService> authorizations,
            SecurityEventSink events,
            Clock clock) {
        // The servlet container registers listeners before the application's beans exist: the
        // authorization service is looked up when a session ends.
        return new OnlineAccessSessions(jdbc, authorizations::getObject, events, clock);
    }

    @Bean
    OAuth2AuthorizationConsentService authorizationConsentService(
            SmartAuthSchemaReady schema, JdbcTemplate jdbc, RegisteredClientRepository clients) {
        return new JdbcOAuth2AuthorizationConsentService(jdbc, clients);
    }

    @Bean
    JWKSource<SecurityContext> jwkSource(SigningKeyRing keys) {
        return keys.source();
    }

    @Bean
    JwtDecoder jwtDecoder(JWKSource<SecurityContext> jwkSource) {
        return OAuth2AuthorizationServerConfiguration.jwtDecoder(jwkSource);
    }

    @Bean
    AssertionReplayGuard assertionReplayGuard(JdbcTemplate jdbc, Clock clock) {
        return new AssertionReplayGuard(jdbc, clock);
    }

    @Bean
    EhrLaunches ehrLaunches(JdbcTemplate jdbc, SecureRandom random, Clock clock) {
        return new EhrLaunches(jdbc, random, clock);
    }

    @Bean
    PickedPatients pickedPatients(JdbcTemplate jdbc, Clock clock) {
        return new PickedPatients(jdbc, clock);
    }

    @Bean
    LaunchContextResolver launchContextResolver(
            UserAccounts users,
            EhrLaunches launches,
            PickedPatients picked,
            SmartAuthProperties properties,
            ObjectProvider<PatientDirectory> directory) {
        return new LaunchContextResolver(
                users,
                launches,
                picked,
                properties.issuer() + "/smart-style.json",
                () -> Optional.ofNullable(directory.getIfAvailable()));
    }

    /** SMART claims; signs with the newest key (by kid) so older keys can stay published after a rotation. */
    @Bean
    OAuth2TokenCustomizer<JwtEncodingContext> smartTokenCustomizer(
            SigningKeyRing keys, SmartAuthProperties properties, LaunchContextResolver launchContexts) {
        return new SmartTokenCustomizer(properties.fhirBaseUrl(), keys::signingKeyId, launchContexts);
    }
}
