package org.securefhir.server.database;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.securefhir.server.FhirServerApplication;
import org.securefhir.server.support.AbstractFhirServerIT;
import org.securefhir.server.support.TestFhirClient;
import org.securefhir.server.support.TestResources;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * With {@code spring.datasource.url} set, as in a hospital deployment, the server stores into that
 * PostgreSQL (schema created by the migrations) and starts no embedded database. The "external"
 * server here is a separate PostgreSQL process started by the test.
 */
class ExternalDatabaseIT {

    @Test
    void serverWhenDatasourceUrlConfiguredThenStoresThereAndStartsNoEmbeddedDatabase() throws Exception {
        Path dataDir = AbstractFhirServerIT.freshDirectory("external-db-");
        String patientId;
        try (EmbeddedPostgres external = EmbeddedPostgres.builder().start()) {
            String url = external.getJdbcUrl("postgres", "postgres");
            try (ConfigurableApplicationContext context = new SpringApplicationBuilder(FhirServerApplication.class)
                    .run(
                            "--fhir.data-dir=" + dataDir,
                            "--server.port=" + AbstractFhirServerIT.freePort(),
                            "--spring.datasource.url=" + url,
                            "--spring.datasource.username=postgres")) {
                TestFhirClient fhir = AbstractFhirServerIT.fhirOf(
                        context, dataDir.resolve("tls").resolve("server.crt"));

                patientId = fhir.create("/Patient", TestResources.patient("External", "1955-05-05"));
                assertThat(context.getBeansOfType(EmbeddedPostgres.class)).isEmpty();
                assertThat(dataDir.resolve("postgres")).doesNotExist();
            }
            try (Connection connection = external.getPostgresDatabase().getConnection();
                    Statement statement = connection.createStatement();
                    ResultSet rows = statement.executeQuery(
                            "SELECT count(*) FROM hfj_resource WHERE res_type = 'Patient' AND fhir_id = '" + patientId
                                    + "'")) {
                rows.next();
                assertThat(rows.getInt(1)).isEqualTo(1);
            }
        }
    }
}
