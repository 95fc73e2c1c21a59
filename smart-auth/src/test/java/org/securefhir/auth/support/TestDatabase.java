package org.securefhir.auth.support;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.sql.DataSource;
import org.securefhir.auth.schema.SmartAuthSchema;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A real PostgreSQL for the storage tests, started once per test JVM with the smart-auth schema
 * migrated. Tests isolate themselves with unique user names, never by clearing tables.
 */
public final class TestDatabase {

    private static final EmbeddedPostgres POSTGRES = start();

    private TestDatabase() {}

    public static DataSource dataSource() {
        return POSTGRES.getPostgresDatabase();
    }

    public static JdbcTemplate jdbc() {
        return new JdbcTemplate(dataSource());
    }

    public static TransactionTemplate transactions() {
        return new TransactionTemplate(new DataSourceTransactionManager(dataSource()));
    }

    private static EmbeddedPostgres start() {
        try {
            EmbeddedPostgres postgres = EmbeddedPostgres.builder().start();
            SmartAuthSchema.migrate(postgres.getPostgresDatabase());
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    postgres.close();
                } catch (IOException ignored) {
                    // the JVM is exiting
                }
            }));
            return postgres;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
