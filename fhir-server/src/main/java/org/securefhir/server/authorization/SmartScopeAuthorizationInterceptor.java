package org.securefhir.server.authorization;

import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.interceptor.auth.AuthorizationInterceptor;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRule;
import ca.uhn.fhir.rest.server.interceptor.auth.PolicyEnum;
import java.util.List;
import java.util.Optional;

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
        return TokenScopes.current()
                .map(token -> ScopeRules.from(token.scopes(), token.patient()))
                .orElseGet(() -> ScopeRules.from(List.of(), Optional.empty())); // metadata only
    }

    /**
     * A patient-context token reading a resource outside its compartment gets the answer an unknown
     * id gets (404), so the resource's existence is not disclosed; every other denial is a 403.
     */
    @Override
    protected void handleDeny(RequestDetails request, Verdict verdict) {
        RestOperationTypeEnum operation = request.getRestOperationType();
        boolean instanceRead = operation == RestOperationTypeEnum.READ || operation == RestOperationTypeEnum.VREAD;
        boolean patientContext =
                TokenScopes.current().flatMap(TokenScopes::patient).isPresent();
        if (instanceRead && request.getId() != null && patientContext) {
            throw new ResourceNotFoundException(request.getId().toUnqualifiedVersionless());
        }
        super.handleDeny(request, verdict);
    }
}
