package org.securefhir.server.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.UUID;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.junit.jupiter.api.Test;
import org.securefhir.server.FhirServerApplication;
import org.securefhir.server.support.AbstractFhirServerIT;
import org.securefhir.server.support.TestFhirClient;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.servlet.context.ServletWebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The documented deployment settings, on a server of their own: TLS 1.3 only (for policies that
 * demand it; HIPAA guidance allows 1.2), and a trusted reverse proxy whose X-Forwarded-For names the
 * client the audit trail (and the login rate limits) see.
 */
class DeploymentSettingsIT {

    @Test
    void whenTls13OnlyAndATrustedProxyThenTls12RefusedAndTheProxysClientAudited() throws Exception {
        Path dataDir = AbstractFhirServerIT.freshDirectory("deploy-");
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(FhirServerApplication.class)
                .run(
                        "--fhir.data-dir=" + dataDir,
                        "--server.port=" + AbstractFhirServerIT.freePort(),
                        "--server.ssl.enabled-protocols=TLSv1.3",
                        "--server.tomcat.remoteip.internal-proxies=127\\.0\\.0\\.1")) {
            int port = ((ServletWebServerApplicationContext) context)
                    .getWebServer()
                    .getPort();
            Path certificate = dataDir.resolve("tls").resolve("server.crt");
            SSLContext ssl = TestFhirClient.trusting(certificate);

            try (SSLSocket tls13 = connect(ssl, port, "TLSv1.3")) {
                tls13.startHandshake();
                assertThat(tls13.getSession().getProtocol()).isEqualTo("TLSv1.3");
            }
            assertThatThrownBy(() -> {
                        try (SSLSocket tls12 = connect(ssl, port, "TLSv1.2")) {
                            tls12.startHandshake();
                        }
                    })
                    .isInstanceOf(javax.net.ssl.SSLException.class);

            String id = "proxied-" + UUID.randomUUID().toString().substring(0, 8);
            TestFhirClient fhir = AbstractFhirServerIT.fhirOf(context, certificate);
            fhir.get("/Patient/" + id, "X-Forwarded-For", "203.0.113.9");
            Bundle found = fhir.get("/AuditEvent?entity=Patient/" + id).as(Bundle.class);
            assertThat(found.getEntry())
                    .singleElement()
                    .satisfies(entry -> assertThat(((AuditEvent) entry.getResource())
                                    .getAgentFirstRep()
                                    .getNetwork()
                                    .getAddress())
                            .isEqualTo("203.0.113.9"));
        }
    }

    private static SSLSocket connect(SSLContext ssl, int port, String protocol) throws java.io.IOException {
        SSLSocket socket = (SSLSocket) ssl.getSocketFactory().createSocket("localhost", port);
        socket.setEnabledProtocols(new String[] {protocol});
        return socket;
    }
}
