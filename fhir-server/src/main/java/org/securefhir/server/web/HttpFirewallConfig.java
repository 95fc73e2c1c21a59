package org.securefhir.server.web;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.annotation.web.configuration.WebSecurityCustomizer;
import org.springframework.security.web.firewall.StrictHttpFirewall;

/**
 * Spring Security's strict firewall in front of every filter chain (the FHIR API's and the
 * authorization server's), with its defaults (no encoded slashes, periods or percent signs, no
 * semicolons, no backslashes, no control characters in header names, header values or parameter
 * names), the character checks done by {@link HeaderCharacters} rather than by regular
 * expressions.
 */
@Configuration(proxyBeanMethods = false)
public final class HttpFirewallConfig {

    @Bean
    WebSecurityCustomizer httpFirewall() {
        StrictHttpFirewall firewall = new StrictHttpFirewall();
        firewall.setAllowedHeaderNames(HeaderCharacters::allowedName);
        firewall.setAllowedHeaderValues(HeaderCharacters::allowedValue);
        firewall.setAllowedParameterNames(HeaderCharacters::allowedName);
        return web -> web.httpFirewall(firewall);
    }
}
