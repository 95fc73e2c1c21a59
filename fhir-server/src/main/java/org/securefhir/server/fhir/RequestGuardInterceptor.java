package org.securefhir.server.fhir;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import org.hl7.fhir.instance.model.api.IBaseConformance;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.securefhir.interceptors.InterceptorOrder;

/**
 * First checks on every FHIR request, including each entry of a batch or transaction: ids in the
 * URL must be valid FHIR ids (400 otherwise, rather than a misleading 404), and only operations on
 * the {@link OperationAllowList} are served (403 otherwise) and advertised in the
 * CapabilityStatement.
 */
@Interceptor
final class RequestGuardInterceptor {

    private final OperationAllowList operations;

    RequestGuardInterceptor(OperationAllowList operations) {
        this.operations = operations;
    }

    @Hook(value = Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED, order = InterceptorOrder.REQUEST_GUARD)
    public void guard(RequestDetails request) {
        IIdType id = request.getId();
        if (id != null) {
            if (id.hasIdPart() && !ResourceIdSyntax.isValid(id.getIdPart())) {
                throw new InvalidRequestException("Invalid resource id: ids are 1-64 characters of A-Z a-z 0-9 - .");
            }
            if (id.hasVersionIdPart() && !ResourceIdSyntax.isValid(id.getVersionIdPart())) {
                throw new InvalidRequestException("Invalid version id: ids are 1-64 characters of A-Z a-z 0-9 - .");
            }
        }
        String operation = request.getOperation();
        if (operation != null && operation.startsWith("$") && !operations.allows(operation)) {
            throw new ForbiddenOperationException("Operation " + operation + " is not enabled on this server");
        }
    }

    @Hook(value = Pointcut.SERVER_CAPABILITY_STATEMENT_GENERATED, order = InterceptorOrder.CAPABILITY_STATEMENT)
    public void advertiseOnlyAllowedOperations(IBaseConformance capabilityStatement) {
        if (capabilityStatement instanceof CapabilityStatement r4) {
            for (CapabilityStatement.CapabilityStatementRestComponent rest : r4.getRest()) {
                rest.getOperation().removeIf(op -> !operations.allows(op.getName()));
                rest.getResource()
                        .forEach(resource -> resource.getOperation().removeIf(op -> !operations.allows(op.getName())));
            }
        }
    }
}
