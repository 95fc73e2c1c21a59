package org.securefhir.server.consent;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.hl7.fhir.r4.model.Consent;
import org.securefhir.consent.ConsentDirective;
import org.securefhir.consent.ConsentDirectiveSource;
import org.securefhir.consent.ConsentDirectives;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Patients' active Consents read with plain SQL over HAPI's tables (the current version of every
 * Consent whose {@code patient} reference points at the patient) instead of FHIR searches: one
 * indexed query the first time a node meets a patient, and one pass over all of them when a node
 * warms its cache. Falls back to the FHIR search for a patient whose Consents are not stored as
 * plain JSON text.
 */
final class JdbcConsentDirectives implements ConsentDirectiveSource {

    private static final Logger log = LoggerFactory.getLogger(JdbcConsentDirectives.class);

    private static final String CONSENTS = """
            SELECT p.fhir_id AS patient, c.fhir_id AS consent, v.res_text_vc AS body
              FROM hfj_res_link l
              JOIN hfj_resource p ON p.res_id = l.target_resource_id AND p.res_type = 'Patient'
              JOIN hfj_resource c ON c.res_id = l.src_resource_id AND c.res_type = 'Consent'
                                 AND c.res_deleted_at IS NULL
              JOIN hfj_res_ver v ON v.res_id = c.res_id AND v.res_ver = c.res_ver
             WHERE l.src_path = 'Consent.patient'""";

    static final String CONSENTS_OF_PATIENT = CONSENTS + " AND p.fhir_id = ?";

    private final JdbcTemplate jdbc;
    private final FhirContext fhir;
    private final ConsentDirectives parser;
    private final ConsentDirectiveSource fallback;

    JdbcConsentDirectives(
            JdbcTemplate jdbc, FhirContext fhir, ConsentDirectives parser, ConsentDirectiveSource fallback) {
        this.jdbc = jdbc;
        this.fhir = fhir;
        this.parser = parser;
        this.fallback = fallback;
    }

    @Override
    public List<ConsentDirective> active(String patient) {
        List<Map<String, Object>> rows = jdbc.queryForList(CONSENTS_OF_PATIENT, patient);
        List<ConsentDirective> directives = new ArrayList<>(rows.size());
        IParser json = fhir.newJsonParser();
        for (Map<String, Object> row : rows) {
            if (!(row.get("body") instanceof String body)) {
                return fallback.active(patient); // stored compressed: let HAPI read it
            }
            directive(json, patient, "Consent/" + row.get("consent"), body).ifPresent(directives::add);
        }
        return List.copyOf(directives);
    }

    /**
     * Every patient's active Consents, in one pass; empty if more than {@code maxPatients}
     * patients have Consents, or if some Consent is not stored as plain JSON text.
     */
    Optional<Map<String, List<ConsentDirective>>> all(int maxPatients) {
        Map<String, List<ConsentDirective>> all = new HashMap<>();
        boolean[] complete = {true};
        IParser json = fhir.newJsonParser();
        jdbc.query(
                connection -> {
                    PreparedStatement statement = connection.prepareStatement(CONSENTS);
                    statement.setFetchSize(500);
                    return statement;
                },
                (ResultSet rs) -> {
                    if (!complete[0]) {
                        return;
                    }
                    String patient = rs.getString("patient");
                    String body = rs.getString("body");
                    if (body == null || (!all.containsKey(patient) && all.size() >= maxPatients)) {
                        complete[0] = false;
                        return;
                    }
                    List<ConsentDirective> directives = all.computeIfAbsent(patient, p -> new ArrayList<>());
                    directive(json, patient, "Consent/" + rs.getString("consent"), body)
                            .ifPresent(directives::add);
                });
        if (!complete[0]) {
            return Optional.empty();
        }
        Map<String, List<ConsentDirective>> frozen = new HashMap<>();
        all.forEach((patient, directives) -> frozen.put(patient, List.copyOf(directives)));
        return Optional.of(frozen);
    }

    /** The directive of one stored Consent; empty if it is not active; unreadable ones deny. */
    private Optional<ConsentDirective> directive(IParser json, String patient, String id, String body) {
        Consent consent;
        try {
            consent = json.parseResource(Consent.class, body);
        } catch (RuntimeException e) {
            log.warn(
                    "{} could not be read ({}); it denies all access it could cover",
                    id,
                    e.getClass().getSimpleName());
            return Optional.of(ConsentDirective.unreadable(id, patient));
        }
        if (consent.getStatus() != Consent.ConsentState.ACTIVE) {
            return Optional.empty();
        }
        consent.setId(id);
        return Optional.of(parser.enforceable(consent, patient));
    }
}
