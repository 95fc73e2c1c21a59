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
 * Synthea's data); anyone else gets the same 413 as before the token was known.
 */
final class LargeTransactionFilter extends OncePerRequestFilter {

    private final long maxBytes;
    private final String rolesClaim;
    private final Set<String> roles;
    private final OperationOutcomeWriter outcomes;

    LargeTransactionFilter(long maxBytes, String rolesClaim, Set<String> roles, OperationOutcomeWriter outcomes) {
        this.maxBytes = maxBytes;
        this.rolesClaim = rolesClaim;
        this.roles = Set.copyOf(roles);
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
        chain.doFilter(request, response);
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
