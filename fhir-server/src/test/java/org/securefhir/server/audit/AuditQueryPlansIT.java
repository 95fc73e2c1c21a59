package org.securefhir.server.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.securefhir.server.database.DatabaseAdministrator;
import org.securefhir.server.support.AbstractFhirServerIT;
import org.securefhir.server.support.QueryPlans;
import org.securefhir.server.support.QueryPlans.Plan;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The auditors' queries of the trail (who saw a patient, what a user or a client did, who touched a
 * resource, what happened in a few minutes) find their records through an index: executed over 20,000
 * more records, each touches a small fraction of the table's pages, never all of them.
 */
class AuditQueryPlansIT extends AbstractFhirServerIT {

    private static final int RECORDS = 20_000;
    private static final Instant NOW = Instant.now();

    @Autowired
    private DatabaseAdministrator administrator;

    @Autowired
    private AuditTrail trail;

    @Test
    void whenAnAuditorQueriesByPatientThenAnIndexFindsTheRecords() {
        assertIndexed(query(List.of("Patient/p-7"), List.of(), List.of(), null, null));
    }

    @Test
    void whenAnAuditorQueriesByUserThenAnIndexFindsTheRecords() {
        assertIndexed(query(List.of(), List.of("user-7"), List.of(), null, null));
    }

    @Test
    void whenAnAuditorQueriesByClientThenAnIndexFindsTheRecords() {
        assertIndexed(query(List.of(), List.of("client-7"), List.of(), null, null));
    }

    @Test
    void whenAnAuditorQueriesByTheResourceActedOnThenAnIndexFindsTheRecords() {
        assertIndexed(query(List.of(), List.of(), List.of("Observation/obs-77"), null, null));
    }

    @Test
    void whenAnAuditorQueriesAFewMinutesThenAnIndexFindsTheRecords() {
        assertIndexed(query(List.of(), List.of(), List.of(), NOW.minusSeconds(3_100), NOW.minusSeconds(3_000)));
    }

    @Test
    void whenAnAuditorQueriesAPatientInAPeriodThenAnIndexFindsTheRecords() {
        assertIndexed(query(List.of("Patient/p-7"), List.of(), List.of(), NOW.minusSeconds(86_400), NOW));
    }

    @Test
    void whenAnAuditorPagesThroughTheWholeTrailThenTheNewestPageIsReadThroughAnIndex() {
        withRecords(connection -> {
            List<Object> arguments = new ArrayList<>();
            AuditQuery all = query(List.of(), List.of(), List.of(), null, null);
            Plan page = QueryPlans.explain(connection, AuditTrail.pageSql(all, arguments, 20, 0), arguments.toArray());
            assertTouchesLittle(connection, page);
            Plan one = QueryPlans.explain(connection, AuditTrail.READ, 12_345L);
            assertTouchesLittle(connection, one);
            return null;
        });
    }

    @Test
    void whenASearchNamesNoPatientAgentOrResourceThenItsResultsAreNotCounted() {
        // counting them would read every record of the trail, on each page of the search
        assertThat(trail.search(query(List.of(), List.of(), List.of(), null, null))
                        .size())
                .isNull();
        assertThat(trail.search(new AuditQuery(
                                List.of(),
                                List.of(),
                                List.of(),
                                List.of(),
                                List.of("4"),
                                List.of(),
                                List.of(),
                                null,
                                null,
                                false,
                                0))
                        .size())
                .isNull();
        assertThat(trail.search(query(List.of("Patient/p-7"), List.of(), List.of(), null, null))
                        .size())
                .isNotNull();
        assertThat(trail.search(query(List.of(), List.of(), List.of(), null, null), true)
                        .size())
                .isNotNull(); // _summary=count
    }

    private static AuditQuery query(
            List<String> patients, List<String> agents, List<String> entities, Instant from, Instant to) {
        return new AuditQuery(
                patients,
                agents,
                entities,
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                from,
                to,
                false,
                Long.MAX_VALUE);
    }

    /** The first page of the query's results and its count both touch few of the table's pages. */
    private void assertIndexed(AuditQuery query) {
        withRecords(connection -> {
            List<Object> pageArguments = new ArrayList<>();
            Plan page = QueryPlans.explain(
                    connection, AuditTrail.pageSql(query, pageArguments, 20, 0), pageArguments.toArray());
            List<Object> countArguments = new ArrayList<>();
            Plan count = QueryPlans.explain(
                    connection, AuditTrail.countSql(query, countArguments), countArguments.toArray());
            assertTouchesLittle(connection, page);
            assertTouchesLittle(connection, count);
            return null;
        });
    }

    private static void assertTouchesLittle(Connection connection, Plan plan) throws SQLException {
        long table = QueryPlans.pages(connection, "audit.record");
        assertThat(table).isGreaterThan(1_000); // the synthetic records are there, a scan would show
        assertThat(plan.sequentialScans()).as("%s", plan).isEmpty();
        assertThat(plan.pagesTouched()).as("%s", plan).isLessThan(table / 20);
    }

    /**
     * 20,000 records of another node in the last 20,000 seconds: 500 users, 1,000 clients, 2,000
     * patients, one resource each; rolled back afterwards (the shared trail's chains stay intact).
     */
    private void withRecords(QueryPlans.Work<Void> check) {
        QueryPlans.rolledBack(administrator.dataSource(), connection -> {
            QueryPlans.execute(
                    connection,
                    "INSERT INTO audit.record (node, node_seq, recorded, category, subtype, action,"
                            + " outcome, user_id, client_id, resource_type, resource_id, patients, content, prev_hash, hash)"
                            + " SELECT 'query-plan-check', g, now() - g * interval '1 second', 'rest', 'read', 'R', '0',"
                            + " 'user-' || (g % 500), 'client-' || (g % 1000), 'Observation', 'obs-' || g,"
                            + " ARRAY['Patient/p-' || (g % 2000)], repeat('x', 600), '\\x00'::bytea, '\\x00'::bytea"
                            + " FROM generate_series(1, " + RECORDS + ") g");
            QueryPlans.analyze(connection, "audit.record");
            return check.run(connection);
        });
    }
}
