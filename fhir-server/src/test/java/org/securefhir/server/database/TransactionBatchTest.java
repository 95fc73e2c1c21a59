package org.securefhir.server.database;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionSynchronizationUtils;

class TransactionBatchTest {

    private final Object owner = new Object();

    /** A batch that records what happened to it. */
    private static final class Recording implements TransactionSynchronization {
        final List<String> events = new ArrayList<>();

        @Override
        public void beforeCommit(boolean readOnly) {
            events.add("beforeCommit");
        }

        @Override
        public void afterCommit() {
            events.add("afterCommit");
        }
    }

    @AfterEach
    void clear() {
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.clearSynchronization();
        }
        TransactionSynchronizationManager.unbindResourceIfPossible(owner);
    }

    @Test
    void whenAskedTwiceInOneTransactionThenTheSameBatchRegisteredOnce() {
        TransactionSynchronizationManager.initSynchronization();

        Recording first = TransactionBatch.current(owner, Recording::new);
        Recording second = TransactionBatch.current(owner, Recording::new);

        assertThat(second).isSameAs(first);
        assertThat(TransactionSynchronizationManager.getSynchronizations()).hasSize(1);
        TransactionSynchronizationUtils.triggerBeforeCommit(false);
        TransactionSynchronizationUtils.triggerAfterCompletion(TransactionSynchronization.STATUS_COMMITTED);
        assertThat(first.events).containsExactly("beforeCommit");
        assertThat(TransactionSynchronizationManager.hasResource(owner)).isFalse();
    }

    @Test
    void whenTheTransactionIsSuspendedThenAnInnerOneGetsItsOwnBatchAndTheOuterOneComesBack() {
        TransactionSynchronizationManager.initSynchronization();
        Recording outer = TransactionBatch.current(owner, Recording::new);

        // suspend as Spring does for REQUIRES_NEW
        List<TransactionSynchronization> suspended = TransactionSynchronizationManager.getSynchronizations();
        suspended.forEach(TransactionSynchronization::suspend);
        TransactionSynchronizationManager.clearSynchronization();
        TransactionSynchronizationManager.initSynchronization();
        Recording inner = TransactionBatch.current(owner, Recording::new);
        assertThat(inner).isNotSameAs(outer);
        TransactionSynchronizationUtils.triggerAfterCompletion(TransactionSynchronization.STATUS_COMMITTED);
        TransactionSynchronizationManager.clearSynchronization();

        // resume
        TransactionSynchronizationManager.initSynchronization();
        suspended.forEach(synchronization -> {
            synchronization.resume();
            TransactionSynchronizationManager.registerSynchronization(synchronization);
        });
        assertThat(TransactionBatch.current(owner, Recording::new)).isSameAs(outer);
    }
}
