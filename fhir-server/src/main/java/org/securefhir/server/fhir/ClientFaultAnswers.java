package org.securefhir.server.fhir;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.InternalErrorException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import org.securefhir.interceptors.InterceptorOrder;

/**
 * A client's invalid content that HAPI only finds while storing it, and then reports as a server
 * error: a reference to {@code #x} with no contained resource {@code x} (HAPI-2724, found when the
 * resource is encoded for storage, wrapped in a 500 HAPI-2223). Answered 422 with the parser's
 * message instead: the client can correct it, and nothing was stored.
 */
@Interceptor
final class ClientFaultAnswers {

    @Hook(value = Pointcut.SERVER_PRE_PROCESS_OUTGOING_EXCEPTION, order = InterceptorOrder.UNIFORM_ERRORS)
    public BaseServerResponseException clientFault(RequestDetails request, Throwable thrown) {
        if (!(thrown instanceof InternalErrorException)) {
            return null;
        }
        for (Throwable cause = thrown.getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof DataFormatException invalid) {
                return new UnprocessableEntityException(invalid.getMessage());
            }
        }
        return null;
    }
}
