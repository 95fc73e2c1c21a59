package org.securefhir.server;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.config.ConfigDataEnvironmentPostProcessor;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.Environment;
import org.springframework.core.env.Profiles;
import org.springframework.core.env.PropertyResolver;
import org.springframework.util.StringUtils;

/**
 * What the {@code prod} profile refuses, all in one place: checked from the configuration before
 * any bean exists (an {@link EnvironmentPostProcessor}), every refusal named in one message, so an
 * operator fixes them in one pass. Outside {@code prod} nothing here applies: development keys,
 * certificate and database are generated, and the benchmark switches may turn a safeguard off.
 * The one refusal that needs the database, a superuser login, is {@link #refuseSuperuserLogin}.
 */
public final class ProductionGuard implements EnvironmentPostProcessor, Ordered {

    public static final String PROFILE = "prod";

    private static final Pattern SSL_MODE = Pattern.compile("[?&]sslmode=([^&]*)");

    @Override
    public int getOrder() {
        // after the configuration files and variables are read, before the development TLS certificate
        return ConfigDataEnvironmentPostProcessor.ORDER + 1;
    }

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (!production(environment)) {
            return;
        }
        List<String> refused = refusals(environment);
        if (!refused.isEmpty()) {
            throw new IllegalStateException("The '" + PROFILE + "' profile refuses to start: "
                    + String.join("; ", refused) + " (docs/configuration.md)");
        }
    }

    public static boolean production(Environment environment) {
        return environment.acceptsProfiles(Profiles.of(PROFILE));
    }

    /** What the configuration would have a production server do that it must not; empty = none. */
    static List<String> refusals(ConfigurableEnvironment config) {
        List<String> refused = new ArrayList<>();
        // the benchmark switches: each turns a safeguard off
        switchedOff(config, refused, "fhir.authorization.enforce", "every valid token would reach all data");
        switchedOff(config, refused, "consent.enabled", "patients' consents would not be enforced");
        switchedOff(config, refused, "audit.enabled", "requests would not be audited");
        switchedOff(config, refused, "crypto.enabled", "PHI would be stored unencrypted");
        if (config.getProperty("smart.auth.demo", Boolean.class, false)) {
            refused.add("smart.auth.demo=true is refused (demo users and clients with published secrets)");
        }
        // keys: configured, never the generated development files under the data directory
        if (!StringUtils.hasText(config.getProperty("audit.checkpoint-key-base64"))) {
            refused.add("audit.checkpoint-key-base64 is required (the key that signs audit chain checkpoints)");
        }
        if (!StringUtils.hasText(config.getProperty("smart.auth.secret-key-base64"))) {
            refused.add("smart.auth.secret-key-base64 is required (the authorization server's secret key)");
        }
        if (!StringUtils.hasText(config.getProperty("crypto.key-store"))
                && !hasEntriesUnder(config, "crypto.key-encryption-keys")) {
            refused.add("a key-encryption key is required: crypto.key-store (PKCS#12) or"
                    + " crypto.key-encryption-keys.<version> (docs/encryption.md)");
        }
        // transport: TLS with a configured certificate, to the clients and to PostgreSQL
        if (!StringUtils.hasText(config.getProperty("server.ssl.certificate"))
                && !StringUtils.hasText(config.getProperty("server.ssl.key-store"))
                && !StringUtils.hasText(config.getProperty("server.ssl.bundle"))) {
            refused.add("a configured TLS certificate is required (server.ssl.certificate +"
                    + " server.ssl.certificate-private-key, server.ssl.key-store or server.ssl.bundle);"
                    + " the generated development certificate is refused");
        }
        String url = config.getProperty("spring.datasource.url", "");
        if (!StringUtils.hasText(url)) {
            refused.add("an external PostgreSQL is required: set SPRING_DATASOURCE_URL (and credentials);"
                    + " the embedded database is refused");
        } else if (!verifiedTls(url)) {
            refused.add("TLS to PostgreSQL with the server verified is required: add sslmode=verify-full"
                    + " (and sslrootcert=<CA file> if needed) to spring.datasource.url");
        }
        return refused;
    }

    /**
     * The server's database login must not be able to remove audit records, so {@code prod}
     * refuses a superuser (elsewhere it is warned about).
     */
    public static void refuseSuperuserLogin(Environment environment, boolean superuser) {
        if (superuser && production(environment)) {
            throw new IllegalStateException("The '" + PROFILE + "' profile refuses a superuser database login: the"
                    + " server's role must not be able to remove audit records (docs/audit.md)");
        }
    }

    /** Every {@code sslmode} of the URL is {@code verify-full} (the driver takes the last one). */
    static boolean verifiedTls(String url) {
        Matcher mode = SSL_MODE.matcher(url.toLowerCase(Locale.ROOT));
        boolean found = false;
        while (mode.find()) {
            if (!"verify-full".equals(mode.group(1))) {
                return false;
            }
            found = true;
        }
        return found;
    }

    private static void switchedOff(PropertyResolver config, List<String> refused, String property, String meaning) {
        if (!config.getProperty(property, Boolean.class, true)) {
            refused.add(property + "=false is refused (" + meaning + ")");
        }
    }

    /** A non-empty map under {@code prefix}, in any of Spring's forms (properties, variables). */
    private static boolean hasEntriesUnder(ConfigurableEnvironment config, String prefix) {
        return Binder.get(config)
                .bind(prefix, Bindable.mapOf(String.class, String.class))
                .map(entries -> entries.values().stream().anyMatch(StringUtils::hasText))
                .orElse(false);
    }
}
