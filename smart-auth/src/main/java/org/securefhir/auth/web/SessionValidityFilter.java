package org.securefhir.auth.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.time.Instant;
import org.securefhir.auth.mfa.SecondFactorTime;
import org.securefhir.auth.user.UserAccounts;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.web.context.HttpSessionSecurityContextRepository;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Ends a signed-in session at its next request once the account behind it was disabled or its access
 * changed after the login (roles, enabled again, second factor reset): the change is a timestamp in
 * PostgreSQL, so a session held by any node ends, without sharing sessions between nodes. Runs
 * before the security context is loaded from the session, so the request goes on signed out.
 */
public final class SessionValidityFilter extends OncePerRequestFilter {

    private final UserAccounts users;

    public SessionValidityFilter(UserAccounts users) {
        this.users = users;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        HttpSession session = request.getSession(false);
        if (session != null
                && session.getAttribute(HttpSessionSecurityContextRepository.SPRING_SECURITY_CONTEXT_KEY)
                        instanceof SecurityContext context) {
            Authentication user = context.getAuthentication();
            if (user != null && user.isAuthenticated()) {
                // a session without its login time is judged as the oldest possible one
                Instant loggedIn = SecondFactorTime.of(user.getAuthorities()).orElse(Instant.EPOCH);
                if (!users.sessionValid(user.getName(), loggedIn)) {
                    session.invalidate();
                }
            }
        }
        chain.doFilter(request, response);
    }
}
