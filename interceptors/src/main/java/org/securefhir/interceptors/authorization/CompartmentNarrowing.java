package org.securefhir.interceptors.authorization;

import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.interceptor.auth.AuthorizedList;
import ca.uhn.fhir.rest.server.interceptor.auth.SearchNarrowingInterceptor;
import org.securefhir.interceptors.InterceptorOrder;

/**
 * Narrows every search of a request whose grants are all pinned to one patient's compartment
 * (HAPI adds the compartment's search parameter) before the search runs. Without it a search such
 * as {@code Observation?_summary=count} would count everyone's data (nothing to deny in the
 * response), and a search without the parameter would be refused as a whole.
 */
@Interceptor(order = InterceptorOrder.SEARCH_NARROWING)
public final class CompartmentNarrowing extends SearchNarrowingInterceptor {

    private final RequestPermissions permissions;

    public CompartmentNarrowing(RequestPermissions permissions) {
        this.permissions = permissions;
    }

    @Override
    protected AuthorizedList buildAuthorizedList(RequestDetails request) {
        return permissions
                .permissions(request)
                .onlyCompartment()
                .map(patient -> new AuthorizedList().addCompartment("Patient/" + patient))
                .orElse(null);
    }
}
