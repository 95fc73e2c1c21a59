package org.securefhir.server.web;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.CorsConfigurationSource;

/**
 * Cross-origin access for browser-based SMART apps: the FHIR API and the authorization server's
 * token-side endpoints (token, revocation, JWKS, discovery, user info), which such apps call with
 * {@code fetch}. Never for the login, consent and account pages or the authorization endpoint (those
 * are navigations, and they are where cookies are). No credentials mode: these endpoints take a
 * bearer token or client credentials in the request, never a cookie, so an allowed origin gains
 * nothing it could not do from its own server.
 *
 * <p>The bean is named {@code corsConfigurationSource}, which is where Spring Security's {@code
 * cors()} looks (both the API chain and the authorization server chain use it).
 */
@Configuration(proxyBeanMethods = false)
public final class CorsConfig {

    /**
     * {@code fhir.cors.*}.
     *
     * @param allowedOrigins origins (patterns) allowed to call the FHIR API and token endpoints;
     *     {@code *} for any, empty for none
     */
    @ConfigurationProperties("fhir.cors")
    public record CorsProperties(@DefaultValue("*") List<String> allowedOrigins) {
        public CorsProperties {
            allowedOrigins = List.copyOf(allowedOrigins);
        }
    }

    /** Token-side endpoints of the authorization server that browser apps call. */
    static final Set<String> AUTH_PATHS = Set.of(
            "/auth/oauth2/token",
            "/auth/oauth2/revoke",
            "/auth/oauth2/introspect",
            "/auth/oauth2/jwks",
            "/auth/userinfo",
            "/auth/smart-style.json");

    @Bean
    CorsConfigurationSource corsConfigurationSource(CorsProperties properties) {
        if (properties.allowedOrigins().isEmpty()) {
            return request -> null;
        }
        CorsConfiguration fhir = base(properties);
        fhir.setAllowedMethods(List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"));
        fhir.setAllowedHeaders(List.of(
                "Authorization",
                "Content-Type",
                "Accept",
                "If-Match",
                "If-None-Match",
                "If-None-Exist",
                "If-Modified-Since",
                "Prefer",
                "X-Request-Id"));
        fhir.setExposedHeaders(List.of("Location", "Content-Location", "ETag", "Last-Modified", "X-Request-Id"));

        CorsConfiguration token = base(properties);
        token.setAllowedMethods(List.of("GET", "POST"));
        token.setAllowedHeaders(List.of("Authorization", "Content-Type", "Accept"));

        // By the full path: /fhir is a servlet of its own, so Spring's path-within-servlet lookups
        // would see only /Patient/...
        return request -> {
            String path =
                    request.getRequestURI().substring(request.getContextPath().length());
            if (path.equals("/fhir") || path.startsWith("/fhir/")) {
                return fhir;
            }
            if (AUTH_PATHS.contains(path) || path.startsWith("/auth/.well-known/")) {
                return token;
            }
            return null;
        };
    }

    private static CorsConfiguration base(CorsProperties properties) {
        CorsConfiguration configuration = new CorsConfiguration();
        configuration.setAllowedOriginPatterns(properties.allowedOrigins());
        configuration.setAllowCredentials(false);
        configuration.setMaxAge(Duration.ofHours(1));
        return configuration;
    }
}
