package org.securefhir.server;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.elasticsearch.ElasticsearchRestClientAutoConfiguration;
import org.springframework.boot.autoconfigure.flyway.FlywayAutoConfiguration;
import org.springframework.boot.autoconfigure.orm.jpa.HibernateJpaAutoConfiguration;
import org.springframework.boot.autoconfigure.thymeleaf.ThymeleafAutoConfiguration;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * The secure FHIR R4 server: HAPI FHIR JPA on PostgreSQL, served over HTTPS only.
 *
 * <p>Excluded auto-configurations: Boot's JPA (HAPI needs its own entity manager factory, see
 * {@link org.securefhir.server.fhir.FhirStorageConfig}), Flyway (HAPI's migrator library brings it, but
 * nothing here runs Flyway migrations), the Elasticsearch client (full-text indexing is off) and
 * Thymeleaf (HAPI's narrative generator brings it; this server renders no web pages).
 */
@SpringBootApplication(
        exclude = {
            HibernateJpaAutoConfiguration.class,
            FlywayAutoConfiguration.class,
            ElasticsearchRestClientAutoConfiguration.class,
            ThymeleafAutoConfiguration.class
        })
@ConfigurationPropertiesScan
public class FhirServerApplication {

    public static void main(String[] args) {
        SpringApplication.run(FhirServerApplication.class, args);
    }
}
