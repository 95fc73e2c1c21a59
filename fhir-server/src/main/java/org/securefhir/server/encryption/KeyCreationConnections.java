package org.securefhir.server.encryption;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A small pool of connections of its own, on the server's database and login role, on which data
 * keys are created and committed outside any request's transaction ({@link JdbcDataKeys}). Its own
 * pool, not the server's: a writer holding one of the server's connections while waiting for a
 * second could exhaust that pool under concurrent first writes.
 */
final class KeyCreationConnections implements AutoCloseable {

    private static final int SIZE = 2;

    private final HikariDataSource pool;
    private final JdbcTemplate jdbc;

    private KeyCreationConnections(HikariDataSource pool) {
        this.pool = pool;
        this.jdbc = new JdbcTemplate(pool);
    }

    /** A pool configured as the server's (URL, login, properties, init SQL), of two connections. */
    static KeyCreationConnections like(DataSource server) {
        HikariDataSource hikari;
        try {
            hikari = server.unwrap(HikariDataSource.class);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("Data keys need the server's DataSource to be a Hikari pool", e);
        }
        HikariConfig config = new HikariConfig();
        hikari.copyStateTo(config);
        config.setPoolName("data-key-creation");
        config.setMaximumPoolSize(SIZE);
        config.setMinimumIdle(0);
        config.setAutoCommit(true);
        config.setReadOnly(false);
        config.setRegisterMbeans(false);
        return new KeyCreationConnections(new HikariDataSource(config));
    }

    JdbcTemplate jdbc() {
        return jdbc;
    }

    @Override
    public void close() {
        pool.close();
    }
}
