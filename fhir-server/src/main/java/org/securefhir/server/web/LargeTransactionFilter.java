package org.securefhir.server.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * After the bearer token is verified and before anything reads the body: a body above the general
 * limit is accepted only as a batch or transaction from a token acting under one of the roles
 * allowed to send large transactions (by default the integration backend, loading an EHR's or
 * Synthea's data); anyone else gets the same 413 as before the token was known. HAPI holds a
 * transaction's parsed bundle in memory (about ten times its size), so large transactions are
 * processed at most {@code atOnce} at a time per node: the heap they need is bounded by
 * configuration, not by how many clients send one. One more waits (before its body is read) up to
 * {@code wait}, then gets 503 with Retry-After.
 */
final class LargeTransactionFilter extends OncePerRequestFilter {

    private final long maxBytes;
    private final String rolesClaim;
    private final Set<String> roles;
    private final OperationOutcomeWriter outcomes;
    private final java.util.concurrent.Semaphore running;
    private final java.time.Duration wait;

    LargeTransactionFilter(
            long maxBytes,
            String rolesClaim,
            Set<String> roles,
            int atOnce,
            java.time.Duration wait,
            OperationOutcomeWriter outcomes) {
        this.maxBytes = maxBytes;
        this.rolesClaim = rolesClaim;
        this.roles = Set.copyOf(roles);
        this.running = new java.util.concurrent.Semaphore(atOnce, true);
        this.wait = wait;
        this.outcomes = outcomes;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (request.getContentLengthLong() > maxBytes
                && !(RequestBodyLimitFilter.isTransaction(request) && mayBeLarge())) {
            RequestBodyLimitFilter.refuse(outcomes, response, maxBytes);
            return;
        }
        if (request.getContentLengthLong() <= maxBytes) {
            chain.doFilter(request, response);
            return;
        }
        boolean admitted;
        try {
            admitted = running.tryAcquire(wait.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            admitted = false;
        }
        if (!admitted) {
            response.setHeader("Retry-After", Long.toString(Math.max(1, wait.toSeconds())));
            response.setHeader("Connection", "close");
            outcomes.write(
                    response,
                    HttpServletResponse.SC_SERVICE_UNAVAILABLE,
                    "transient",
                    "Other large transactions are being processed; retry after the time in Retry-After");
            return;
        }
        try {
            chain.doFilter(request, response);
        } finally {
            running.release();
        }
    }

    private boolean mayBeLarge() {
        Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
        if (!(authentication instanceof JwtAuthenticationToken jwt)) {
            return false;
        }
        List<String> granted = jwt.getToken().getClaimAsStringList(rolesClaim);
        return granted != null && granted.stream().anyMatch(roles::contains);
    }
}
