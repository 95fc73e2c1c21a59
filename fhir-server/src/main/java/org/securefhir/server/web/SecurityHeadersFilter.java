package org.securefhir.server.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Adds the response headers every answer of a PHI server carries: HSTS (the server is HTTPS-only),
 * no MIME sniffing, no framing, no referrer, and no caching of responses by browsers or proxies; the
 * clinician app at {@code /app/} gets its own strict policy ({@link #APP_CSP}). It also drops
 * {@code X-Powered-By}, which would disclose the exact HAPI FHIR version.
 */
final class SecurityHeadersFilter extends OncePerRequestFilter {

    static final String HSTS = "max-age=31536000; includeSubDomains";
    static final String API_CSP = "default-src 'none'; frame-ancestors 'none'";
    /** The authorization server's pages: inline styles and the QR code image, nothing else. */
    static final String AUTH_PAGES_CSP =
            "default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'";

    /**
     * The clinician app: its own scripts, styles, images and fonts only; no inline script or style
     * element, no eval; it talks to this origin only; never framed.
     */
    static final String APP_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
            + " font-src 'self'; connect-src 'self'; manifest-src 'self'; form-action 'self';"
            + " frame-ancestors 'none'; base-uri 'none'";

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (request.isSecure()) {
            response.setHeader("Strict-Transport-Security", HSTS);
        }
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("X-Frame-Options", "DENY");
        response.setHeader("Referrer-Policy", "no-referrer");
        String path = request.getRequestURI();
        response.setHeader(
                "Content-Security-Policy",
                path.startsWith("/auth/") ? AUTH_PAGES_CSP : path.startsWith("/app/") ? APP_CSP : API_CSP);
        response.setHeader("Cache-Control", "no-store");
        response.setHeader("Pragma", "no-cache");
        chain.doFilter(request, new WithoutVersionBanner(response));
    }

    private static final class WithoutVersionBanner extends HttpServletResponseWrapper {

        WithoutVersionBanner(HttpServletResponse response) {
            super(response);
        }

        @Override
        public void setHeader(String name, String value) {
            if (!isBanner(name)) {
                super.setHeader(name, value);
            }
        }

        @Override
        public void addHeader(String name, String value) {
            if (!isBanner(name)) {
                super.addHeader(name, value);
            }
        }

        private static boolean isBanner(String name) {
            return "X-Powered-By".equalsIgnoreCase(name);
        }
    }
}
