package org.securefhir.server.web;

import org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Tomcat connector settings that Spring Boot has no property for. */
@Configuration(proxyBeanMethods = false)
public final class TomcatConfig {

    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> tomcatConnectorHardening() {
        return factory -> factory.addConnectorCustomizers(connector -> {
            // Answer "Expect: 100-continue" only once the application reads the body, so an
            // oversized or unauthorised upload is refused before the client sends it.
            connector.setProperty("continueResponseTiming", "onRead");
            // No version banner in error pages or headers.
            connector.setXpoweredBy(false);
        });
    }
}
