package org.securefhir.server.consent;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.securefhir.server.database.DatabaseAdministrator;
import org.securefhir.server.support.AbstractFhirServerIT;
import org.securefhir.server.support.QueryPlans;
import org.securefhir.server.support.QueryPlans.Plan;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The statements consent runs per request (a patient's Consents when a node first meets the patient,
 * the facts of a search's matches, a resource's labels over every version, a user's break-glass
 * declarations) find their rows through indexes: executed among 10,000 copies of the same patient,
 * Consent and labelled Observation in HAPI's tables, each touches a few dozen pages and scans no
 * table.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsentQueryPlansIT extends AbstractFhirServerIT {

    private static final int COPIES = 10_000;
    private static final long OFFSET = 1_000_000_000L;
    private static final int MAX_PAGES = 100;

    @Autowired
    private DatabaseAdministrator administrator;

    private String patient;
    private String observation;
    private long[] pids;

    @BeforeAll
    void store() {
        String run = UUID.randomUUID().toString().substring(0, 8);
        patient = fhir().create(
                        "/Patient",
                        new Patient().addName(new org.hl7.fhir.r4.model.HumanName().setFamily("Plan" + run)));
        Consent consent = new Consent();
        consent.setStatus(Consent.ConsentState.ACTIVE);
        consent.setScope(new CodeableConcept(
                new Coding("http://terminology.hl7.org/CodeSystem/consentscope", "patient-privacy", null)));
        consent.addCategory(new CodeableConcept(new Coding("http://loinc.org", "59284-0", null)));
        consent.setPatient(new Reference("Patient/" + patient));
        consent.getProvision().setType(Consent.ConsentProvisionType.DENY);
        String consentId = fhir().create("/Consent", consent);
        Observation labelled = new Observation();
        labelled.setStatus(Observation.ObservationStatus.FINAL);
        labelled.setCode(new CodeableConcept(new Coding("http://loinc.org", "8867-4", null)));
        labelled.setSubject(new Reference("Patient/" + patient));
        labelled.getMeta().addSecurity("http://terminology.hl7.org/CodeSystem/v3-ActCode", "PSY", null);
        observation = fhir().create("/Observation", labelled);
        pids = new long[] {pid("Patient", patient), pid("Consent", consentId), pid("Observation", observation)};
    }

    @Test
    void whenANodeFirstMeetsAPatientThenItsConsentsAreFoundThroughIndexes() {
        withCopies(connection ->
                assertIndexed(QueryPlans.explain(connection, JdbcConsentDirectives.CONSENTS_OF_PATIENT, patient), 1));
    }

    @Test
    void whenASearchMatchesResourcesThenTheirConsentFactsAreFoundThroughIndexes() {
        Long[] found = {pids[0], pids[1], pids[2]};
        withCopies(connection -> {
            // the function plans its statement on its first call in a connection (catalog pages),
            // then keeps the plan: what every later call of a pooled connection runs
            QueryPlans.explain(connection, JdbcFoundResources.FACTS_BY_FUNCTION, (Object) found);
            return assertIndexed(
                    QueryPlans.explain(connection, JdbcFoundResources.FACTS_BY_FUNCTION, (Object) found), 3);
        });
    }

    @Test
    void whenAResourcesLabelsOverEveryVersionAreNeededThenTheyAreFoundThroughIndexes() {
        int label = JdbcLabelHistory.SECURITY_LABEL;
        withCopies(connection -> assertIndexed(
                QueryPlans.explain(
                        connection,
                        JdbcLabelHistory.LABELS,
                        "Observation",
                        observation,
                        label,
                        "Observation",
                        observation,
                        label),
                1));
    }

    @Test
    void whenAUsersBreakGlassDeclarationsAreReadThenAnIndexFindsThem() {
        QueryPlans.rolledBack(administrator.dataSource(), connection -> {
            QueryPlans.execute(
                    connection,
                    "INSERT INTO consent.break_glass (id, user_id, fhir_user, client_id, patient_id,"
                            + " reason_code, reason_text, declared_at, expires_at) SELECT gen_random_uuid(),"
                            + " 'user-' || (g % 2000), 'Practitioner/p-' || (g % 2000), 'clinician-app', 'pt-' || g,"
                            + " 'ETREAT', repeat('an emergency ', 10), now() - g * interval '1 minute',"
                            + " now() - g * interval '1 minute' + interval '1 hour' FROM generate_series(1, 50000) g");
            QueryPlans.analyze(connection, "consent.break_glass");
            assertThat(QueryPlans.pages(connection, "consent.break_glass")).isGreaterThan(500);
            assertIndexed(
                    QueryPlans.explain(connection, JdbcBreakGlass.UNEXPIRED, "user-7", Timestamp.from(Instant.now())),
                    1);
            return null;
        });
    }

    private static Void assertIndexed(Plan plan, int rows) {
        assertThat(plan.root().path("Actual Rows").asLong()).as("%s", plan).isGreaterThanOrEqualTo(rows);
        assertThat(plan.sequentialScans()).as("%s", plan).isEmpty();
        assertThat(plan.pagesTouched()).as("%s", plan).isLessThan(MAX_PAGES);
        return null;
    }

    /**
     * The test's patient, Consent and labelled Observation copied 10,000 times in HAPI's tables
     * (resources, versions, references, labels of the current and every version), each copy a
     * resource of its own; rolled back afterwards.
     */
    private void withCopies(QueryPlans.Work<Void> check) {
        String ids = pids[0] + ", " + pids[1] + ", " + pids[2];
        String moved = " + g::bigint * " + OFFSET;
        QueryPlans.rolledBack(administrator.dataSource(), connection -> {
            QueryPlans.copyRows(
                    connection,
                    "hfj_resource",
                    "x.res_id IN (" + ids + ")",
                    COPIES,
                    Map.of("res_id", "x.res_id" + moved, "fhir_id", "x.fhir_id || '-' || g"));
            QueryPlans.copyRows(
                    connection,
                    "hfj_res_ver",
                    "x.res_id IN (" + ids + ")",
                    COPIES,
                    Map.of("pid", "x.pid" + moved, "res_id", "x.res_id" + moved));
            QueryPlans.copyRows(
                    connection,
                    "hfj_res_link",
                    "x.src_resource_id IN (" + ids + ")",
                    COPIES,
                    Map.of(
                            "pid", "x.pid" + moved,
                            "src_resource_id", "x.src_resource_id" + moved,
                            "target_resource_id", "x.target_resource_id" + moved));
            QueryPlans.copyRows(
                    connection,
                    "hfj_res_tag",
                    "x.res_id IN (" + ids + ")",
                    COPIES,
                    Map.of("pid", "x.pid" + moved, "res_id", "x.res_id" + moved));
            QueryPlans.copyRows(
                    connection,
                    "hfj_history_tag",
                    "x.res_id IN (" + ids + ")",
                    COPIES,
                    Map.of(
                            "pid",
                            "x.pid" + moved,
                            "res_id",
                            "x.res_id" + moved,
                            "res_ver_pid",
                            "x.res_ver_pid" + moved));
            QueryPlans.analyze(
                    connection, "hfj_resource", "hfj_res_ver", "hfj_res_link", "hfj_res_tag", "hfj_history_tag");
            assertThat(QueryPlans.pages(connection, "hfj_resource")).isGreaterThan(500);
            assertThat(QueryPlans.pages(connection, "hfj_res_ver")).isGreaterThan(500);
            return check.run(connection);
        });
    }

    private long pid(String type, String id) {
        return QueryPlans.rolledBack(administrator.dataSource(), connection -> {
            try (PreparedStatement statement =
                    connection.prepareStatement("SELECT res_id FROM hfj_resource WHERE res_type = ? AND fhir_id = ?")) {
                statement.setString(1, type);
                statement.setString(2, id);
                try (ResultSet rows = statement.executeQuery()) {
                    rows.next();
                    return rows.getLong(1);
                }
            }
        });
    }
}
