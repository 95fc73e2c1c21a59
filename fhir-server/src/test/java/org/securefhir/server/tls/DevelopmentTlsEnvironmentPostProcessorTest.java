package org.securefhir.server.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.apache.commons.logging.impl.NoOpLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.mock.env.MockEnvironment;

class DevelopmentTlsEnvironmentPostProcessorTest {

    private static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");

    @TempDir
    Path dataDir;

    @Test
    void postProcessWhenNothingConfiguredThenGeneratesCertificateAndPointsServerAtIt() throws Exception {
        MockEnvironment environment = environment();

        processor(NOW).postProcessEnvironment(environment, new SpringApplication());

        Path certificate = dataDir.resolve("tls/server.crt");
        Path key = dataDir.resolve("tls/server.key");
        assertThat(environment.getProperty("server.ssl.certificate"))
                .isEqualTo(certificate.toUri().toString());
        assertThat(environment.getProperty("server.ssl.certificate-private-key"))
                .isEqualTo(key.toUri().toString());
        assertThat(Files.getPosixFilePermissions(key))
                .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        X509Certificate parsed = read(certificate);
        assertThat(parsed.getSubjectX500Principal().getName()).contains("CN=localhost");
        assertThat(parsed.getSubjectAlternativeNames())
                .extracting(entry -> (Object) entry.get(1))
                .contains("localhost", InetAddress.getLoopbackAddress().getHostAddress());
        assertThat(parsed.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
        assertThat(parsed.getBasicConstraints()).isEqualTo(-1);
        assertThat(parsed.getPublicKey().getAlgorithm()).isEqualTo("EC");
        assertThat(parsed.getNotAfter().toInstant()).isAfter(NOW.plus(Duration.ofDays(365)));
        assertThat(Files.readString(key)).startsWith("-----BEGIN PRIVATE KEY-----");
    }

    @Test
    void postProcessWhenCertificateExistsAndIsValidThenReusesIt() throws Exception {
        processor(NOW).postProcessEnvironment(environment(), new SpringApplication());
        byte[] first = Files.readAllBytes(dataDir.resolve("tls/server.crt"));

        processor(NOW.plus(Duration.ofDays(10))).postProcessEnvironment(environment(), new SpringApplication());

        assertThat(Files.readAllBytes(dataDir.resolve("tls/server.crt"))).isEqualTo(first);
    }

    @Test
    void postProcessWhenCertificateIsAboutToExpireThenRenewsIt() throws Exception {
        processor(NOW).postProcessEnvironment(environment(), new SpringApplication());
        byte[] first = Files.readAllBytes(dataDir.resolve("tls/server.crt"));

        processor(NOW.plus(Duration.ofDays(800))).postProcessEnvironment(environment(), new SpringApplication());

        assertThat(Files.readAllBytes(dataDir.resolve("tls/server.crt"))).isNotEqualTo(first);
    }

    @Test
    void postProcessWhenOperatorConfiguredCertificateThenLeavesItAlone() {
        MockEnvironment environment = environment()
                .withProperty("server.ssl.certificate", "file:/etc/pki/fhir.crt")
                .withProperty("server.ssl.certificate-private-key", "file:/etc/pki/fhir.key");

        processor(NOW).postProcessEnvironment(environment, new SpringApplication());

        assertThat(environment.getProperty("server.ssl.certificate")).isEqualTo("file:/etc/pki/fhir.crt");
        assertThat(dataDir.resolve("tls")).doesNotExist();
    }

    @Test
    void postProcessWhenProductionProfileWithoutCertificateThenGeneratesNone() {
        MockEnvironment environment = environment();
        environment.setActiveProfiles("prod");

        processor(NOW).postProcessEnvironment(environment, new SpringApplication()); // ProductionGuard refuses

        assertThat(environment.getProperty("server.ssl.certificate")).isNull();
        assertThat(dataDir.resolve("tls")).doesNotExist();
    }

    @Test
    void postProcessWhenProductionProfileWithKeyStoreThenAccepted() {
        MockEnvironment environment = environment().withProperty("server.ssl.key-store", "file:/etc/pki/fhir.p12");
        environment.setActiveProfiles("prod");

        processor(NOW).postProcessEnvironment(environment, new SpringApplication());

        assertThat(environment.getProperty("server.ssl.key-store")).isEqualTo("file:/etc/pki/fhir.p12");
    }

    @Test
    void postProcessWhenTlsDisabledThenRefusesToStart() {
        MockEnvironment environment = environment().withProperty("server.ssl.enabled", "false");

        assertThatThrownBy(() -> processor(NOW).postProcessEnvironment(environment, new SpringApplication()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("only listens over HTTPS");
    }

    private MockEnvironment environment() {
        return new MockEnvironment().withProperty("fhir.data-dir", dataDir.toString());
    }

    private static DevelopmentTlsEnvironmentPostProcessor processor(Instant now) {
        return new DevelopmentTlsEnvironmentPostProcessor(new NoOpLog(), Clock.fixed(now, ZoneOffset.UTC));
    }

    private static X509Certificate read(Path certificate) throws Exception {
        try (InputStream in = Files.newInputStream(certificate)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }
}
