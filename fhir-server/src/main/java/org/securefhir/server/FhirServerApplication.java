package org.securefhir.server;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.actuate.autoconfigure.observation.ObservationAutoConfiguration;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.elasticsearch.ElasticsearchRestClientAutoConfiguration;
import org.springframework.boot.autoconfigure.flyway.FlywayAutoConfiguration;
import org.springframework.boot.autoconfigure.gson.GsonAutoConfiguration;
import org.springframework.boot.autoconfigure.orm.jpa.HibernateJpaAutoConfiguration;
import org.springframework.boot.autoconfigure.quartz.QuartzAutoConfiguration;
import org.springframework.boot.autoconfigure.security.servlet.UserDetailsServiceAutoConfiguration;
import org.springframework.boot.autoconfigure.websocket.servlet.WebSocketMessagingAutoConfiguration;
import org.springframework.boot.autoconfigure.websocket.servlet.WebSocketServletAutoConfiguration;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * The secure FHIR R4 server: HAPI FHIR JPA on PostgreSQL, served over HTTPS only.
 *
 * <p>Excluded auto-configurations: Boot's JPA (HAPI needs its own entity manager factory, see
 * {@link org.securefhir.server.fhir.FhirStorageConfig}), Flyway (every schema's migrations are run by
 * {@link org.securefhir.server.database.DatabaseSchemas}, one history per schema), the Elasticsearch client (full-text
 * indexing is off), Boot's default in-memory user (every login goes through smart-auth), Boot's
 * Quartz scheduler (HAPI runs its own schedulers), WebSocket support and Gson (neither is used), and
 * Micrometer's observations: no metrics endpoint is exposed, and with an observation registry every
 * request went through Spring Security's observing filter-chain decorator and an HTTP-server
 * observation (timers, counters and key-value sets built per filter and request: ~5 % of a read's
 * CPU, docs/performance.md).
 * springdoc, which HAPI brings, is switched off in {@code application.yaml}: no API description is
 * published.
 *
 * <p>The application also hosts the SMART authorization server ({@code org.securefhir.auth}, module
 * {@code smart-auth}) under {@code /auth}.
 */
@SpringBootApplication(
        scanBasePackages = {"org.securefhir.server", "org.securefhir.auth"},
        exclude = {
            HibernateJpaAutoConfiguration.class,
            FlywayAutoConfiguration.class,
            ElasticsearchRestClientAutoConfiguration.class,
            UserDetailsServiceAutoConfiguration.class,
            QuartzAutoConfiguration.class,
            WebSocketServletAutoConfiguration.class,
            WebSocketMessagingAutoConfiguration.class,
            GsonAutoConfiguration.class,
            ObservationAutoConfiguration.class
        })
@ConfigurationPropertiesScan("org.securefhir.server")
public class FhirServerApplication {

    public static void main(String[] args) {
        // Outgoing TLS (PostgreSQL, webhook, syslog, issuer JWKS) never below 1.2, whatever the JDK's
        // defaults; incoming TLS is configured in application.yaml (server.ssl.enabled-protocols).
        if (System.getProperty("jdk.tls.client.protocols") == null) {
            System.setProperty("jdk.tls.client.protocols", "TLSv1.3,TLSv1.2");
        }
        SpringApplication.run(FhirServerApplication.class, args);
    }
}
