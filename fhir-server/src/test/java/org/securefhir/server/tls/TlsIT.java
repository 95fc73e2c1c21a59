package org.securefhir.server.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.securefhir.server.support.AbstractFhirServerIT;
import org.securefhir.server.support.TestFhirClient;
import org.securefhir.server.support.TestFhirClient.Response;

/**
 * TLS 1.3 and 1.2 with AEAD suites only. The test JVM re-enables TLS 1.1 and CBC suites on the
 * client side (see {@code legacy-tls-client.security}), so only the server's configuration can be
 * what refuses them.
 */
class TlsIT extends AbstractFhirServerIT {

    @Test
    void handshakeWhenTls13ThenAccepted() throws IOException {
        try (SSLSocket socket = connect(new String[] {"TLSv1.3"}, null)) {
            socket.startHandshake();
            assertThat(socket.getSession().getProtocol()).isEqualTo("TLSv1.3");
            assertThat(socket.getSession().getCipherSuite()).matches(".*(GCM|CHACHA20_POLY1305).*");
        }
    }

    @Test
    void handshakeWhenTls12ThenAcceptedWithAeadSuite() throws IOException {
        try (SSLSocket socket = connect(new String[] {"TLSv1.2"}, null)) {
            socket.startHandshake();
            assertThat(socket.getSession().getProtocol()).isEqualTo("TLSv1.2");
            assertThat(socket.getSession().getCipherSuite())
                    .matches("TLS_ECDHE_.*_(GCM_SHA\\d+|CHACHA20_POLY1305_SHA256)");
        }
    }

    @Test
    void handshakeWhenTls11ThenRefusedByServer() throws Exception {
        assertThat(clientContext().getSupportedSSLParameters().getProtocols())
                .as("the test client itself must be able to offer TLS 1.1")
                .contains("TLSv1.1");

        assertThatThrownBy(() -> {
                    try (SSLSocket socket = connect(new String[] {"TLSv1.1"}, null)) {
                        socket.startHandshake();
                    }
                })
                .isInstanceOf(IOException.class);
    }

    @Test
    void handshakeWhenOnlyCbcSuitesOfferedThenRefused() throws Exception {
        String[] cbc = Arrays.stream(clientContext().getSupportedSSLParameters().getCipherSuites())
                .filter(suite -> suite.contains("_CBC_"))
                .toArray(String[]::new);
        assertThat(cbc).isNotEmpty();

        assertThatThrownBy(() -> {
                    try (SSLSocket socket = connect(new String[] {"TLSv1.2"}, cbc)) {
                        socket.startHandshake();
                    }
                })
                .isInstanceOf(IOException.class);
    }

    @Test
    void responseWhenOverHttpsThenCarriesHstsAndNoStoreHeaders() {
        Response response = fhir().get("/metadata");

        assertThat(response.header("Strict-Transport-Security")).startsWith("max-age=31536000");
        assertThat(response.header("Cache-Control")).isEqualTo("no-store");
        assertThat(response.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(response.header("X-Powered-By")).isNull();
    }

    @Test
    void requestWhenPlainHttpThenNoFhirContentIsServed() throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write("GET /fhir/metadata HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String answer = readAll(socket.getInputStream());
            assertThat(answer).doesNotContain("CapabilityStatement").doesNotStartWith("HTTP/1.1 200");
        }
    }

    private SSLSocket connect(String[] protocols, String[] suites) throws IOException {
        SSLSocket socket = (SSLSocket) clientContext().getSocketFactory().createSocket("localhost", port);
        socket.setSoTimeout(10000);
        socket.setEnabledProtocols(protocols);
        if (suites != null) {
            socket.setEnabledCipherSuites(suites);
        }
        return socket;
    }

    private static SSLContext clientContext() {
        return TestFhirClient.trusting(certificate());
    }

    private static String readAll(InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (IOException closedOrReset) {
            return "";
        }
    }
}
