package org.securefhir.bench.peer;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.elasticsearch.ElasticsearchRestClientAutoConfiguration;
import org.springframework.boot.autoconfigure.flyway.FlywayAutoConfiguration;
import org.springframework.boot.autoconfigure.gson.GsonAutoConfiguration;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.autoconfigure.orm.jpa.HibernateJpaAutoConfiguration;
import org.springframework.boot.autoconfigure.quartz.QuartzAutoConfiguration;
import org.springframework.boot.autoconfigure.websocket.servlet.WebSocketMessagingAutoConfiguration;
import org.springframework.boot.autoconfigure.websocket.servlet.WebSocketServletAutoConfiguration;

/**
 * Plain HAPI FHIR JPA (R4) over HTTP at {@code /fhir}, on an embedded PostgreSQL of its own: the
 * baseline the benchmarks compare the secured server with. HAPI's defaults, HAPI's schema
 * migrations, the same PostgreSQL version, settings and connection pool as the server, the same
 * unused Spring Boot auto-configurations left out; nothing of the server's safeguards.
 */
@SpringBootApplication(
        exclude = {
            DataSourceAutoConfiguration.class,
            HibernateJpaAutoConfiguration.class,
            FlywayAutoConfiguration.class,
            ElasticsearchRestClientAutoConfiguration.class,
            QuartzAutoConfiguration.class,
            WebSocketServletAutoConfiguration.class,
            WebSocketMessagingAutoConfiguration.class,
            GsonAutoConfiguration.class
        })
public class PeerApplication {

    public static void main(String[] args) {
        SpringApplication.run(PeerApplication.class, args);
    }
}
