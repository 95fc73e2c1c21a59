package org.securefhir.server.consent;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Consent;
import org.securefhir.consent.ConsentDirective;
import org.securefhir.consent.ConsentDirectiveSource;
import org.securefhir.consent.ConsentDirectives;
import org.securefhir.consent.InvalidConsentException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A patient's active Consents in one indexed query over HAPI's tables (the current version of
 * every Consent whose {@code patient} reference points at the patient), instead of a FHIR search:
 * the lookup a node makes the first time it meets a patient, on the request path. Falls back to
 * the FHIR search for a patient whose Consents are not stored as plain JSON text.
 */
final class JdbcConsentDirectives implements ConsentDirectiveSource {

    private static final Logger log = LoggerFactory.getLogger(JdbcConsentDirectives.class);

    private static final String ACTIVE_CONSENTS_OF_PATIENT = """
            SELECT c.fhir_id, v.res_text_vc
              FROM hfj_resource p
              JOIN hfj_res_link l ON l.target_resource_id = p.res_id AND l.src_path = 'Consent.patient'
              JOIN hfj_resource c ON c.res_id = l.src_resource_id AND c.res_type = 'Consent'
                                 AND c.res_deleted_at IS NULL
              JOIN hfj_res_ver v ON v.res_id = c.res_id AND v.res_ver = c.res_ver
             WHERE p.res_type = 'Patient' AND p.fhir_id = ?""";

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
        List<Map<String, Object>> rows = jdbc.queryForList(ACTIVE_CONSENTS_OF_PATIENT, patient);
        List<ConsentDirective> directives = new ArrayList<>(rows.size());
        IParser json = fhir.newJsonParser();
        for (Map<String, Object> row : rows) {
            Object text = row.get("res_text_vc");
            if (!(text instanceof String body)) {
                return fallback.active(patient); // stored compressed: let HAPI read it
            }
            String id = "Consent/" + row.get("fhir_id");
            Consent consent;
            try {
                consent = json.parseResource(Consent.class, body);
            } catch (RuntimeException e) {
                log.warn(
                        "{} could not be read ({}); it denies all access it could cover",
                        id,
                        e.getClass().getSimpleName());
                directives.add(ConsentDirective.unreadable(id, patient));
                continue;
            }
            if (consent.getStatus() != Consent.ConsentState.ACTIVE) {
                continue;
            }
            consent.setId(id);
            try {
                directives.add(parser.parse(consent));
            } catch (InvalidConsentException e) {
                log.warn(
                        "{} cannot be enforced as written ({}); it denies all access it could cover",
                        id,
                        e.getMessage());
                directives.add(ConsentDirective.unreadable(id, patient));
            }
        }
        return List.copyOf(directives);
    }
}
