package org.securefhir.auth.server;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.util.Set;
import org.springframework.security.web.util.UrlUtils;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Pins the authorization server to its one configured issuer. Spring Authorization Server derives
 * the issuer of a request from its URL when the issuer has a path ({@code /auth}); without this
 * guard a forged {@code Host} header or an extra path segment would make it answer, and sign, as
 * another issuer. Requests whose origin or path prefix differ get 404.
 */
final class IssuerGuardFilter extends OncePerRequestFilter {

    private final String origin;
    private final String path;
    private final Set<String> endpoints;

    IssuerGuardFilter(String issuer, Set<String> endpoints) {
        URI uri = URI.create(issuer);
        this.origin = uri.getScheme() + "://" + uri.getAuthority();
        this.path = uri.getPath();
        this.endpoints = Set.copyOf(endpoints);
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        URI requestUri = URI.create(UrlUtils.buildFullRequestUrl(request));
        String requestOrigin = requestUri.getScheme() + "://" + requestUri.getRawAuthority();
        String requestPath = request.getRequestURI();
        boolean ours = origin.equalsIgnoreCase(requestOrigin)
                && requestPath.startsWith(path + "/")
                && endpoints.contains(requestPath.substring(path.length()));
        if (!ours) {
            response.sendError(HttpServletResponse.SC_NOT_FOUND);
            return;
        }
        chain.doFilter(request, response);
    }
}
