package org.securefhir.server.database;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.List;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every schema of the server, migrated at start-up while this node holds the deployment's start-up
 * lock (a PostgreSQL advisory lock). The lock is kept until the node is ready, or fails: nodes
 * starting together on one database start one after the other, so none races another on creating
 * a role, a schema or a history table, nor on what HAPI and the server put into an empty database
 * on their first start (HAPI's resource-type table, the bootstrap administrator, demo data).
 * Whatever reads or writes the database depends on this bean (the {@code JdbcTemplate} and HAPI's
 * entity manager do).
 */
public final class DatabaseSchemas implements AutoCloseable {

    /** The advisory lock's key: "securefh" in ASCII, apart from the keys Flyway and HAPI use. */
    static final long LOCK = 0x7365637572656668L;

    private static final Logger log = LoggerFactory.getLogger(DatabaseSchemas.class);

    private final List<String> migrated;
    private Connection locked;

    private DatabaseSchemas(List<String> migrated, Connection locked) {
        this.migrated = migrated;
        this.locked = locked;
    }

    /**
     * Takes the start-up lock on a connection of {@code dataSource} (waiting while another node
     * holds it), then runs every migration in its order.
     */
    public static DatabaseSchemas migrate(DataSource dataSource, List<SchemaMigration> migrations) {
        List<SchemaMigration> ordered = migrations.stream()
                .sorted(Comparator.comparingInt(SchemaMigration::order))
                .toList();
        Connection connection = null;
        try {
            connection = dataSource.getConnection();
            connection.setAutoCommit(true);
            try (Statement statement = connection.createStatement()) {
                statement.execute("SELECT pg_advisory_lock(" + LOCK + ")");
            }
            for (SchemaMigration migration : ordered) {
                migration.migrate().run();
            }
            List<String> names = ordered.stream().map(SchemaMigration::schema).toList();
            log.info("Database schemas current: {}", String.join(", ", names));
            return new DatabaseSchemas(names, connection);
        } catch (SQLException e) {
            closeQuietly(connection);
            throw new IllegalStateException("The database schemas could not be migrated: " + e.getSQLState(), e);
        } catch (RuntimeException e) {
            closeQuietly(connection);
            throw e;
        }
    }

    /** The schemas migrated, in their order. */
    public List<String> migrated() {
        return migrated;
    }

    /** Lets the next node start (this one is ready, or stopping). */
    public synchronized void releaseStartupLock() {
        if (locked == null) {
            return;
        }
        try (Statement statement = locked.createStatement()) {
            statement.execute("SELECT pg_advisory_unlock(" + LOCK + ")");
        } catch (SQLException e) {
            log.warn("The start-up lock could not be released ({}); it ends with the connection", e.getSQLState());
        } finally {
            closeQuietly(locked);
            locked = null;
        }
    }

    @Override
    public void close() {
        releaseStartupLock();
    }

    private static void closeQuietly(Connection connection) {
        if (connection == null) {
            return;
        }
        try {
            connection.close();
        } catch (SQLException e) {
            log.debug("closing the start-up lock's connection failed ({})", e.getSQLState());
        }
    }
}
