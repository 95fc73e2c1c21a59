package org.securefhir.server.database;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Profile;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * In the {@code prod} profile the connection to PostgreSQL must be TLS with the server's
 * certificate and host name verified: the JDBC URL must say {@code sslmode=verify-full} (pgjdbc;
 * {@code sslrootcert=} names the CA when it is not the JDK's). Anything weaker stops the start-up,
 * so PHI (even encrypted) and credentials never cross the network in the clear or to an
 * impostor.
 */
@Component
@Profile("prod")
@ConditionalOnProperty("spring.datasource.url")
final class DatabaseTransportCheck implements InitializingBean {

    private static final Pattern SSL_MODE = Pattern.compile("[?&]sslmode=([^&]*)");

    private final Environment environment;

    DatabaseTransportCheck(Environment environment) {
        this.environment = environment;
    }

    @Override
    public void afterPropertiesSet() {
        check(environment.getProperty("spring.datasource.url", ""));
    }

    static void check(String url) {
        Matcher mode = SSL_MODE.matcher(url.toLowerCase(Locale.ROOT));
        if (!mode.find() || !"verify-full".equals(mode.group(1))) {
            throw new IllegalStateException("The 'prod' profile requires TLS to PostgreSQL with the server"
                    + " verified: add sslmode=verify-full (and sslrootcert=<CA file> if needed) to"
                    + " spring.datasource.url");
        }
    }
}
