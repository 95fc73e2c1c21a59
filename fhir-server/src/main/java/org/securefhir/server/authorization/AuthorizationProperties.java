package org.securefhir.server.authorization;

import jakarta.validation.constraints.NotBlank;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Settings of the FHIR API's authorization ({@code fhir.authorization.*}).
 *
 * @param policyFile the access policy (YAML, see docs/access-control.md); empty = the policy
 *     shipped with the server
 * @param rolesClaim the access-token claim that lists the roles a token acts under
 * @param enforce {@code false} only to measure what authorization costs (bench/): every valid token
 *     then reaches everything. Refused in the {@code prod} profile.
 */
@Validated
@ConfigurationProperties("fhir.authorization")
public record AuthorizationProperties(
        @DefaultValue("") String policyFile,
        @DefaultValue("roles") @NotBlank String rolesClaim,
        @DefaultValue("true") boolean enforce) {}
