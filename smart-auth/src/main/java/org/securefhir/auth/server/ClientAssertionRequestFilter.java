package org.securefhir.auth.server;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.text.ParseException;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Prepares token requests that authenticate the client with a JWT assertion (RFC 7523), and
 * refuses a public client's code exchange without a PKCE verifier with {@code invalid_grant}.
 *
 * <p>An assertion of another type than {@value #JWT_BEARER} is refused here with {@code
 * invalid_client} (RFC 7521 §4.2.1); Spring Authorization Server would ignore it and answer with an
 * empty 401.
 *
 * <p>SMART Backend Services (and RFC 7523) clients post a client assertion without a {@code client_id}
 * parameter; Spring Authorization Server requires one to find the client. For token-endpoint
 * requests that carry a {@code client_assertion} but no {@code client_id}, this filter supplies
 * the assertion's {@code iss} as the client id when {@code iss} equals {@code sub}. Nothing is
 * trusted by this: the assertion's signature and claims are then checked against that client's
 * registered keys as usual ({@code ClientAssertionDecoders}).
 */
final class ClientAssertionRequestFilter extends OncePerRequestFilter {

    static final String JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    private final String tokenPath;

    ClientAssertionRequestFilter(String tokenPath) {
        this.tokenPath = tokenPath;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (!"POST".equals(request.getMethod()) || !tokenPath.equals(request.getRequestURI())) {
            chain.doFilter(request, response);
            return;
        }
        String type = request.getParameter("client_assertion_type");
        if ((type != null || request.getParameter("client_assertion") != null) && !JWT_BEARER.equals(type)) {
            error(
                    response,
                    HttpServletResponse.SC_UNAUTHORIZED,
                    "invalid_client",
                    "client_assertion_type must be " + JWT_BEARER);
            return;
        }
        if ("authorization_code".equals(request.getParameter("grant_type"))
                && request.getParameter("code_verifier") == null
                && request.getHeader("Authorization") == null
                && request.getParameter("client_secret") == null
                && type == null) {
            // A public client without its PKCE verifier: RFC 7636 §4.6 says invalid_grant (Spring
            // Authorization Server would not recognise the client at all and say invalid_client).
            error(response, HttpServletResponse.SC_BAD_REQUEST, "invalid_grant", "code_verifier is required (PKCE)");
            return;
        }
        if (request.getParameter("client_id") != null) {
            chain.doFilter(request, response);
            return;
        }
        String[] assertions = request.getParameterValues("client_assertion");
        String clientId = assertions != null && assertions.length == 1 ? issuer(assertions[0]) : null;
        chain.doFilter(clientId == null ? request : new WithClientId(request, clientId), response);
    }

    private static void error(HttpServletResponse response, int status, String error, String description)
            throws IOException {
        response.setStatus(status);
        response.setHeader("Cache-Control", "no-store");
        response.setContentType("application/json");
        response.getWriter().write("{\"error\":\"" + error + "\",\"error_description\":\"" + description + "\"}");
    }

    private static String issuer(String assertion) {
        try {
            JWTClaimsSet claims = SignedJWT.parse(assertion).getJWTClaimsSet();
            String issuer = claims.getIssuer();
            return issuer != null && !issuer.isBlank() && issuer.length() <= 100 && issuer.equals(claims.getSubject())
                    ? issuer
                    : null;
        } catch (ParseException e) {
            return null; // refused later as an invalid assertion
        }
    }

    private static final class WithClientId extends HttpServletRequestWrapper {

        private final String clientId;

        WithClientId(HttpServletRequest request, String clientId) {
            super(request);
            this.clientId = Objects.requireNonNull(clientId);
        }

        @Override
        public String getParameter(String name) {
            return "client_id".equals(name) ? clientId : super.getParameter(name);
        }

        @Override
        public String[] getParameterValues(String name) {
            return "client_id".equals(name) ? new String[] {clientId} : super.getParameterValues(name);
        }

        @Override
        public Map<String, String[]> getParameterMap() {
            Map<String, String[]> parameters = new LinkedHashMap<>(super.getParameterMap());
            parameters.put("client_id", new String[] {clientId});
            return Collections.unmodifiableMap(parameters);
        }

        @Override
        public Enumeration<String> getParameterNames() {
            return Collections.enumeration(getParameterMap().keySet());
        }
    }
}
