package org.securefhir.server.fhir;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;

/** Refuses every {@code $operation} that the {@link OperationAllowList} does not name (403). */
@Interceptor
final class OperationAllowListInterceptor {

    private final OperationAllowList allowList;

    OperationAllowListInterceptor(OperationAllowList allowList) {
        this.allowList = allowList;
    }

    @Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED)
    public void refuseOperationsNotAllowed(RequestDetails request) {
        String operation = request.getOperation();
        if (operation != null && operation.startsWith("$") && !allowList.allows(operation)) {
            throw new ForbiddenOperationException("Operation " + operation + " is not enabled on this server");
        }
    }
}
