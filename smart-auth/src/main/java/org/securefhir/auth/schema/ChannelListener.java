package org.securefhir.auth.schema;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One PostgreSQL {@code LISTEN} connection per node and channel, on a daemon thread: hands every
 * notification's payload to a consumer, and {@link #ALL} whenever listening (re)starts, since
 * whatever was sent while not listening is lost. Node-local caches use it to drop what another node
 * (or this one) changed, and {@link #fresh()} to know whether they may be used at all: only while
 * the listener heard from the database (a poll, notifications or not) within the staleness bound.
 * A lost connection or a starved thread makes every cache fall back to the database.
 */
public final class ChannelListener implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ChannelListener.class);
    private static final Pattern CHANNEL = Pattern.compile("[a-z_][a-z0-9_]*");
    /** Payload delivered when listening (re)starts: "everything may have changed". */
    public static final String ALL = "*";
    /** How long one poll waits for notifications: well inside any staleness bound. */
    private static final int POLL_MILLIS = 100;

    private final DataSource dataSource;
    private final String channel;
    private final Clock clock;
    private final Duration maxStaleness;
    private final Consumer<String> consumer;
    private final Thread thread;
    private volatile Instant heartbeat = Instant.MIN;
    private volatile boolean running = true;

    public ChannelListener(
            DataSource dataSource, String channel, Clock clock, Duration maxStaleness, Consumer<String> consumer) {
        if (!CHANNEL.matcher(channel).matches()) {
            throw new IllegalArgumentException("Not a plain channel name: " + channel);
        }
        this.dataSource = dataSource;
        this.channel = channel;
        this.clock = clock;
        this.maxStaleness = maxStaleness;
        this.consumer = consumer;
        this.thread = new Thread(this::listen, channel.replace('_', '-').toLowerCase(Locale.ROOT) + "-listener");
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    /** The listener heard from the database (every poll, notifications or not). */
    public void heard() {
        heartbeat = clock.instant();
    }

    /** Whether node-local caches may be used: the listener heard from the database within the bound. */
    public boolean fresh() {
        Instant last = heartbeat;
        return last != Instant.MIN && Duration.between(last, clock.instant()).compareTo(maxStaleness) < 0;
    }

    private void listen() {
        while (running) {
            try (Connection connection = dataSource.getConnection()) {
                PGConnection postgres = connection.unwrap(PGConnection.class);
                try (Statement statement = connection.createStatement()) {
                    statement.execute("LISTEN " + channel);
                }
                consumer.accept(ALL); // whatever happened while not listening
                while (running) {
                    PGNotification[] notifications = postgres.getNotifications(POLL_MILLIS);
                    if (notifications != null) {
                        for (PGNotification notification : notifications) {
                            consumer.accept(notification.getParameter());
                        }
                    }
                    heard();
                }
            } catch (SQLException | RuntimeException e) {
                heartbeat = Instant.MIN;
                if (running) {
                    log.warn(
                            "Listener of {} lost its database connection ({}); caches bypassed until it is back",
                            channel,
                            e.getClass().getSimpleName());
                    pause();
                }
            }
        }
    }

    private static void pause() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}
