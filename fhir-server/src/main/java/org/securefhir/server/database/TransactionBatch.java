package org.securefhir.server.database;

import java.util.function.Supplier;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * One synchronization per owner and transaction, found by a map lookup: work a transaction
 * collects as it goes (audit intents, change notifications) and does once, at its commit. Looking
 * for it among {@link TransactionSynchronizationManager#getSynchronizations()} instead copies and
 * sorts every synchronization of the transaction on each call, which made a transaction of 13,000
 * resources spend half its time sorting. A suspended outer transaction's batch is set aside (not
 * found by the inner transaction) and found again when it resumes.
 */
public final class TransactionBatch {

    private TransactionBatch() {}

    /**
     * The owner's synchronization in the current transaction, made by {@code create} and registered
     * on first use; synchronization must be active.
     */
    @SuppressWarnings("unchecked")
    public static <T extends TransactionSynchronization> T current(Object owner, Supplier<T> create) {
        Object bound = TransactionSynchronizationManager.getResource(owner);
        if (bound instanceof Bound holder) {
            return (T) holder.delegate;
        }
        T created = create.get();
        Bound holder = new Bound(owner, created);
        TransactionSynchronizationManager.bindResource(owner, holder);
        TransactionSynchronizationManager.registerSynchronization(holder);
        return created;
    }

    private static final class Bound implements TransactionSynchronization {
        private final Object owner;
        private final TransactionSynchronization delegate;

        Bound(Object owner, TransactionSynchronization delegate) {
            this.owner = owner;
            this.delegate = delegate;
        }

        @Override
        public int getOrder() {
            return delegate.getOrder();
        }

        @Override
        public void suspend() {
            TransactionSynchronizationManager.unbindResourceIfPossible(owner);
            delegate.suspend();
        }

        @Override
        public void resume() {
            TransactionSynchronizationManager.bindResource(owner, this);
            delegate.resume();
        }

        @Override
        public void flush() {
            delegate.flush();
        }

        @Override
        public void beforeCommit(boolean readOnly) {
            delegate.beforeCommit(readOnly);
        }

        @Override
        public void beforeCompletion() {
            delegate.beforeCompletion();
        }

        @Override
        public void afterCommit() {
            delegate.afterCommit();
        }

        @Override
        public void afterCompletion(int status) {
            TransactionSynchronizationManager.unbindResourceIfPossible(owner);
            delegate.afterCompletion(status);
        }
    }
}
