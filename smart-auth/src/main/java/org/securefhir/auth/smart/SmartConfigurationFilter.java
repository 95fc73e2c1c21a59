package org.securefhir.auth.smart;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Serves the SMART configuration document with CORS open to any origin (it is public metadata that
 * browser apps fetch before they know anything else). Map it to exactly
 * {@code /fhir/.well-known/smart-configuration}.
 */
public final class SmartConfigurationFilter extends OncePerRequestFilter {

    private final byte[] document;

    public SmartConfigurationFilter(String issuer) {
        try {
            this.document = new ObjectMapper().writeValueAsBytes(SmartConfiguration.document(issuer));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        response.setHeader("Access-Control-Allow-Origin", "*");
        if ("OPTIONS".equals(request.getMethod())) {
            response.setHeader("Access-Control-Allow-Methods", "GET, OPTIONS");
            response.setStatus(HttpServletResponse.SC_NO_CONTENT);
            return;
        }
        if (!"GET".equals(request.getMethod()) && !"HEAD".equals(request.getMethod())) {
            response.sendError(HttpServletResponse.SC_METHOD_NOT_ALLOWED);
            return;
        }
        response.setContentType("application/json");
        response.setContentLength(document.length);
        response.getOutputStream().write(document);
    }
}
