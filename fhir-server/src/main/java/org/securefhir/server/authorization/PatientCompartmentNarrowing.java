package org.securefhir.server.authorization;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.interceptor.auth.AuthorizedList;
import ca.uhn.fhir.rest.server.interceptor.auth.SearchNarrowingInterceptor;
import java.util.Optional;
import org.securefhir.auth.smart.SmartScope;

/**
 * Narrows every search of a token that holds only {@code patient/} resource scopes to its patient's
 * compartment (HAPI adds the {@code patient} parameter), before the search runs. Without it a
 * search such as {@code Observation?_summary=count} would count everyone's data (nothing to deny in
 * the response), and any search without the parameter would fail as a whole.
 */
public final class PatientCompartmentNarrowing extends SearchNarrowingInterceptor {

    @Override
    protected AuthorizedList buildAuthorizedList(RequestDetails request) {
        Optional<TokenScopes> token = TokenScopes.current();
        if (token.isEmpty() || token.get().patient().isEmpty()) {
            return null;
        }
        boolean onlyPatientScopes = token.get().scopes().stream()
                .map(SmartScope::parse)
                .flatMap(Optional::stream)
                .allMatch(scope -> scope.context() == SmartScope.Context.PATIENT);
        return onlyPatientScopes
                ? new AuthorizedList()
                        .addCompartment("Patient/" + token.get().patient().get())
                : null;
    }
}
