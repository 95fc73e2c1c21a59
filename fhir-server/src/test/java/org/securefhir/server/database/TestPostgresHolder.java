package org.securefhir.server.database;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;

/**
 * Test fixture run as a separate JVM: starts PostgreSQL on the given cluster directory, says READY
 * and waits to be killed, so that a test can kill it with SIGKILL and leave PostgreSQL orphaned.
 */
public final class TestPostgresHolder {

    private TestPostgresHolder() {}

    public static void main(String[] args) throws Exception {
        EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                .setDataDirectory(Path.of(args[0]))
                .setCleanDataDirectory(false)
                .start();
        System.out.println("READY " + postgres.getPort());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
