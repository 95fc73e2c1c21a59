package org.securefhir.server.identity;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.springframework.security.oauth2.server.resource.web.BearerTokenAuthenticationEntryPoint;
import org.springframework.security.oauth2.server.resource.web.access.BearerTokenAccessDeniedHandler;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;

/**
 * 401 and 403 of the FHIR API as FHIR clients expect them: the {@code WWW-Authenticate: Bearer ...}
 * challenge of RFC 6750 and an OperationOutcome body, never an HTML page or a stack trace.
 */
final class OperationOutcomeResponses {

    private OperationOutcomeResponses() {}

    static AuthenticationEntryPoint unauthorized(RejectedRequests rejected) {
        BearerTokenAuthenticationEntryPoint challenge = new BearerTokenAuthenticationEntryPoint();
        return (request, response, exception) -> {
            rejected.unauthenticated(request, describe(exception));
            challenge.commence(request, response, exception);
            write(response, "login", "A valid bearer token is required (SMART on FHIR): " + describe(exception));
        };
    }

    static AccessDeniedHandler forbidden() {
        BearerTokenAccessDeniedHandler challenge = new BearerTokenAccessDeniedHandler();
        return (request, response, exception) -> {
            challenge.handle(request, response, exception);
            write(response, "forbidden", "The token does not allow this request");
        };
    }

    private static String describe(Exception exception) {
        String message = exception.getMessage();
        return message == null ? "missing or invalid" : message.replaceAll("[\"\\\\\\p{Cntrl}]", " ");
    }

    private static void write(HttpServletResponse response, String code, String diagnostics) throws IOException {
        response.setContentType("application/fhir+json");
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        response.getWriter()
                .write("{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\",\"code\":\"" + code
                        + "\",\"diagnostics\":\"" + diagnostics.replace("\\", "\\\\") + "\"}]}");
    }
}
