package org.securefhir.interceptors.authorization;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.util.UrlUtil;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.securefhir.interceptors.InterceptorOrder;
import org.securefhir.interceptors.ownership.PatientOwnership;

/**
 * The parts of the access policy HAPI's rules cannot express, each hook a few lines over a policy
 * object: the interaction check per request ({@link InteractionCheck}); narrowing of searches to
 * granular-scope filters; searches on hidden elements refused and hidden elements removed from
 * responses ({@link ElementMasking}); the type × interaction check again for every write that
 * reaches storage (including batch and transaction entries); search pages bound to their owner
 * ({@link SearchPaging}).
 */
@Interceptor
public final class RolePolicyInterceptor {

    private final RequestPermissions requests;
    private final FhirContext fhir;
    private final ElementMasking masking;
    private final SearchPaging paging;
    private final Clock clock;
    private final SearchCriteria criteria;

    /** How recent a second factor must be for an irreversible operation. */
    static final Duration STEP_UP_MAX_AGE = Duration.ofMinutes(5);

    /** @param served the resource types the server stores */
    public RolePolicyInterceptor(
            RequestPermissions requests, FhirContext fhir, SearchOwners owners, Clock clock, Set<String> served) {
        this.requests = requests;
        this.clock = clock;
        this.fhir = fhir;
        this.masking = new ElementMasking(fhir);
        this.paging = new SearchPaging(owners);
        this.criteria = new SearchCriteria(fhir, masking, requests.ownership(), served);
    }

    /**
     * Searches as the client wrote them (before anything rewrites them): none on elements hidden
     * from the role; and a search of a type that only granular scopes allow is narrowed to their
     * filters.
     */
    @Hook(value = Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED, order = InterceptorOrder.ROLE_POLICY)
    public void checkAndNarrowSearch(RequestDetails request) {
        if (request.getRestOperationType() == RestOperationTypeEnum.SEARCH_SYSTEM) {
            checkSystemSearch(request);
            return;
        }
        if (request.getRestOperationType() != RestOperationTypeEnum.SEARCH_TYPE || request.getResourceName() == null) {
            return;
        }
        // the type searched: Patient/p1/Encounter?… is a search of Encounter (HAPI's compartment
        // name), whose criteria, hidden elements, filters and owner apply, not Patient's
        String type = request.getCompartmentName() != null ? request.getCompartmentName() : request.getResourceName();
        criteria.denial(type, request.getParameters(), requests.permissions(request))
                .ifPresent(reason -> {
                    throw new ForbiddenOperationException("Access denied: " + reason);
                });
        masking.searchOnHidden(
                        type,
                        request.getParameters(),
                        requests.permissions(request).hiddenElements(type))
                .ifPresent(parameter -> {
                    throw new ForbiddenOperationException(
                            "Access denied: search parameter " + parameter + " matches elements hidden from you");
                });
        List<String> filters = requests.permissions(request).searchFilters(type);
        if (!filters.isEmpty()) {
            Map<String, String[]> parameters = new HashMap<>(request.getParameters());
            GranularFilters.narrow(filters, parameters);
            request.setParameters(parameters);
        }
        narrowToOwner(request, type);
    }

    /** A system search's criteria, for each type it names ({@code _type}); without one, only plain ones. */
    private void checkSystemSearch(RequestDetails request) {
        Permissions permissions = requests.permissions(request);
        String[] types = request.getParameters().get("_type");
        List<String> named = new java.util.ArrayList<>();
        if (types != null) {
            for (String value : types) {
                for (String type : value.split(",")) {
                    if (!type.isBlank()) {
                        named.add(type.trim());
                    }
                }
            }
        }
        if (named.isEmpty()) {
            boolean crossType = request.getParameters().keySet().stream()
                    .anyMatch(name -> name.startsWith("_has") || name.startsWith("_revinclude") || name.contains("."));
            if (crossType && !permissions.allowsUnrestricted("*", Interaction.SEARCH)) {
                throw new ForbiddenOperationException(
                        "Access denied: a system search with _has, chains or _revinclude must name its types (_type)");
            }
            return;
        }
        for (String type : named) {
            criteria.denial(type, request.getParameters(), permissions).ifPresent(reason -> {
                throw new ForbiddenOperationException("Access denied: " + reason);
            });
        }
    }

    /**
     * The searches of a batch's or transaction's entries, which HAPI runs as sub-requests without
     * a post-processing hook: their criteria are checked here (a refusal refuses the whole bundle,
     * whatever the data), and searches of the types {@link PatientOwnership} adds are narrowed by
     * rewriting the entry's URL, as HAPI's search narrowing does for the compartment types.
     */
    private void checkAndNarrowEntrySearches(Bundle bundle, Permissions permissions) {
        for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
            Bundle.BundleEntryRequestComponent call = entry.getRequest();
            String url = call.getUrl();
            if (call.getMethod() != Bundle.HTTPVerb.GET || url == null) {
                continue;
            }
            int query = url.indexOf('?');
            String path = query < 0 ? url : url.substring(0, query);
            if (path.isEmpty() || path.contains("/") || path.startsWith("$") || path.startsWith("_")) {
                continue; // reads, operations, history: judged as sub-requests
            }
            Map<String, String[]> parameters =
                    query < 0 ? Map.of() : UrlUtil.parseQueryString(url.substring(query + 1));
            criteria.denial(path, parameters, permissions)
                    .or(() -> masking.searchOnHidden(path, parameters, permissions.hiddenElements(path))
                            .map(parameter -> "search parameter " + parameter + " matches elements hidden from you"))
                    .ifPresent(reason -> {
                        throw new ForbiddenOperationException("Access denied: batch entry " + path + ": " + reason);
                    });
            ownerNarrowing(path, permissions)
                    .ifPresent(narrowing -> call.setUrl(url
                            + (query < 0 ? "?" : "&") + narrowing.getKey() + "="
                            + UrlUtil.escapeUrlParam(narrowing.getValue())));
        }
    }

    /**
     * HAPI narrows searches of R4's Patient compartment types to the patient of a compartment-pinned
     * token; the types {@link PatientOwnership} adds (Task, Device) are narrowed here, with their
     * owner parameter (an AND with whatever the client asked).
     */
    private void narrowToOwner(RequestDetails request, String type) {
        ownerNarrowing(type, requests.permissions(request)).ifPresent(narrowing -> {
            Map<String, String[]> parameters = new HashMap<>(request.getParameters());
            String[] existing = parameters.getOrDefault(narrowing.getKey(), new String[0]);
            String[] narrowed = Arrays.copyOf(existing, existing.length + 1);
            narrowed[existing.length] = narrowing.getValue();
            parameters.put(narrowing.getKey(), narrowed);
            request.setParameters(parameters);
        });
    }

    /** The parameter and value a search of the type is narrowed with, if it must be (Task, Device). */
    private Optional<Map.Entry<String, String>> ownerNarrowing(String type, Permissions permissions) {
        Optional<String> patient = permissions.onlyCompartment();
        if (patient.isEmpty()
                || requests.ownership().kind(type) != PatientOwnership.Kind.PATIENT_DATA
                || !fhir.getResourceDefinition(type)
                        .getSearchParamsForCompartmentName("Patient")
                        .isEmpty()) {
            return Optional.empty();
        }
        // no parameter to narrow with (Binary): what is found is checked one by one
        return requests.ownership()
                .narrowingParameter(type)
                .map(parameter -> Map.entry(parameter, "Patient/" + patient.get()));
    }

    @Hook(value = Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED, order = InterceptorOrder.ROLE_POLICY)
    public void checkInteraction(RequestDetails request) {
        RequestPermissions.Access access = requests.of(request);
        RestOperationTypeEnum operation = request.getRestOperationType();
        if (access.token().isPresent() && operation != RestOperationTypeEnum.METADATA) {
            RequestPurpose.resolve(request, access.permissions());
        }
        if ((operation == RestOperationTypeEnum.BATCH || operation == RestOperationTypeEnum.TRANSACTION)
                && request.getResource() instanceof Bundle bundle) {
            checkAndNarrowEntrySearches(bundle, access.permissions());
        }
        if (operation == RestOperationTypeEnum.GET_PAGE) {
            String[] ids = request.getParameters().get(SearchPaging.PAGES_PARAMETER);
            if (ids == null || ids.length != 1 || !paging.mayFetch(ids[0], access.token())) {
                throw new ForbiddenOperationException("This page belongs to a search made with another token");
            }
            return;
        }
        Optional<String> type = Optional.ofNullable(request.getResourceName());
        boolean conditional = operation != null
                && switch (operation) {
                    case CREATE -> request.getHeader("If-None-Exist") != null;
                    case UPDATE, PATCH, DELETE ->
                        request.getId() == null && request.getConditionalUrl(operation) != null;
                    default -> false;
                };
        InteractionCheck.denial(
                        access.permissions(), operation, type, Optional.ofNullable(request.getOperation()), conditional)
                .ifPresent(reason -> {
                    throw new ForbiddenOperationException("Access denied: " + reason);
                });
        if (request.getOperation() != null) {
            InteractionCheck.stepUpDenial(
                            access.permissions(), request.getOperation(), clock.instant(), STEP_UP_MAX_AGE)
                    .ifPresent(reason -> {
                        ForbiddenOperationException refused =
                                new ForbiddenOperationException("Access denied: " + reason);
                        // RFC 9470 (OAuth 2.0 Step Up Authentication Challenge)
                        refused.addResponseHeader(
                                "WWW-Authenticate",
                                "Bearer error=\"insufficient_user_authentication\", error_description=\"A recent"
                                        + " second factor is required\", max_age=" + STEP_UP_MAX_AGE.toSeconds());
                        throw refused;
                    });
        }
    }

    @Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED, order = InterceptorOrder.ROLE_POLICY)
    public void checkCreate(RequestDetails request, IBaseResource resource) {
        requireStorage(request, resource, Interaction.CREATE, Interaction.CREATE);
    }

    @Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED, order = InterceptorOrder.ROLE_POLICY)
    public void checkUpdate(RequestDetails request, IBaseResource stored, IBaseResource incoming) {
        requireStorage(request, incoming, Interaction.UPDATE, Interaction.PATCH);
        if (isClientRequest(request)) {
            masking.keepHidden(
                    stored, incoming, requests.permissions(request).hiddenElements(fhir.getResourceType(incoming)));
        }
    }

    @Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_DELETED, order = InterceptorOrder.ROLE_POLICY)
    public void checkDelete(RequestDetails request, IBaseResource resource) {
        requireStorage(request, resource, Interaction.DELETE, Interaction.DELETE);
    }

    @Hook(value = Pointcut.SERVER_OUTGOING_RESPONSE, order = InterceptorOrder.MASKING)
    public void beforeResponse(RequestDetails request, IBaseResource response) {
        RequestPermissions.Access access = requests.of(request);
        if (request.getRestOperationType() != RestOperationTypeEnum.GET_PAGE) {
            access.token().ifPresent(token -> paging.claimPages(response, token));
        }
        masking.hide(response, access.permissions()::hiddenElements);
    }

    /** Writes of the server itself (start-up data, migrations) carry no client request. */
    private static boolean isClientRequest(RequestDetails request) {
        return request != null && !(request instanceof SystemRequestDetails);
    }

    private void requireStorage(RequestDetails request, IBaseResource resource, Interaction... anyOf) {
        if (!isClientRequest(request)) {
            return;
        }
        Permissions permissions = requests.permissions(request);
        String type = fhir.getResourceType(resource);
        if (Arrays.stream(anyOf).noneMatch(interaction -> permissions.allows(type, interaction))) {
            throw new ForbiddenOperationException(
                    "Access denied: " + anyOf[0].code() + " of " + type + " is not allowed");
        }
    }
}
