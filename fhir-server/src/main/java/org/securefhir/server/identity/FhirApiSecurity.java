package org.securefhir.server.identity;

import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.oauth2.jwt.JwtDecoder;

/**
 * The FHIR API as an OAuth 2.0 resource server: every request under {@code /fhir} needs a valid
 * bearer token, except the CapabilityStatement ({@code metadata}) and the SMART configuration
 * ({@code .well-known/*}), which clients read before they have one. Missing or invalid token: 401
 * with {@code WWW-Authenticate: Bearer error="invalid_token"} and an OperationOutcome. Stateless: no
 * session, no cookie, so no CSRF. Every 401 is reported to {@link RejectedRequests} (the audit trail).
 */
public final class FhirApiSecurity {

    private FhirApiSecurity() {}

    public static HttpSecurity configure(HttpSecurity http, JwtDecoder tokens, RejectedRequests rejected)
            throws Exception {
        return http.authorizeHttpRequests(authorize -> authorize
                        .requestMatchers("/fhir/metadata", "/fhir/.well-known/**")
                        .permitAll()
                        .requestMatchers("/fhir", "/fhir/**")
                        .authenticated()
                        .anyRequest()
                        .permitAll())
                .oauth2ResourceServer(resourceServer -> resourceServer
                        .jwt(jwt -> jwt.decoder(tokens))
                        .authenticationEntryPoint(OperationOutcomeResponses.unauthorized(rejected))
                        .accessDeniedHandler(OperationOutcomeResponses.forbidden()))
                .exceptionHandling(exceptions -> exceptions
                        .authenticationEntryPoint(OperationOutcomeResponses.unauthorized(rejected))
                        .accessDeniedHandler(OperationOutcomeResponses.forbidden()))
                .cors(Customizer.withDefaults())
                .csrf(AbstractHttpConfigurer::disable)
                .requestCache(AbstractHttpConfigurer::disable)
                .sessionManagement(sessions -> sessions.sessionCreationPolicy(SessionCreationPolicy.STATELESS));
    }
}
