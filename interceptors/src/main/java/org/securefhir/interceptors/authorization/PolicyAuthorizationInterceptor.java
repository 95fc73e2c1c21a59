package org.securefhir.interceptors.authorization;

import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.interceptor.auth.AuthorizationInterceptor;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRule;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthorizationSearchParamMatcher;
import ca.uhn.fhir.rest.server.interceptor.auth.PolicyEnum;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.securefhir.interceptors.ownership.PatientOwnership;

/**
 * HAPI's authorization interceptor fed with the request's effective {@link Permissions} (role
 * policy ∩ SMART scopes ∩ patient context): deny by default, rules from {@link HapiRules}. HAPI
 * applies them to every resource read or written, including batch/transaction entries, {@code
 * _include}/{@code _revinclude} results, history and operation responses.
 */
public final class PolicyAuthorizationInterceptor extends AuthorizationInterceptor {

    private final RequestPermissions permissions;
    private final PatientOwnership ownership;

    /** @param matcher evaluates granular-scope filters against resources */
    public PolicyAuthorizationInterceptor(
            RequestPermissions permissions, PatientOwnership ownership, IAuthorizationSearchParamMatcher matcher) {
        super(PolicyEnum.DENY);
        this.permissions = permissions;
        this.ownership = ownership;
        setAuthorizationSearchParamMatcher(matcher);
    }

    @Override
    public List<IAuthRule> buildRuleList(RequestDetails request) {
        return permissions.of(request).rules();
    }

    /**
     * A patient-context token naming an instance outside its compartment gets the answer an
     * unknown id gets (404), so the instance's existence is not disclosed: reads (read, vread,
     * instance history, an instance operation such as {@code Patient/{other}/$everything}), and
     * the deletes, patches and updates it may make in its own compartment (for an update, when what
     * it sends is its patient's: then the refusal is about the stored instance). Every other denial
     * is a 403.
     */
    @Override
    protected void handleDeny(RequestDetails request, Verdict verdict) {
        Permissions granted = permissions.permissions(request);
        Optional<String> compartment = granted.grants().stream()
                .map(Grant::compartment)
                .flatMap(Optional::stream)
                .findFirst();
        if (compartment.isPresent()
                && request.getId() != null
                && request.getId().hasIdPart()
                && (isInstanceRead(request.getRestOperationType())
                        || changesAnInstanceOfAnother(request, granted, compartment.get()))) {
            throw new ResourceNotFoundException(request.getId().toUnqualifiedVersionless());
        }
        super.handleDeny(request, verdict);
    }

    private static boolean isInstanceRead(RestOperationTypeEnum operation) {
        return operation == RestOperationTypeEnum.READ
                || operation == RestOperationTypeEnum.VREAD
                || operation == RestOperationTypeEnum.HISTORY_INSTANCE
                || operation == RestOperationTypeEnum.EXTENDED_OPERATION_INSTANCE;
    }

    /**
     * A delete, patch or update by id the token may make on the type (so the refusal is not about
     * the interaction) of an instance that is not its patient's.
     */
    private boolean changesAnInstanceOfAnother(RequestDetails request, Permissions granted, String patient) {
        Interaction interaction = switch (request.getRestOperationType()) {
            case DELETE -> Interaction.DELETE;
            case PATCH -> Interaction.PATCH;
            case UPDATE -> Interaction.UPDATE;
            default -> null;
        };
        if (interaction == null
                || request.getResourceName() == null
                || !granted.allows(request.getResourceName(), interaction)) {
            return false;
        }
        if (interaction != Interaction.UPDATE) {
            return true;
        }
        IBaseResource sent = request.getResource();
        if (sent == null) {
            return false;
        }
        PatientOwnership.Owners owners = ownership.owners(sent);
        return owners.decided() && owners.patients().equals(Set.of(patient));
    }
}
