package org.securefhir.server.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;
import org.securefhir.server.FhirServerApplication;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.servlet.context.ServletWebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;

/**
 * Base of the application integration tests: the real server (embedded PostgreSQL, generated TLS
 * certificate, HTTPS on a free port) started once per test JVM and shared through Spring's test
 * context cache. Tests isolate themselves with unique identifiers, never by resetting state.
 */
@SpringBootTest(
        classes = FhirServerApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT,
        // Inlined (not dynamic) so that start-up code such as the TLS set-up sees them too. A fixed
        // free port (not 0) because the authorization server's issuer URL contains it.
        properties = {
            "fhir.data-dir=${" + AbstractFhirServerIT.SHARED_DATA_DIR_PROPERTY + "}",
            "server.port=${" + AbstractFhirServerIT.SHARED_PORT_PROPERTY + "}",
            // All tests log in from 127.0.0.1 within seconds; the per-IP login rate limit itself is
            // tested in smart-auth (RateLimiterTest).
            "smart.auth.rate-limits.login-burst=10000",
            // Key rotation waits one key-cache period before it re-encrypts (EncryptionIT rotates).
            "crypto.key-cache-seconds=1",
            // ConsentIT lives through a whole break-glass declaration, expiry included.
            "consent.break-glass-duration=8s",
            // LargeTransactionIT: a second large transaction waits this long for its turn
            "fhir.server.large-transaction-wait=2s"
        })
public abstract class AbstractFhirServerIT {

    static final String SHARED_DATA_DIR_PROPERTY = "securefhir.it.shared-data-dir";
    static final String SHARED_PORT_PROPERTY = "securefhir.it.shared-port";

    /** State directory of the shared server: a fresh one per test run, under target/. */
    protected static final Path DATA_DIR = freshDirectory("shared-");

    static {
        System.setProperty(SHARED_DATA_DIR_PROPERTY, DATA_DIR.toString());
        System.setProperty(SHARED_PORT_PROPERTY, Integer.toString(freePort()));
    }

    @LocalServerPort
    protected int port;

    @Autowired
    private RegisteredClientRepository clients;

    private static TestTokens tokens;

    /** A FHIR client with a valid system token (every FHIR request needs one). */
    protected TestFhirClient fhir() {
        return new TestFhirClient(
                "https://localhost:" + port + "/fhir", TestFhirClient.trusting(certificate()), this::accessToken);
    }

    /** A FHIR client without any token. */
    protected TestFhirClient anonymousFhir() {
        return new TestFhirClient("https://localhost:" + port + "/fhir", TestFhirClient.trusting(certificate()));
    }

    /** A client of a server started by the test itself, with a system token of that server. */
    public static TestFhirClient fhirOf(ConfigurableApplicationContext context, Path certificate) {
        int port = ((ServletWebServerApplicationContext) context).getWebServer().getPort();
        SSLContext ssl = TestFhirClient.trusting(certificate);
        return new TestFhirClient(
                "https://localhost:" + port + "/fhir",
                ssl,
                new TestTokens("https://localhost:" + port, ssl, context.getBean(RegisteredClientRepository.class)));
    }

    /** A valid access token of a test backend service with {@code system/*.cruds}. */
    protected String accessToken() {
        synchronized (AbstractFhirServerIT.class) {
            if (tokens == null) {
                tokens = new TestTokens("https://localhost:" + port, TestFhirClient.trusting(certificate()), clients);
            }
        }
        return tokens.get();
    }

    protected static Path certificate() {
        return DATA_DIR.resolve("tls").resolve("server.crt");
    }

    public static int freePort() {
        try (java.net.ServerSocket socket =
                new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Path freshDirectory(String prefix) {
        try {
            Path root = Path.of("target", "it-data").toAbsolutePath();
            Files.createDirectories(root);
            return Files.createTempDirectory(root, prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
