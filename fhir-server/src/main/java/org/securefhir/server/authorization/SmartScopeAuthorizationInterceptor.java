package org.securefhir.server.authorization;

import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.interceptor.auth.AuthorizationInterceptor;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRule;
import ca.uhn.fhir.rest.server.interceptor.auth.PolicyEnum;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;

/**
 * HAPI's authorization interceptor fed with the SMART scopes of the request's access token (already
 * verified by the resource server, see {@code FhirApiSecurity}): deny by default, rules from {@link
 * ScopeRules}. HAPI applies them to every interaction, including batch/transaction entries,
 * {@code _include}/{@code _revinclude} results and operation responses.
 */
public final class SmartScopeAuthorizationInterceptor extends AuthorizationInterceptor {

    public SmartScopeAuthorizationInterceptor() {
        super(PolicyEnum.DENY);
    }

    @Override
    public List<IAuthRule> buildRuleList(RequestDetails request) {
        Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
        if (!(authentication instanceof JwtAuthenticationToken token)) {
            return ScopeRules.from(List.of(), Optional.empty()); // metadata only
        }
        Jwt jwt = token.getToken();
        return ScopeRules.from(scopes(jwt.getClaim("scope")), Optional.ofNullable(jwt.getClaimAsString("patient")));
    }

    /**
     * A patient-context token reading a resource outside its compartment gets the answer an unknown
     * id gets (404), so the resource's existence is not disclosed; every other denial is a 403.
     */
    @Override
    protected void handleDeny(RequestDetails request, Verdict verdict) {
        RestOperationTypeEnum operation = request.getRestOperationType();
        boolean instanceRead = operation == RestOperationTypeEnum.READ || operation == RestOperationTypeEnum.VREAD;
        if (instanceRead && request.getId() != null && patientContext().isPresent()) {
            throw new ResourceNotFoundException(request.getId().toUnqualifiedVersionless());
        }
        super.handleDeny(request, verdict);
    }

    private static Optional<String> patientContext() {
        Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
        return authentication instanceof JwtAuthenticationToken token
                ? Optional.ofNullable(token.getToken().getClaimAsString("patient"))
                : Optional.empty();
    }

    private static Collection<String> scopes(Object claim) {
        if (claim instanceof Collection<?> values) {
            return values.stream().map(String::valueOf).toList();
        }
        if (claim instanceof String text) {
            return Arrays.asList(text.trim().split("\\s+"));
        }
        return List.of();
    }
}
