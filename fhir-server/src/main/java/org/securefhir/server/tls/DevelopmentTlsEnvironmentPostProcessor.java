package org.securefhir.server.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.apache.commons.logging.Log;
import org.securefhir.server.ProductionGuard;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.config.ConfigDataEnvironmentPostProcessor;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.boot.logging.DeferredLogFactory;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.util.StringUtils;

/**
 * Makes HTTPS the only way in. Runs before the web server is created:
 *
 * <ul>
 *   <li>refuses to start when TLS is switched off ({@code server.ssl.enabled=false});
 *   <li>uses the certificate or key store the operator configured, if any;
 *   <li>otherwise, outside the {@code prod} profile, generates a self-signed development
 *       certificate into {@code <fhir.data-dir>/tls/} on first start and reuses it afterwards
 *       (renewed when it is about to expire);
 *   <li>in the {@code prod} profile never generates one ({@link ProductionGuard} refuses to start
 *       without a configured certificate).
 * </ul>
 *
 * See {@code docs/adr/0003-tls-by-default.md}.
 */
public final class DevelopmentTlsEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

    private static final String PROPERTY_SOURCE = "developmentTlsCertificate";
    private static final Duration RENEW_BEFORE_EXPIRY = Duration.ofDays(30);

    private final Log log;
    private final Clock clock;

    public DevelopmentTlsEnvironmentPostProcessor(DeferredLogFactory logFactory) {
        this(logFactory.getLog(DevelopmentTlsEnvironmentPostProcessor.class), Clock.systemUTC());
    }

    DevelopmentTlsEnvironmentPostProcessor(Log log, Clock clock) {
        this.log = log;
        this.clock = clock;
    }

    @Override
    public int getOrder() {
        return ConfigDataEnvironmentPostProcessor.ORDER + 2; // after ProductionGuard
    }

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (!environment.getProperty("server.ssl.enabled", Boolean.class, true)) {
            throw new IllegalStateException(
                    "server.ssl.enabled=false is not supported: this server only listens over HTTPS");
        }
        if (tlsMaterialConfigured(environment)) {
            return;
        }
        if (ProductionGuard.production(environment)) {
            return; // ProductionGuard, which runs first, has refused the start
        }
        Path directory =
                Path.of(environment.getProperty("fhir.data-dir", "data"), "tls").toAbsolutePath();
        Path certificate = directory.resolve(SelfSignedCertificateGenerator.CERTIFICATE_FILE);
        Path privateKey = directory.resolve(SelfSignedCertificateGenerator.PRIVATE_KEY_FILE);
        try {
            if (!usable(certificate, privateKey)) {
                new SelfSignedCertificateGenerator(clock).generate(directory);
                log.warn("Generated a self-signed DEVELOPMENT TLS certificate in " + directory
                        + " (not for production: configure server.ssl.* there)");
            }
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("Cannot create the development TLS certificate in " + directory, e);
        }
        environment
                .getPropertySources()
                .addLast(new MapPropertySource(
                        PROPERTY_SOURCE,
                        Map.of(
                                "server.ssl.certificate", certificate.toUri().toString(),
                                "server.ssl.certificate-private-key",
                                        privateKey.toUri().toString())));
    }

    private static boolean tlsMaterialConfigured(ConfigurableEnvironment environment) {
        return StringUtils.hasText(environment.getProperty("server.ssl.certificate"))
                || StringUtils.hasText(environment.getProperty("server.ssl.key-store"))
                || StringUtils.hasText(environment.getProperty("server.ssl.bundle"));
    }

    private boolean usable(Path certificate, Path privateKey) throws IOException {
        if (!Files.isRegularFile(certificate) || !Files.isRegularFile(privateKey)) {
            return false;
        }
        try (InputStream in = Files.newInputStream(certificate)) {
            X509Certificate parsed =
                    (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
            Instant renewAt = parsed.getNotAfter().toInstant().minus(RENEW_BEFORE_EXPIRY);
            return clock.instant().isBefore(renewAt);
        } catch (GeneralSecurityException unreadable) {
            return false;
        }
    }
}
