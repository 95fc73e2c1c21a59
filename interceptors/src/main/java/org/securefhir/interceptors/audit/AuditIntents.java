package org.securefhir.interceptors.audit;

import java.util.UUID;

/**
 * Where the record of a write is put before the write commits: in the same database transaction
 * as the change, so that a change never commits without it (if it cannot be stored, the change
 * rolls back). The request's own record settles it once that is committed to the audit trail;
 * what is left unsettled (the process died, or the trail failed, in between) is moved into the
 * trail by the store's recovery.
 */
@FunctionalInterface
public interface AuditIntents {

    /**
     * Stores the record as part of the current transaction.
     *
     * @throws AuditUnavailableException when it cannot be (the transaction then rolls back)
     */
    void record(UUID key, AuditRecord record);
}
