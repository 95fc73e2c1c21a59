package org.securefhir.server.support;

import ca.uhn.fhir.context.FhirContext;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * A small FHIR-over-HTTPS client for the integration tests: real TLS to the started server,
 * trusting only the server's certificate.
 */
public final class TestFhirClient {

    public static final String FHIR_JSON = "application/fhir+json";

    private static final FhirContext FHIR = FhirContext.forR4Cached();

    private final String baseUrl;
    private final HttpClient http;
    private final Supplier<String> bearer;

    /** A client without a token (for public endpoints and for tests of the 401). */
    public TestFhirClient(String baseUrl, SSLContext sslContext) {
        this(baseUrl, sslContext, null);
    }

    /** A client that sends {@code Authorization: Bearer <token>} with every request. */
    public TestFhirClient(String baseUrl, SSLContext sslContext, Supplier<String> bearer) {
        this.baseUrl = baseUrl;
        this.bearer = bearer;
        this.http = HttpClient.newBuilder()
                .sslContext(sslContext)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    /** Trusts exactly the PEM certificate at {@code certificate}. */
    public static SSLContext trusting(Path certificate) {
        try (InputStream in = Files.newInputStream(certificate)) {
            Certificate cert = CertificateFactory.getInstance("X.509").generateCertificate(in);
            KeyStore trustStore = KeyStore.getInstance(KeyStore.getDefaultType());
            trustStore.load(null, null);
            trustStore.setCertificateEntry("server", cert);
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trustStore);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("Cannot trust " + certificate, e);
        }
    }

    public static FhirContext fhir() {
        return FHIR;
    }

    public String baseUrl() {
        return baseUrl;
    }

    public Response get(String path, String... headers) {
        return send("GET", path, null, null, headers);
    }

    public Response delete(String path, String... headers) {
        return send("DELETE", path, null, null, headers);
    }

    public Response post(String path, IBaseResource resource, String... headers) {
        return send("POST", path, FHIR_JSON, encode(resource), headers);
    }

    /** POSTs a resource that must be created (201) and returns its new logical id. */
    public String create(String path, IBaseResource resource) {
        Response response = post(path, resource);
        if (response.status() != 201) {
            throw new IllegalStateException("Expected 201 from POST " + path + " but got " + response);
        }
        return FHIR.newJsonParser()
                .parseResource(response.body())
                .getIdElement()
                .getIdPart();
    }

    public Response put(String path, IBaseResource resource, String... headers) {
        return send("PUT", path, FHIR_JSON, encode(resource), headers);
    }

    public Response send(String method, String path, String contentType, String body, String... headers) {
        return sendBytes(
                method,
                path,
                contentType,
                body == null ? null : body.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                headers);
    }

    public Response sendBytes(String method, String path, String contentType, byte[] body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create(path.startsWith("https://") ? path : baseUrl + path))
                .timeout(Duration.ofSeconds(60))
                .method(
                        method,
                        body == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Accept", FHIR_JSON);
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        if (bearer != null) {
            request.setHeader("Authorization", "Bearer " + bearer.get());
        }
        for (int i = 0; i < headers.length; i += 2) {
            request.setHeader(headers[i], headers[i + 1]);
        }
        HttpRequest built = request.build();
        try {
            return exchange(built);
        } catch (HttpTimeoutException e) {
            throw new IllegalStateException(method + " " + path + " failed: " + e, e);
        } catch (IOException e) {
            if (!"GET".equals(method)) {
                throw new IllegalStateException(method + " " + path + " failed: " + e, e);
            }
            // The server closes an HTTP/2 connection idle for its keep-alive time (GOAWAY); a
            // request sent on it at that moment fails in the JDK 17 client before the server read
            // it. Browsers and FHIR clients retry such an idempotent request once; so do we.
            System.err.println("GET " + path + " retried once after: " + e);
            try {
                return exchange(built);
            } catch (IOException again) {
                again.addSuppressed(e);
                throw new IllegalStateException(method + " " + path + " failed: " + again, again);
            }
        }
    }

    private Response exchange(HttpRequest request) throws IOException {
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.headers().map(), response.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * POSTs a large body over HTTP/1.1 with {@code Expect: 100-continue}, as well-behaved clients
     * do, so that a refusal can arrive before the body is sent; {@code chunked} sends it without a
     * Content-Length.
     */
    public Response sendLarge(String path, byte[] body, boolean chunked) {
        return sendLarge(path, body, chunked, HttpClient.Version.HTTP_1_1);
    }

    public Response sendLarge(String path, byte[] body, boolean chunked, HttpClient.Version version) {
        HttpClient client = HttpClient.newBuilder()
                .sslContext(http.sslContext())
                .version(version)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
        HttpRequest.BodyPublisher publisher = chunked
                ? HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(body))
                : HttpRequest.BodyPublishers.ofByteArray(body);
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(Duration.ofSeconds(60))
                .expectContinue(!chunked && version == HttpClient.Version.HTTP_1_1)
                .header("Accept", FHIR_JSON)
                .header("Content-Type", FHIR_JSON)
                .POST(publisher);
        if (bearer != null) {
            builder.header("Authorization", "Bearer " + bearer.get());
        }
        HttpRequest request = builder.build();
        try {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.headers().map(), response.body());
        } catch (IOException e) {
            throw new IllegalStateException("POST " + path + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static String encode(IBaseResource resource) {
        return FHIR.newJsonParser().encodeResourceToString(resource);
    }

    /** An HTTP response with helpers to parse its FHIR body. */
    public record Response(int status, Map<String, java.util.List<String>> headers, String body) {

        public String header(String name) {
            return headers.entrySet().stream()
                    .filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0))
                    .findFirst()
                    .orElse(null);
        }

        public <T extends IBaseResource> T as(Class<T> type) {
            return FHIR.newJsonParser().parseResource(type, body);
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }
}
