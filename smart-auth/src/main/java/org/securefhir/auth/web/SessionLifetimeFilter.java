package org.securefhir.auth.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Ends a login session at its absolute lifetime (12 hours by default), however active it is; the
 * idle timeout (15 minutes) is the servlet container's. Session ids are renewed at login, which
 * keeps the creation time, so the lifetime counts from the first request of the session.
 */
public final class SessionLifetimeFilter extends OncePerRequestFilter {

    private final Duration maxLifetime;
    private final Clock clock;

    public SessionLifetimeFilter(Duration maxLifetime, Clock clock) {
        this.maxLifetime = maxLifetime;
        this.clock = clock;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        HttpSession session = request.getSession(false);
        if (session != null && clock.millis() - session.getCreationTime() > maxLifetime.toMillis()) {
            session.invalidate();
        }
        chain.doFilter(request, response);
    }
}
