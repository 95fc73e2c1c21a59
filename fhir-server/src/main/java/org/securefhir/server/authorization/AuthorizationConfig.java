package org.securefhir.server.authorization;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.searchparam.matcher.AuthorizationSearchParamMatcher;
import ca.uhn.fhir.jpa.searchparam.matcher.SearchParamMatcher;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.securefhir.interceptors.authorization.AccessPolicy;
import org.securefhir.interceptors.authorization.AccessTokens;
import org.securefhir.interceptors.authorization.CompartmentNarrowing;
import org.securefhir.interceptors.authorization.PolicyAuthorizationInterceptor;
import org.securefhir.interceptors.authorization.RequestPermissions;
import org.securefhir.interceptors.authorization.RolePolicyInterceptor;
import org.securefhir.interceptors.ownership.PatientOwnership;
import org.securefhir.server.fhir.FhirServerProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Authorization of the FHIR API: the access policy (role policy file), and the interceptors that
 * apply it with the token's scopes and patient context to every request.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(AuthorizationProperties.class)
public class AuthorizationConfig {

    private static final Logger log = LoggerFactory.getLogger(AuthorizationConfig.class);

    @Bean
    AccessPolicy accessPolicy(AuthorizationProperties properties, FhirContext fhir) throws IOException {
        if (properties.policyFile().isBlank()) {
            AccessPolicy policy = AccessPolicy.defaults(fhir);
            log.info("Access policy: the shipped default, version {}", policy.version());
            return policy;
        }
        try (InputStream yaml = Files.newInputStream(Path.of(properties.policyFile()))) {
            AccessPolicy policy = AccessPolicy.read(yaml, fhir);
            log.info("Access policy: {}, version {}", properties.policyFile(), policy.version());
            return policy;
        }
    }

    /** The request's verified access token, parsed once per token. */
    @Bean
    AccessTokens accessTokens(AuthorizationProperties properties) {
        return new JwtAccessTokens(properties.rolesClaim());
    }

    /** Whose data a resource is: one answer for authorization, consent, audit and encryption. */
    @Bean
    PatientOwnership patientOwnership(FhirContext fhir) {
        return new PatientOwnership(fhir);
    }

    @Bean
    RequestPermissions requestPermissions(AccessPolicy policy, AccessTokens tokens, PatientOwnership ownership) {
        return new RequestPermissions(policy, tokens, ownership);
    }

    /** The authorization interceptors of the FHIR endpoint (registered by {@code FhirInterceptors}). */
    @Bean
    FhirAuthorization fhirAuthorization(
            RequestPermissions permissions,
            AuthorizationProperties properties,
            FhirContext fhir,
            SearchParamMatcher matcher,
            JdbcTemplate jdbc,
            FhirServerProperties served,
            PatientOwnership ownership) {
        if (!properties.enforce()) {
            // only outside 'prod' (ProductionGuard)
            log.warn("fhir.authorization.enforce=false: EVERY VALID TOKEN REACHES ALL DATA (benchmarks only)");
            return new FhirAuthorization(null, null, null);
        }
        RolePolicyInterceptor rolePolicy = new RolePolicyInterceptor(
                permissions,
                fhir,
                new JdbcSearchOwners(jdbc, Clock.systemUTC()),
                Clock.systemUTC(),
                served.resourceTypes());
        CompartmentNarrowing narrowing = new CompartmentNarrowing(permissions);
        PolicyAuthorizationInterceptor authorization = new PolicyAuthorizationInterceptor(
                permissions, ownership, new AuthorizationSearchParamMatcher(matcher));
        return new FhirAuthorization(rolePolicy, narrowing, authorization);
    }

    /**
     * The authorization interceptors of the FHIR endpoint; all {@code null} only when
     * {@code fhir.authorization.enforce=false} (benchmarks; refused in {@code prod}).
     */
    public record FhirAuthorization(
            RolePolicyInterceptor rolePolicy,
            CompartmentNarrowing narrowing,
            PolicyAuthorizationInterceptor authorization) {

        public boolean enforced() {
            return rolePolicy != null;
        }
    }
}
