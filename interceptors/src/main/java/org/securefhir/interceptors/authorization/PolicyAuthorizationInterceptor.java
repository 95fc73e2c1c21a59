package org.securefhir.interceptors.authorization;

import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.interceptor.auth.AuthorizationInterceptor;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRule;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthorizationSearchParamMatcher;
import ca.uhn.fhir.rest.server.interceptor.auth.PolicyEnum;
import java.util.List;

/**
 * HAPI's authorization interceptor fed with the request's effective {@link Permissions} (role
 * policy ∩ SMART scopes ∩ patient context): deny by default, rules from {@link HapiRules}. HAPI
 * applies them to every resource read or written, including batch/transaction entries, {@code
 * _include}/{@code _revinclude} results, history and operation responses.
 */
public final class PolicyAuthorizationInterceptor extends AuthorizationInterceptor {

    private final RequestPermissions permissions;

    /** @param matcher evaluates granular-scope filters against resources */
    public PolicyAuthorizationInterceptor(RequestPermissions permissions, IAuthorizationSearchParamMatcher matcher) {
        super(PolicyEnum.DENY);
        this.permissions = permissions;
        setAuthorizationSearchParamMatcher(matcher);
    }

    @Override
    public List<IAuthRule> buildRuleList(RequestDetails request) {
        return permissions.of(request).rules();
    }

    /**
     * A patient-context token reading a resource outside its compartment (read, vread, instance
     * history, an instance operation) gets the answer an unknown id gets (404), so the resource's
     * existence is not disclosed; every other denial is a 403.
     */
    @Override
    protected void handleDeny(RequestDetails request, Verdict verdict) {
        RestOperationTypeEnum operation = request.getRestOperationType();
        // reads of an instance, and operations on one (Patient/{other}/$everything): a 403 would
        // tell that the instance exists where an unknown id gets a 404
        boolean instanceRead = operation == RestOperationTypeEnum.READ
                || operation == RestOperationTypeEnum.VREAD
                || operation == RestOperationTypeEnum.HISTORY_INSTANCE
                || operation == RestOperationTypeEnum.EXTENDED_OPERATION_INSTANCE;
        boolean patientContext = permissions.permissions(request).grants().stream()
                .anyMatch(grant -> grant.compartment().isPresent());
        if (instanceRead && request.getId() != null && patientContext) {
            throw new ResourceNotFoundException(request.getId().toUnqualifiedVersionless());
        }
        super.handleDeny(request, verdict);
    }
}
