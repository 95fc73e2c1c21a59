package org.securefhir.server.web;

import ca.uhn.fhir.context.FhirContext;
import org.securefhir.auth.config.SmartAuthProperties;
import org.securefhir.auth.smart.SmartConfigurationFilter;
import org.securefhir.server.authorization.AuthorizationProperties;
import org.securefhir.server.fhir.FhirEndpointConfig;
import org.securefhir.server.fhir.FhirServerProperties;
import org.springframework.boot.autoconfigure.security.SecurityProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/**
 * Servlet filters in front of every endpoint: security headers first, then SMART discovery, then the
 * body size limit.
 */
@Configuration(proxyBeanMethods = false)
public final class WebFiltersConfig {

    @Bean
    FilterRegistrationBean<SecurityHeadersFilter> securityHeadersFilter() {
        FilterRegistrationBean<SecurityHeadersFilter> registration =
                new FilterRegistrationBean<>(new SecurityHeadersFilter());
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
        return registration;
    }

    /** SMART discovery: {@code /fhir/.well-known/smart-configuration}, answered before HAPI sees it. */
    @Bean
    FilterRegistrationBean<SmartConfigurationFilter> smartConfigurationFilter(SmartAuthProperties smart) {
        FilterRegistrationBean<SmartConfigurationFilter> registration =
                new FilterRegistrationBean<>(new SmartConfigurationFilter(smart.issuer()));
        registration.addUrlPatterns(FhirEndpointConfig.FHIR_PATH + "/.well-known/smart-configuration");
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 2);
        return registration;
    }

    @Bean
    FilterRegistrationBean<RequestBodyLimitFilter> requestBodyLimitFilter(
            FhirServerProperties properties, FhirContext fhirContext) {
        FilterRegistrationBean<RequestBodyLimitFilter> registration =
                new FilterRegistrationBean<>(new RequestBodyLimitFilter(
                        properties.maxRequestSize().toBytes(),
                        properties.maxTransactionSize().toBytes(),
                        new OperationOutcomeWriter(fhirContext)));
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 1);
        return registration;
    }

    /** After Spring Security (its filter chain is at order -100): who may send a large transaction. */
    @Bean
    FilterRegistrationBean<LargeTransactionFilter> largeTransactionFilter(
            FhirServerProperties properties, AuthorizationProperties authorization, FhirContext fhirContext) {
        FilterRegistrationBean<LargeTransactionFilter> registration =
                new FilterRegistrationBean<>(new LargeTransactionFilter(
                        properties.maxRequestSize().toBytes(),
                        authorization.rolesClaim(),
                        properties.largeTransactionRoles(),
                        properties.largeTransactionsAtOnce(),
                        properties.largeTransactionWait(),
                        new OperationOutcomeWriter(fhirContext)));
        registration.addUrlPatterns(FhirEndpointConfig.FHIR_PATH, FhirEndpointConfig.FHIR_PATH + "/*");
        registration.setOrder(SecurityProperties.DEFAULT_FILTER_ORDER + 1);
        return registration;
    }
}
