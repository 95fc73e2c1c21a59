package org.securefhir.consent;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.IPreResourceAccessDetails;
import ca.uhn.fhir.rest.api.server.IPreResourceShowDetails;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.ResponseDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.interceptor.consent.ConsentInterceptor;
import ca.uhn.fhir.rest.server.interceptor.consent.IConsentContextServices;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IdType;
import org.securefhir.interceptors.InterceptorOrder;

/**
 * HAPI's {@link ConsentInterceptor} (which asks {@link ConsentEngine} about every resource on every
 * read path) at this server's place in the chain ({@link InterceptorOrder#CONSENT}), with two
 * adjustments: counts are refused with a clear message unless consent cannot withhold anything
 * they would count (HAPI refuses them always), and entries HAPI emptied in a response bundle are
 * removed, so a withheld resource leaves neither its content nor its id nor a place in the count.
 */
@Interceptor(order = InterceptorOrder.CONSENT)
public final class ConsentEnforcement extends ConsentInterceptor {

    /** Reads a stored resource as the system (empty when it does not exist or was deleted). */
    @FunctionalInterface
    public interface StoredResources {
        Optional<IBaseResource> find(String type, String id);
    }

    private final ConsentEngine engine;
    private final FoundResources found;
    private final StoredResources stored;

    /**
     * @param found what the storage's indexes tell about a search's matches before they are loaded
     *     (where it tells nothing, the matches are loaded to be judged)
     * @param stored whether a resource exists, for the deletes whose answer must not tell
     */
    public ConsentEnforcement(ConsentEngine engine, FoundResources found, StoredResources stored) {
        super(engine);
        this.engine = engine;
        this.found = found;
        this.stored = stored;
    }

    /**
     * Requests whose answer would tell what consent withholds ({@link ConsentEngine#oracleRefusal}),
     * refused before anything (HAPI's authorization included) looks up what they name: a 404 for a
     * missing instance beside a 403 for a withheld one would be the oracle again.
     */
    @Hook(value = Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED, order = InterceptorOrder.CONSENT_ORACLES)
    public void refuseOracles(RequestDetails request) {
        engine.oracleRefusal(request).ifPresent(reason -> {
            throw new ForbiddenOperationException("Access denied: " + reason);
        });
        if (request.getRestOperationType() == RestOperationTypeEnum.DELETE
                && request.getId() != null
                && request.getId().hasIdPart()
                && request.getResourceName() != null
                && engine.judgesWritesOf(request, request.getResourceName())) {
            // HAPI answers a delete of an absent id with 200 "not found"; a withheld one is a 404:
            // for the apps whose writes consent judges, both are 404
            IdType id = new IdType(request.getResourceName(), request.getId().getIdPart());
            if (stored.find(id.getResourceType(), id.getIdPart()).isEmpty()) {
                throw new ResourceNotFoundException(id);
            }
        }
    }

    /** A user's app changes or deletes only what consent shows it (else 404, as if absent). */
    @Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED, order = InterceptorOrder.CONSENT)
    public void judgeUpdated(RequestDetails request, IBaseResource stored, IBaseResource incoming) {
        if (request != null && !(request instanceof SystemRequestDetails)) {
            engine.writeRefusal(request, stored).ifPresent(reference -> {
                throw new ResourceNotFoundException(new IdType(reference));
            });
        }
    }

    @Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_DELETED, order = InterceptorOrder.CONSENT)
    public void judgeDeleted(RequestDetails request, IBaseResource stored) {
        judgeUpdated(request, stored, null);
    }

    /** An update that would create: refused for the user apps whose writes consent judges (404). */
    @Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED, order = InterceptorOrder.CONSENT)
    public void judgeCreated(RequestDetails request, IBaseResource resource) {
        if (request != null
                && !(request instanceof SystemRequestDetails)
                && request.getRestOperationType() == RestOperationTypeEnum.UPDATE
                && resource.getIdElement().hasIdPart()
                && engine.judgesWritesOf(request, request.getResourceName())) {
            throw new ResourceNotFoundException(new IdType(
                    request.getResourceName(), resource.getIdElement().getIdPart()));
        }
    }

    @Override
    public void interceptPreHandled(RequestDetails request) {
        if ("$meta".equals(request.getOperation()) && !engine.mayCount(request)) {
            // HAPI's consent interceptor lets $meta through unchecked; the tags and security labels
            // of a resource consent withholds (its very existence) are not to be disclosed either
            throw new ForbiddenOperationException(
                    "$meta is not available where patient consent applies; read the resource instead");
        }
        if (asksForCount(request)) {
            if (!engine.mayCount(request)) {
                throw new InvalidRequestException("Counts (_summary=count, _total=accurate) are not available where"
                        + " patient consent applies: resources consent withholds must not be counted."
                        + " Page through the results instead.");
            }
            // nothing this request can return is subject to consent: its count is exact as it is
            engine.startOperation(request, IConsentContextServices.NULL_IMPL);
            authorizeRequest(request);
            return;
        }
        super.interceptPreHandled(request);
    }

    /**
     * Consent binds what is disclosed. The resources a write loads and stores on its way (the
     * version an update replaces, the entries of a transaction) are not disclosures; withholding
     * them would corrupt the write. Reads inside a batch or transaction are sub-requests of their
     * own and are judged as reads.
     */
    @Override
    public void interceptPreAccess(RequestDetails request, IPreResourceAccessDetails details) {
        if (isWrite(request)) {
            return;
        }
        if (engine.isConsentBound(request)) {
            // a search's matches: judged from the indexes, so HAPI need not load them only for this
            Optional<List<FoundResources.Found>> facts = foundFacts(details);
            if (facts.isPresent()) {
                for (int i = 0; i < facts.get().size(); i++) {
                    if (!engine.permitsFound(request, facts.get().get(i))) {
                        details.setDontReturnResourceAtIndex(i);
                    }
                }
                return;
            }
        }
        super.interceptPreAccess(request, details);
    }

    private Optional<List<FoundResources.Found>> foundFacts(IPreResourceAccessDetails details) {
        try {
            return found.facts(details);
        } catch (BaseServerResponseException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ConsentUnavailableException(e);
        }
    }

    @Override
    public void interceptPreShow(RequestDetails request, IPreResourceShowDetails details) {
        if (!isWrite(request)) {
            super.interceptPreShow(request, details);
        }
    }

    /**
     * What a create or update returns is what the client itself just sent, as stored; everything
     * else (reads, searches, operations, patched resources, batch and transaction results) is
     * judged before it leaves.
     */
    @Override
    public void interceptOutgoingResponse(RequestDetails request, ResponseDetails response) {
        RestOperationTypeEnum operation = request.getRestOperationType();
        // a conditional create that matched answers 200 with the resource that already existed
        boolean created = operation == RestOperationTypeEnum.CREATE && response.getResponseCode() == 201;
        if (!created && operation != RestOperationTypeEnum.UPDATE) {
            super.interceptOutgoingResponse(request, response);
        }
    }

    private static boolean isWrite(RequestDetails request) {
        RestOperationTypeEnum operation = request.getRestOperationType();
        return operation != null
                && switch (operation) {
                    case CREATE, UPDATE, PATCH, DELETE, TRANSACTION, BATCH -> true;
                    default -> false;
                };
    }

    /** Withheld entries (resource removed by the consent check) leave the bundle entirely. */
    @Hook(value = Pointcut.SERVER_OUTGOING_RESPONSE, order = InterceptorOrder.CONSENT_WITHHELD_ENTRIES)
    public void removeWithheldEntries(IBaseResource response) {
        if (response instanceof Bundle bundle
                && (bundle.getType() == Bundle.BundleType.SEARCHSET
                        || bundle.getType() == Bundle.BundleType.HISTORY
                        || bundle.getType() == Bundle.BundleType.COLLECTION
                        || bundle.getType() == Bundle.BundleType.DOCUMENT)) {
            bundle.getEntry().removeIf(entry -> entry.getResource() == null && !entry.hasResponse());
        }
    }

    private static boolean asksForCount(RequestDetails request) {
        String[] summary = request.getParameters().get("_summary");
        String[] total = request.getParameters().get("_total");
        return (summary != null && Arrays.asList(summary).contains("count"))
                || (total != null && Arrays.asList(total).contains("accurate"));
    }
}
