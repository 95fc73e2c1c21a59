package org.securefhir.interceptors.audit;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.ResponseDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.securefhir.interceptors.InterceptorOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An audit record for every FHIR interaction, successful, denied or failed, committed before the
 * response leaves (fail closed: if the store cannot commit, the client gets 503 instead of the
 * data). Batch and transaction entries get a record each. The patients are taken from what was
 * returned or changed (including resources deleted or replaced), not only from the request.
 */
@Interceptor
public final class AuditInterceptor {

    private static final Logger log = LoggerFactory.getLogger(AuditInterceptor.class);
    private static final String DRAFT = AuditInterceptor.class.getName() + ".draft";
    private static final String DONE = AuditInterceptor.class.getName() + ".done";
    private static final String INTENTS = AuditInterceptor.class.getName() + ".intents";

    private final AuditRecords records;
    private final AuditSink sink;
    private final AuditIntents intents;

    public AuditInterceptor(AuditRecords records, AuditSink sink) {
        this(records, sink, null);
    }

    /**
     * @param intents where each change's record is kept in the change's own transaction (null: the
     *     request's record alone, appended after the change commits)
     */
    public AuditInterceptor(AuditRecords records, AuditSink sink, AuditIntents intents) {
        this.records = records;
        this.sink = sink;
        this.intents = intents;
    }

    @Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED, order = InterceptorOrder.AUDIT)
    public void created(RequestDetails request, IBaseResource resource) {
        changed(request, resource);
    }

    @Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED, order = InterceptorOrder.AUDIT)
    public void updated(RequestDetails request, IBaseResource stored, IBaseResource incoming) {
        changed(request, stored);
        changed(request, incoming);
    }

    @Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_DELETED, order = InterceptorOrder.AUDIT)
    public void deleted(RequestDetails request, IBaseResource resource) {
        changed(request, resource);
    }

    @Hook(value = Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED, order = InterceptorOrder.AUDIT)
    public void committingCreate(RequestDetails request, IBaseResource resource) {
        intend(request, "create", "C", resource);
    }

    @Hook(value = Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED, order = InterceptorOrder.AUDIT)
    public void committingUpdate(RequestDetails request, IBaseResource previous, IBaseResource resource) {
        intend(request, "update", "U", resource);
    }

    @Hook(value = Pointcut.STORAGE_PRECOMMIT_RESOURCE_DELETED, order = InterceptorOrder.AUDIT)
    public void committingDelete(RequestDetails request, IBaseResource resource) {
        intend(request, "delete", "D", resource);
    }

    /** The change's record goes into its own transaction (fails closed: no record, no change). */
    private void intend(RequestDetails request, String subtype, String action, IBaseResource resource) {
        if (intents == null || request == null || request instanceof SystemRequestDetails || resource == null) {
            return;
        }
        UUID key = UUID.randomUUID();
        intents.record(key, records.written(draft(request), subtype, action, resource));
        intentKeys(request).add(key);
    }

    @SuppressWarnings("unchecked")
    private static List<UUID> intentKeys(RequestDetails request) {
        return (List<UUID>) request.getUserData().computeIfAbsent(INTENTS, name -> new ArrayList<UUID>());
    }

    /** The intents a successful request's record accounts for (none for a failed one: kept, recovered). */
    private static List<UUID> settled(RequestDetails request, int status) {
        Object keys = request.getUserData().get(INTENTS);
        if (status >= 400 || !(keys instanceof List<?> list)) {
            return List.of();
        }
        return list.stream().map(UUID.class::cast).toList();
    }

    @Hook(value = Pointcut.SERVER_OUTGOING_RESPONSE, order = InterceptorOrder.AUDIT)
    public void responding(RequestDetails request, IBaseResource response, ResponseDetails details) {
        Draft draft = draft(request);
        if (!(response instanceof AuditEvent) && !isAuditBundle(response)) {
            records.addResources(draft, response);
        }
        if (response != null
                && !(response instanceof Bundle)
                && response.getIdElement().hasIdPart()) {
            records.identify(draft, response); // e.g. the id a create assigned
        }
        records.annotate(draft, request);
        int status = details == null ? 200 : details.getResponseCode();
        RestOperationTypeEnum operation = request.getRestOperationType();
        if ((operation == RestOperationTypeEnum.TRANSACTION || operation == RestOperationTypeEnum.BATCH)
                && request.getResource() instanceof Bundle entries) {
            draft.subtype = entries.getType() == Bundle.BundleType.BATCH ? "batch" : "transaction";
            List<AuditRecord> all =
                    new ArrayList<>(records.entries(draft, entries, response instanceof Bundle b ? b : null));
            all.add(records.success(draft, status));
            request.getUserData().put(DONE, Boolean.TRUE);
            sink.appendAll(all, settled(request, status));
            return;
        }
        request.getUserData().put(DONE, Boolean.TRUE);
        sink.appendAll(List.of(records.success(draft, status)), settled(request, status));
    }

    @Hook(value = Pointcut.SERVER_HANDLE_EXCEPTION, order = InterceptorOrder.AUDIT)
    public boolean failed(RequestDetails request, BaseServerResponseException exception) {
        if (exception instanceof AuditUnavailableException
                || request.getUserData().get(DONE) != null) {
            return true; // the store is down (the client gets 503), or this request is recorded already
        }
        request.getUserData().put(DONE, Boolean.TRUE);
        try {
            Draft draft = draft(request);
            records.annotate(draft, request);
            sink.append(records.failure(draft, exception));
        } catch (AuditUnavailableException e) {
            log.error("Audit record of a failed request could not be committed (request {})", request.getRequestId());
        }
        return true;
    }

    private void changed(RequestDetails request, IBaseResource resource) {
        if (request == null || request instanceof SystemRequestDetails || resource == null) {
            return;
        }
        records.addResources(draft(request), resource);
    }

    private Draft draft(RequestDetails request) {
        Object existing = request.getUserData().get(DRAFT);
        if (existing instanceof Draft draft) {
            return draft;
        }
        Draft draft = records.start(request);
        request.getUserData().put(DRAFT, draft);
        return draft;
    }

    private static boolean isAuditBundle(IBaseResource response) {
        return response instanceof Bundle bundle
                && !bundle.getEntry().isEmpty()
                && bundle.getEntry().stream().allMatch(entry -> entry.getResource() instanceof AuditEvent);
    }
}
