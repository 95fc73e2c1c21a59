package org.securefhir.server.audit;

import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.IPagingProvider;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;

/**
 * HAPI's database-backed paging for JPA searches, plus the pages of AuditEvent searches, whose page
 * id carries the query itself (so every node can serve them; the page binding to its owner still
 * applies).
 */
public final class AuditPagingProvider implements IPagingProvider {

    private final IPagingProvider delegate;
    private final AuditTrail trail;

    AuditPagingProvider(IPagingProvider delegate, AuditTrail trail) {
        this.delegate = delegate;
        this.trail = trail;
    }

    @Override
    public int getDefaultPageSize() {
        return delegate.getDefaultPageSize();
    }

    @Override
    public int getMaximumPageSize() {
        return delegate.getMaximumPageSize();
    }

    @Override
    public boolean canStoreSearchResults() {
        return delegate.canStoreSearchResults();
    }

    @Override
    public IBundleProvider retrieveResultList(RequestDetails request, String id) {
        if (id != null && id.startsWith(AuditQuery.PAGE_PREFIX)) {
            try {
                return trail.search(AuditQuery.fromPageId(id));
            } catch (IllegalArgumentException e) {
                throw new ResourceGoneException("Unknown search page");
            }
        }
        return delegate.retrieveResultList(request, id);
    }

    @Override
    public String storeResultList(RequestDetails request, IBundleProvider results) {
        if (results instanceof AuditTrail.Results audit) {
            return audit.getUuid();
        }
        return delegate.storeResultList(request, results);
    }
}
