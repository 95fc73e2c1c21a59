package org.securefhir.auth.server;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import java.net.URI;
import java.time.Clock;
import java.util.HashSet;
import java.util.Set;
import org.securefhir.auth.client.ClientSecretEncoder;
import org.securefhir.auth.config.SmartAuthProperties;
import org.securefhir.auth.keys.SigningKeys;
import org.securefhir.auth.smart.LaunchContextResolver;
import org.securefhir.auth.smart.SmartAuthorizationRequests;
import org.securefhir.auth.smart.SmartTokenCustomizer;
import org.securefhir.auth.smart.SmartTokenResponse;
import org.securefhir.auth.user.UserAccounts;
import org.securefhir.auth.web.RateLimitFilter;
import org.securefhir.auth.web.RateLimiter;
import org.securefhir.auth.web.SessionLifetimeFilter;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.server.authorization.JdbcOAuth2AuthorizationConsentService;
import org.springframework.security.oauth2.server.authorization.JdbcOAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationConsentService;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.authentication.ClientSecretAuthenticationProvider;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationProvider;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2ClientCredentialsAuthenticationProvider;
import org.springframework.security.oauth2.server.authorization.client.JdbcRegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.config.annotation.web.configuration.OAuth2AuthorizationServerConfiguration;
import org.springframework.security.oauth2.server.authorization.config.annotation.web.configurers.OAuth2AuthorizationServerConfigurer;
import org.springframework.security.oauth2.server.authorization.settings.AuthorizationServerSettings;
import org.springframework.security.oauth2.server.authorization.token.JwtEncodingContext;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenCustomizer;
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

    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE)
    SecurityFilterChain authorizationServerSecurityFilterChain(
            HttpSecurity http,
            SmartAuthProperties properties,
            AuthorizationServerSettings settings,
            LaunchContextResolver launchContexts,
            OAuth2AuthorizationService authorizations,
            Clock clock)
            throws Exception {
        SmartAuthorizationRequests smartRequests = new SmartAuthorizationRequests(properties.fhirBaseUrl());
        OAuth2AccessTokenResponseAuthenticationSuccessHandler tokenResponses =
                new OAuth2AccessTokenResponseAuthenticationSuccessHandler();
        tokenResponses.setAccessTokenResponseCustomizer(new SmartTokenResponse(authorizations, launchContexts));
        OAuth2AuthorizationServerConfigurer authorizationServer =
                OAuth2AuthorizationServerConfigurer.authorizationServer();
        http.securityMatcher(authorizationServer.getEndpointsMatcher())
                .with(
                        authorizationServer,
                        server -> server.oidc(Customizer.withDefaults())
                                .authorizationEndpoint(endpoint -> endpoint.consentPage(CONSENT_PAGE)
                                        .authenticationProviders(providers -> providers.forEach(provider -> {
                                            if (provider
                                                    instanceof
                                                    OAuth2AuthorizationCodeRequestAuthenticationProvider codeRequests) {
                                                codeRequests.setAuthenticationValidator(smartRequests::validate);
                                            }
                                        }))))
                .with(
                        authorizationServer,
                        server -> server.tokenEndpoint(token -> token.accessTokenResponseHandler(tokenResponses)
                                        .authenticationProviders(providers -> providers.forEach(provider -> {
                                            if (provider
                                                    instanceof OAuth2ClientCredentialsAuthenticationProvider clients) {
                                                clients.setAuthenticationValidator(
                                                        SmartAuthorizationRequests::validateClientCredentials);
                                            }
                                        })))
                                .clientAuthentication(clients ->
                                        clients.authenticationProviders(providers -> providers.forEach(provider -> {
                                            if (provider instanceof ClientSecretAuthenticationProvider secrets) {
                                                secrets.setPasswordEncoder(new ClientSecretEncoder());
                                            }
                                        }))))
                .authorizeHttpRequests(authorize -> authorize.anyRequest().authenticated())
                .addFilterBefore(
                        new IssuerGuardFilter(properties.issuer(), endpoints(settings)),
                        SecurityContextHolderFilter.class)
                .addFilterBefore(
                        new SessionLifetimeFilter(properties.sessionMaxLifetime(), clock),
                        SecurityContextHolderFilter.class)
                .addFilterBefore(
                        new RateLimitFilter(
                                new RateLimiter(
                                        properties.rateLimits().tokenPerMinute(),
                                        properties.rateLimits().tokenBurst(),
                                        clock),
                                Set.of(URI.create(properties.issuer()).getPath() + "/oauth2/token")),
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

    @Bean
    RegisteredClientRepository registeredClientRepository(JdbcTemplate jdbc) {
        return new JdbcRegisteredClientRepository(jdbc);
    }

    @Bean
    OAuth2AuthorizationService authorizationService(JdbcTemplate jdbc, RegisteredClientRepository clients) {
        return new JdbcOAuth2AuthorizationService(jdbc, clients);
    }

    @Bean
    OAuth2AuthorizationConsentService authorizationConsentService(
            JdbcTemplate jdbc, RegisteredClientRepository clients) {
        return new JdbcOAuth2AuthorizationConsentService(jdbc, clients);
    }

    @Bean
    JWKSet signingKeySet(SigningKeys keys) {
        return keys.load();
    }

    @Bean
    JWKSource<SecurityContext> jwkSource(JWKSet keySet) {
        return (selector, context) -> selector.select(keySet);
    }

    @Bean
    JwtDecoder jwtDecoder(JWKSource<SecurityContext> jwkSource) {
        return OAuth2AuthorizationServerConfiguration.jwtDecoder(jwkSource);
    }

    @Bean
    LaunchContextResolver launchContextResolver(UserAccounts users) {
        return new LaunchContextResolver(users);
    }

    /** SMART claims; signs with the newest key (by kid) so older keys can stay published after a rotation. */
    @Bean
    OAuth2TokenCustomizer<JwtEncodingContext> smartTokenCustomizer(
            JWKSet keySet, SmartAuthProperties properties, LaunchContextResolver launchContexts) {
        // newest first (SigningKeys.load)
        String activeKid = keySet.getKeys().get(0).getKeyID();
        return new SmartTokenCustomizer(properties.fhirBaseUrl(), activeKid, launchContexts);
    }
}
