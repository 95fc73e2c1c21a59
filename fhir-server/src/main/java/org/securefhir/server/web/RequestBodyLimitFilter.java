package org.securefhir.server.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import org.securefhir.server.fhir.FhirEndpointConfig;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses request bodies larger than the configured limit with 413 and an OperationOutcome, before
 * anything parses them. A declared {@code Content-Length} is checked up front; a body sent without
 * one (HTTP/1.1 chunked, HTTP/2 without content-length) is read into memory up to the limit and
 * refused as soon as it exceeds it, so at most limit + 1 bytes are held per request.
 *
 * <p>A batch or transaction (POST to the FHIR base) with a declared length up to the transaction
 * limit is let through unread: whether its sender may send that much is known only once its token
 * is verified, which {@link LargeTransactionFilter} checks before anything reads the body.
 */
final class RequestBodyLimitFilter extends OncePerRequestFilter {

    private final long maxBytes;
    private final long maxTransactionBytes;
    private final OperationOutcomeWriter outcomes;

    RequestBodyLimitFilter(long maxBytes, long maxTransactionBytes, OperationOutcomeWriter outcomes) {
        this.maxBytes = maxBytes;
        this.maxTransactionBytes = maxTransactionBytes;
        this.outcomes = outcomes;
    }

    /** A POST to the FHIR base itself: a batch or transaction. */
    static boolean isTransaction(HttpServletRequest request) {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        String base = FhirEndpointConfig.FHIR_PATH;
        return "POST".equals(request.getMethod()) && (base.equals(path) || (base + "/").equals(path));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        long declared = request.getContentLengthLong();
        if (declared > maxBytes && !(declared <= maxTransactionBytes && isTransaction(request))) {
            refuse(response, maxBytes);
            return;
        }
        if (declared >= 0 || !mayHaveBody(request)) {
            chain.doFilter(request, response);
            return;
        }
        byte[] body = readAtMost(request.getInputStream(), maxBytes + 1);
        if (body.length > maxBytes) {
            refuse(response, maxBytes);
            return;
        }
        chain.doFilter(new BufferedBodyRequest(request, body), response);
    }

    private void refuse(HttpServletResponse response, long limit) throws IOException {
        refuse(outcomes, response, limit);
    }

    static void refuse(OperationOutcomeWriter outcomes, HttpServletResponse response, long limit) throws IOException {
        response.setHeader("Connection", "close");
        outcomes.write(
                response,
                HttpServletResponse.SC_REQUEST_ENTITY_TOO_LARGE,
                "too-costly",
                "Request body exceeds the limit of " + limit + " bytes");
    }

    /**
     * A body of unknown length: HTTP/1.1 chunked, or HTTP/2 DATA frames without a content-length.
     * Only methods that carry a FHIR body are buffered; HAPI never reads the body of the others.
     */
    private static boolean mayHaveBody(HttpServletRequest request) {
        String method = request.getMethod();
        return "POST".equals(method) || "PUT".equals(method) || "PATCH".equals(method);
    }

    private static byte[] readAtMost(InputStream in, long limit) throws IOException {
        return in.readNBytes((int) Math.min(limit, Integer.MAX_VALUE - 8));
    }

    /** A request whose body has been read into memory already. */
    private static final class BufferedBodyRequest extends HttpServletRequestWrapper {

        private final byte[] body;

        BufferedBodyRequest(HttpServletRequest request, byte[] body) {
            super(request);
            this.body = body;
        }

        @Override
        public int getContentLength() {
            return body.length;
        }

        @Override
        public long getContentLengthLong() {
            return body.length;
        }

        @Override
        public ServletInputStream getInputStream() {
            ByteArrayInputStream in = new ByteArrayInputStream(body);
            return new ServletInputStream() {
                @Override
                public int read() {
                    return in.read();
                }

                @Override
                public int read(byte[] buffer, int offset, int length) {
                    return in.read(buffer, offset, length);
                }

                @Override
                public boolean isFinished() {
                    return in.available() == 0;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    throw new UnsupportedOperationException("Asynchronous reads are not supported");
                }
            };
        }

        @Override
        public BufferedReader getReader() {
            String encoding = getCharacterEncoding();
            Charset charset = encoding == null ? StandardCharsets.UTF_8 : Charset.forName(encoding);
            return new BufferedReader(new InputStreamReader(getInputStream(), charset));
        }
    }
}
