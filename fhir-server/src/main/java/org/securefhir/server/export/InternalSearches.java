package org.securefhir.server.export;

import ca.uhn.fhir.rest.server.RestfulServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.core.context.SecurityContextImpl;

/**
 * Searches run inside the server as the client that kicked off an export: each GET is handed to
 * the FHIR servlet with the client's verified token as the security context, so the role policy,
 * scopes, HAPI's authorization rules, consent, decryption, element masking and audit judge it
 * exactly as they judge that client's own HTTP searches (one pipeline, no second implementation of
 * any safeguard).
 */
final class InternalSearches {

    /**
     * Who an export searches as, captured at kick-off.
     *
     * @param authentication the kick-off's verified token (Spring Security's)
     * @param base the FHIR base URL the client used
     * @param headers request headers to repeat (purpose of use, a user agent naming the export)
     * @param remoteAddress the client's address, for the audit trail
     */
    record Authority(Authentication authentication, URI base, Map<String, String> headers, String remoteAddress) {
        Authority {
            headers = Map.copyOf(headers);
        }
    }

    /** The servlet's answer. */
    record Answer(int status, byte[] body) {}

    /** The FHIR servlet (it registers the export operations, so it is looked up when first searched). */
    private final ObjectProvider<RestfulServer> servlet;

    InternalSearches(ObjectProvider<RestfulServer> servlet) {
        this.servlet = servlet;
    }

    /** @param pathAndQuery relative to the FHIR base, e.g. {@code Observation?_count=200} */
    Answer get(Authority authority, String pathAndQuery) {
        RestfulServer server = servlet.getObject();
        InternalExchange.Request request = InternalExchange.get(
                server.getServletContext(),
                authority.base(),
                pathAndQuery,
                authority.headers(),
                authority.remoteAddress());
        InternalExchange.Response response = InternalExchange.response();
        SecurityContext previous = SecurityContextHolder.getContext();
        SecurityContextHolder.setContext(new SecurityContextImpl(authority.authentication()));
        try {
            server.service(request, response);
        } catch (jakarta.servlet.ServletException e) {
            throw new IllegalStateException("internal search failed", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            SecurityContextHolder.setContext(previous);
        }
        return new Answer(response.status(), response.body());
    }
}
