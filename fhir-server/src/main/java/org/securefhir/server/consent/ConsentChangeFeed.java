package org.securefhir.server.consent;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.securefhir.auth.schema.ChannelListener;
import org.securefhir.server.database.TransactionBatch;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Tells every server node that a patient's consent facts (Consents, treatment relationships) or a
 * user's break-glass declarations changed, so that node-local caches never serve stale facts for
 * longer than {@code consent.max-staleness}. PostgreSQL {@code NOTIFY} inside the writing
 * transaction (delivered only if and when it commits), {@code LISTEN} on one connection per node
 * ({@link ChannelListener});
 * the writing node also drops its own entries the moment the transaction commits. While the
 * listener has not heard from the database within the staleness bound (connection lost, thread
 * starved), caches are bypassed: facts are read from the database on every request.
 */
final class ConsentChangeFeed implements AutoCloseable {

    static final String CHANNEL = "securefhir_consent";
    /** Payload that means "everything may have changed" (sent on reconnect). */
    static final String ALL = ChannelListener.ALL;

    private final DataSource dataSource;
    private final JdbcTemplate jdbc;
    private final List<Consumer<String>> subscribers = new CopyOnWriteArrayList<>();
    private final ChannelListener listener;

    ConsentChangeFeed(DataSource dataSource, JdbcTemplate jdbc, Clock clock, Duration maxStaleness) {
        this.dataSource = dataSource;
        this.jdbc = jdbc;
        this.listener = new ChannelListener(dataSource, CHANNEL, clock, maxStaleness, this::deliver);
    }

    void start() {
        listener.start();
    }

    /** The listener heard from the database (every poll, notifications or not). */
    void heard() {
        listener.heard();
    }

    void subscribe(Consumer<String> subscriber) {
        subscribers.add(subscriber);
    }

    /** Whether cached facts may be used: the listener heard from the database within the bound. */
    boolean fresh() {
        return listener.fresh();
    }

    /**
     * Announces a change ({@code p:<patient>} or {@code u:<user>}) as part of the current
     * transaction: other nodes hear of it when it commits, this node drops its entries at commit.
     */
    void publish(String key) {
        if (!TransactionSynchronizationManager.isSynchronizationActive()) {
            sendNotify(key);
            deliver(key);
            return;
        }
        TransactionBatch.current(this, Announcements::new).keys.add(key);
    }

    /**
     * One transaction's announcements, each key once (a patient's 500 encounters are one change
     * of that patient): NOTIFY on the transaction's own connection just before it commits, so it
     * is delivered when (and only if) it commits; were the connection not the transaction's, sent
     * after the commit instead.
     */
    private final class Announcements implements TransactionSynchronization {
        private final java.util.Set<String> keys = new java.util.LinkedHashSet<>();
        private boolean sent;

        @Override
        public void beforeCommit(boolean readOnly) {
            if (TransactionSynchronizationManager.hasResource(dataSource)) {
                keys.forEach(ConsentChangeFeed.this::sendNotify);
                sent = true;
            }
        }

        @Override
        public void afterCommit() {
            for (String key : keys) {
                if (!sent) {
                    sendNotify(key);
                }
                deliver(key);
            }
        }
    }

    private void sendNotify(String key) {
        jdbc.query("SELECT pg_notify(?, ?)", rs -> null, CHANNEL, key);
    }

    private void deliver(String key) {
        for (Consumer<String> subscriber : subscribers) {
            subscriber.accept(key);
        }
    }

    @Override
    public void close() {
        listener.close();
    }
}
