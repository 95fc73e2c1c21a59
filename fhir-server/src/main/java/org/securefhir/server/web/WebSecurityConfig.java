package org.securefhir.server.web;

import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import org.securefhir.auth.config.SmartAuthProperties;
import org.securefhir.auth.token.AccessTokenStatus;
import org.securefhir.server.identity.FhirAccessTokens;
import org.securefhir.server.identity.FhirApiSecurity;
import org.securefhir.server.identity.FhirSecurityProperties;
import org.securefhir.server.identity.RejectedRequests;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.web.SecurityFilterChain;

/**
 * The security filter chain for everything outside the authorization server ({@code /fhir},
 * {@code /actuator}): stateless, no cookies, no CSRF; every FHIR request but the
 * CapabilityStatement and the SMART configuration needs a bearer token ({@link FhirApiSecurity}).
 */
@Configuration(proxyBeanMethods = false)
public final class WebSecurityConfig {

    @Bean
    @Order(Ordered.LOWEST_PRECEDENCE)
    SecurityFilterChain apiSecurityFilterChain(
            HttpSecurity http,
            FhirSecurityProperties properties,
            SmartAuthProperties smart,
            ObjectProvider<JWKSource<SecurityContext>> localKeys,
            ObjectProvider<AccessTokenStatus> localTokens,
            RejectedRequests rejected)
            throws Exception {
        JwtDecoder tokens = properties.issuer().equals(smart.issuer()) && localKeys.getIfAvailable() != null
                ? FhirAccessTokens.local(properties, localKeys.getObject(), localTokens.getObject())
                : FhirAccessTokens.remote(properties);
        return FhirApiSecurity.configure(http, tokens, rejected).build();
    }
}
