package org.securefhir.server.database;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A database set up by an earlier release, whose tables were created at run time without a
 * migration history, is taken over by the migrations as it is: each schema baselined at version 0,
 * its version-1 script run over it, no row lost, the paging owners moved out of HAPI's schema.
 */
class SchemaUpgradeIT {

    @Test
    void whenTablesMadeAtRunTimeByAnEarlierReleaseAreMigratedThenTheirRowsAreKept() throws Exception {
        try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().start()) {
            JdbcTemplate db = new JdbcTemplate(postgres.getPostgresDatabase());
            // what the earlier release's beans created at start-up, with a row each
            db.execute("CREATE SCHEMA encryption");
            db.execute("CREATE TABLE encryption.data_key (owner varchar(200) NOT NULL, version int NOT NULL,"
                    + " kek_version varchar(100) NOT NULL, wrapped bytea NOT NULL, created timestamptz NOT NULL,"
                    + " PRIMARY KEY (owner, version))");
            db.execute("ALTER TABLE encryption.data_key ADD COLUMN retired boolean NOT NULL DEFAULT false");
            db.update("INSERT INTO encryption.data_key (owner, version, kek_version, wrapped, created)"
                    + " VALUES ('Patient/p1', 1, '1', '\\x01'::bytea, now())");
            db.execute("CREATE SCHEMA consent");
            db.execute("CREATE TABLE consent.break_glass (id uuid PRIMARY KEY, user_id varchar(200) NOT NULL,"
                    + " fhir_user varchar(200), client_id varchar(200) NOT NULL, patient_id varchar(64) NOT NULL,"
                    + " reason_code varchar(64) NOT NULL, reason_text varchar(1000) NOT NULL,"
                    + " declared_at timestamptz NOT NULL, expires_at timestamptz NOT NULL, reviewed_at timestamptz,"
                    + " reviewed_by varchar(200), review_note varchar(2000))");
            db.update("INSERT INTO consent.break_glass (id, user_id, client_id, patient_id, reason_code, reason_text,"
                    + " declared_at, expires_at) VALUES (gen_random_uuid(), 'u1', 'app', 'p1', 'other',"
                    + " 'unconscious in ED', now(), now())");
            db.execute("CREATE TABLE fhir_search_owner (search_id varchar(100) PRIMARY KEY,"
                    + " owner_digest char(64) NOT NULL, created timestamptz NOT NULL)");
            db.update(
                    "INSERT INTO fhir_search_owner VALUES ('search-1', ?, ?)",
                    "a".repeat(64),
                    OffsetDateTime.now(ZoneOffset.UTC));

            for (String schema : List.of("encryption", "consent", "access_control")) {
                SchemaMigration.flyway(0, schema, postgres.getPostgresDatabase(), Map.of())
                        .migrate()
                        .run();
            }

            // every row kept, the columns of later versions added
            assertThat(db.queryForList("SELECT owner, erased FROM encryption.data_key"))
                    .singleElement()
                    .satisfies(row -> assertThat(row).containsEntry("owner", "Patient/p1"));
            assertThat(db.queryForObject("SELECT count(*) FROM encryption.rotation", Integer.class))
                    .isZero();
            assertThat(db.queryForObject("SELECT reason_text FROM consent.break_glass", String.class))
                    .isEqualTo("unconscious in ED");
            assertThat(db.queryForObject(
                            "SELECT owner_digest FROM access_control.search_owner WHERE search_id = 'search-1'",
                            String.class))
                    .isEqualTo("a".repeat(64));
            assertThat(db.queryForObject("SELECT to_regclass('public.fhir_search_owner') IS NULL", Boolean.class))
                    .isTrue();
            assertThat(db.queryForObject("SELECT count(*) FROM pg_proc WHERE proname = 'found_facts'", Integer.class))
                    .isEqualTo(1);
            // baselined, then version 1 run over what was there
            for (String schema : List.of("encryption", "consent")) {
                assertThat(db.queryForList(
                                "SELECT version FROM " + schema + ".flyway_schema_history"
                                        + " WHERE version IS NOT NULL AND success ORDER BY installed_rank",
                                String.class))
                        .as(schema)
                        .containsExactly("0", "1");
            }
        }
    }
}
