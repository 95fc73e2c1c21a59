package org.securefhir.interceptors.audit;

import java.util.List;

/** The durable audit store: {@link #append} returns only once the record is committed. */
@FunctionalInterface
public interface AuditSink {

    /**
     * Stores the record durably before returning.
     *
     * @throws AuditUnavailableException when the record could not be committed (the request then
     *     fails closed)
     */
    void append(AuditRecord record);

    /** Stores several records durably before returning (one wait, not one per record). */
    default void appendAll(List<AuditRecord> records) {
        records.forEach(this::append);
    }

    /**
     * Stores the records durably and, in the same commit, removes the write intents they account
     * for (see {@link AuditIntents}).
     */
    default void appendAll(List<AuditRecord> records, java.util.Collection<java.util.UUID> settledIntents) {
        if (!settledIntents.isEmpty()) {
            // a sink that ignored them would leave every change to be recovered as if interrupted
            throw new IllegalStateException("This audit sink cannot settle write intents");
        }
        appendAll(records);
    }
}
