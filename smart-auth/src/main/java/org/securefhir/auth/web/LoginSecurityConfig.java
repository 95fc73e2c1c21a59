package org.securefhir.auth.web;

import java.time.Clock;
import java.util.Optional;
import java.util.Set;
import org.securefhir.auth.config.SmartAuthProperties;
import org.securefhir.auth.event.SecurityEvent;
import org.securefhir.auth.event.SecurityEventSink;
import org.securefhir.auth.user.Role;
import org.securefhir.auth.user.UserAccounts;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.security.authorization.AuthorityAuthorizationManager;
import org.springframework.security.authorization.AuthorizationManagers;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.HttpStatusEntryPoint;
import org.springframework.security.web.authentication.LoginUrlAuthenticationEntryPoint;
import org.springframework.security.web.context.SecurityContextHolderFilter;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.AnyRequestMatcher;

/**
 * The authorization server's own pages under {@code /auth} (login, second factor, account, logout),
 * with CSRF protection and session-based login. The OAuth endpoints themselves are in
 * {@code AuthorizationServerConfig}'s chain, which runs first.
 */
@Configuration(proxyBeanMethods = false)
public class LoginSecurityConfig {

    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE + 1)
    SecurityFilterChain loginPagesSecurityFilterChain(
            HttpSecurity http,
            SmartAuthProperties properties,
            Clock clock,
            UserAccounts users,
            SecurityEventSink events)
            throws Exception {
        http.securityMatcher("/auth/**")
                .addFilterBefore(
                        new SessionLifetimeFilter(properties.sessionMaxLifetime(), clock),
                        SecurityContextHolderFilter.class)
                .addFilterBefore(new SessionValidityFilter(users), SecurityContextHolderFilter.class)
                .addFilterBefore(
                        new RateLimitFilter(
                                new RateLimiter(
                                        properties.rateLimits().loginPerMinute(),
                                        properties.rateLimits().loginBurst(),
                                        clock),
                                Set.of("/auth/login", "/auth/mfa", "/auth/mfa/enroll")),
                        SecurityContextHolderFilter.class)
                .authorizeHttpRequests(authorize -> authorize
                        .requestMatchers("/auth/login", "/auth/mfa", "/auth/mfa/enroll", "/auth/error")
                        .permitAll()
                        // bearer-token API of EHR systems (checked by EhrLaunchController), public style sheet
                        .requestMatchers("/auth/launch", "/auth/smart-style.json")
                        .permitAll()
                        // administration: the admin role, in a session that passed the second factor
                        .requestMatchers("/auth/admin/**")
                        .access(AuthorizationManagers.allOf(
                                AuthorityAuthorizationManager.hasRole(Role.ADMIN.code()),
                                AuthorityAuthorizationManager.hasAuthority("FACTOR_TOTP")))
                        .anyRequest()
                        .authenticated())
                .exceptionHandling(exceptions -> exceptions
                        .defaultAuthenticationEntryPointFor(
                                new HttpStatusEntryPoint(HttpStatus.UNAUTHORIZED),
                                PathPatternRequestMatcher.withDefaults().matcher("/auth/admin/**"))
                        .defaultAuthenticationEntryPointFor(
                                new HttpStatusEntryPoint(HttpStatus.UNAUTHORIZED),
                                PathPatternRequestMatcher.withDefaults().matcher("/auth/session"))
                        .defaultAuthenticationEntryPointFor(
                                new LoginUrlAuthenticationEntryPoint("/auth/login"), AnyRequestMatcher.INSTANCE))
                .logout(logout -> logout.logoutUrl("/auth/logout")
                        .logoutSuccessUrl("/auth/login?logout")
                        // a signed-in user ending the session is a security event like the sign-in
                        .addLogoutHandler((request, response, authentication) -> {
                            if (authentication != null) {
                                events.record(new SecurityEvent(
                                        clock.instant(),
                                        SecurityEvent.Type.LOGOUT,
                                        Optional.of(authentication.getName()),
                                        Optional.empty(),
                                        Optional.empty(),
                                        Optional.ofNullable(request.getRemoteAddr()),
                                        "session ended by the user"));
                            }
                        }))
                .sessionManagement(sessions -> sessions.sessionFixation(fixation -> fixation.changeSessionId()))
                // Preflights (OPTIONS) of the token-side endpoints land here, the authorization server
                // matches their POSTs only; the host's CORS source allows no page of this chain.
                .cors(Customizer.withDefaults())
                // no cookie authenticates /auth/launch (a bearer token does), so no CSRF token either;
                // ending the session from the app needs a header other origins cannot send
                // (SessionController)
                .csrf(csrf -> csrf.ignoringRequestMatchers(
                        PathPatternRequestMatcher.withDefaults().matcher("/auth/launch"),
                        PathPatternRequestMatcher.withDefaults().matcher(HttpMethod.DELETE, "/auth/session")));
        return http.build();
    }
}
