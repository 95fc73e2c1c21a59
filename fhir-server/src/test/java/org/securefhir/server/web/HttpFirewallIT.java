package org.securefhir.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.securefhir.server.support.AbstractFhirServerIT;
import org.securefhir.server.support.TestFhirClient;

/**
 * Spring Security's strict firewall stands in front of the FHIR API and the authorization server;
 * its character checks are {@link HeaderCharacters}.
 */
class HttpFirewallIT extends AbstractFhirServerIT {

    @Test
    void whenHeaderValueHoldsControlCharacterThenRefusedWithClientError() throws IOException {
        // Tomcat takes bytes 0x80-0xFF as ISO-8859-1 text; 0x85 is the control character NEL
        String answer = raw("GET /fhir/Patient?_count=1 HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                + accessToken() + "\r\nX-Probe: a\u0085b\r\nConnection: close\r\n\r\n");

        assertThat(answer).startsWith("HTTP/1.1 400");
        assertThat(answer).doesNotContain("\"resourceType\":\"Bundle\"");
    }

    @Test
    void whenHeaderValueHoldsTabOrLatinLettersThenServed() throws IOException {
        String answer = raw("GET /fhir/Patient?_count=1 HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                + accessToken() + "\r\nX-Probe: caf\u00e9\tau lait\r\nConnection: close\r\n\r\n");

        assertThat(answer).startsWith("HTTP/1.1 200");
    }

    @Test
    void whenPathHoldsEncodedSlashOrSemicolonThenRefused() {
        assertThat(anonymousFhir().get("/Patient%2Fexample").status()).isEqualTo(400);
        assertThat(anonymousFhir().get("/Patient;jsessionid=x/example").status())
                .isEqualTo(400);
    }

    private String raw(String request) throws IOException {
        try (SSLSocket socket = (SSLSocket)
                TestFhirClient.trusting(certificate()).getSocketFactory().createSocket("localhost", port)) {
            socket.setSoTimeout(10000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
