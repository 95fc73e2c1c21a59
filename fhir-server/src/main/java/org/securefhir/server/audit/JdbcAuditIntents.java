package org.securefhir.server.audit;

import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.securefhir.interceptors.audit.AuditIntents;
import org.securefhir.interceptors.audit.AuditRecord;
import org.securefhir.interceptors.audit.AuditUnavailableException;
import org.securefhir.server.database.TransactionBatch;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Write intents in {@code audit.intent}, inserted by the transaction of the change itself: all of a
 * transaction's intents in one statement just before it commits (a FHIR transaction of 5,000
 * entries costs one round trip, not 5,000). If that insert fails, the transaction rolls back and
 * the request fails closed with 503.
 */
final class JdbcAuditIntents implements AuditIntents {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(JdbcAuditIntents.class);

    private final JdbcTemplate jdbc;
    private final String node;

    JdbcAuditIntents(JdbcTemplate jdbc, String node) {
        this.jdbc = jdbc;
        this.node = node;
    }

    @Override
    public void record(UUID key, AuditRecord record) {
        Row row = new Row(key, JdbcAuditStore.canonical(record));
        if (!TransactionSynchronizationManager.isSynchronizationActive()
                || !TransactionSynchronizationManager.isActualTransactionActive()) {
            insert(List.of(row)); // no transaction to join: before the change, on its own
            return;
        }
        // this transaction's batch (a suspended outer transaction's is set aside)
        TransactionBatch.current(this, () -> new Batch(this)).rows.add(row);
    }

    /**
     * Rows of one INSERT: three parameters each, well inside PostgreSQL's 65,535 parameters of a
     * statement (a 64 MB transaction may hold tens of thousands of resources).
     */
    static final int ROWS_PER_STATEMENT = 1_000;

    private void insert(List<Row> rows) {
        for (int from = 0; from < rows.size(); from += ROWS_PER_STATEMENT) {
            insertChunk(rows.subList(from, Math.min(rows.size(), from + ROWS_PER_STATEMENT)));
        }
    }

    private void insertChunk(List<Row> rows) {
        // created = the moment of the insert (just before the commit), not the transaction's start
        // (now()): a long transaction's intents must not look orphaned to the recovery at once
        StringBuilder sql = new StringBuilder("INSERT INTO audit.intent (id, node, content, created) VALUES ");
        for (int i = 0; i < rows.size(); i++) {
            sql.append(i == 0 ? "" : ",").append("(?,?,?,clock_timestamp())");
        }
        try {
            jdbc.execute((ConnectionCallback<Void>) connection -> {
                try (PreparedStatement statement = connection.prepareStatement(sql.toString())) {
                    int p = 1;
                    for (Row row : rows) {
                        statement.setObject(p++, row.key());
                        statement.setString(p++, node);
                        statement.setString(p++, row.content());
                    }
                    statement.executeUpdate();
                }
                return null;
            });
        } catch (DataAccessException e) {
            // not chained as the cause: HAPI retries (and answers 409 to) a transaction whose
            // failure has a constraint violation anywhere in its causes
            log.error(
                    "Audit intents could not be stored; the transaction rolls back: {}",
                    e.getClass().getSimpleName());
            throw new AuditUnavailableException("The audit trail is unavailable; the change was not made", null);
        }
    }

    private record Row(UUID key, String content) {}

    /** One transaction's intents, inserted in that transaction just before it commits. */
    private static final class Batch implements TransactionSynchronization {
        private final JdbcAuditIntents owner;
        private final List<Row> rows = new ArrayList<>();

        Batch(JdbcAuditIntents owner) {
            this.owner = owner;
        }

        @Override
        public void beforeCommit(boolean readOnly) {
            owner.insert(rows);
        }
    }
}
