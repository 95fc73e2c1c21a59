package org.securefhir.server.fhir;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import org.hl7.fhir.instance.model.api.IIdType;
import org.securefhir.interceptors.InterceptorOrder;
import org.securefhir.interceptors.authorization.Interaction;
import org.securefhir.interceptors.authorization.Permissions;
import org.securefhir.interceptors.authorization.RequestPermissions;

/**
 * Every 404 of a request naming an instance says the same words: {@code Resource Type/id is not
 * known}. HAPI's texts differ by where the lookup failed (HAPI-2001 for an id nobody has, HAPI-1995
 * or HAPI-0971 where authorization or consent withheld one, HAPI-2841 for {@code $everything} of
 * an unknown patient), so the text alone told a withheld resource from an absent one.
 *
 * <p>A deleted instance is a 404 too (FHIR allows it), except for backend services that may read
 * the whole type: HAPI answers 410 "deleted at …" before authorization or consent see the request,
 * which told anyone that another patient's id existed and when it was deleted. Interface engines
 * that synchronise deletions keep their 410.
 */
@Interceptor
final class NotFoundAnswers {

    private final RequestPermissions permissions;

    NotFoundAnswers(RequestPermissions permissions) {
        this.permissions = permissions;
    }

    @Hook(value = Pointcut.SERVER_PRE_PROCESS_OUTGOING_EXCEPTION, order = InterceptorOrder.UNIFORM_ERRORS)
    public BaseServerResponseException uniform(RequestDetails request, Throwable thrown) {
        boolean gone = thrown instanceof ResourceGoneException;
        if (!(thrown instanceof ResourceNotFoundException) && !gone) {
            return null;
        }
        IIdType id = request == null ? null : request.getId();
        if (id == null || !id.hasIdPart() || request.getResourceName() == null) {
            return (BaseServerResponseException) thrown;
        }
        if (gone) {
            Permissions granted = permissions.current();
            if (granted.isBackendService() && granted.allowsUnrestricted(request.getResourceName(), Interaction.READ)) {
                return (BaseServerResponseException) thrown;
            }
        }
        return new ResourceNotFoundException(
                "Resource " + request.getResourceName() + "/" + id.getIdPart() + " is not known");
    }
}
