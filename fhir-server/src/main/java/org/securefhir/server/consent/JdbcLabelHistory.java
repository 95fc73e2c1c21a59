package org.securefhir.server.consent;

import java.util.HashSet;
import java.util.Set;
import org.securefhir.consent.LabelHistory;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The security labels of every stored version of a resource, from HAPI's tag tables: the current
 * version's ({@code hfj_res_tag}) and every version's ({@code hfj_history_tag}), two indexed look-ups
 * by the resource's id. Asked only for requests that return earlier versions (vread, history).
 */
final class JdbcLabelHistory implements LabelHistory {

    /** HAPI's {@code TagTypeEnum.SECURITY_LABEL}, stored as its ordinal. */
    static final int SECURITY_LABEL = 2;

    static final String LABELS = """
            SELECT d.tag_code::text FROM hfj_resource r
              JOIN hfj_history_tag h ON h.res_id = r.res_id
              JOIN hfj_tag_def d ON d.tag_id = h.tag_id
             WHERE r.res_type = ? AND r.fhir_id = ? AND d.tag_type = ? AND d.tag_code IS NOT NULL
            UNION
            SELECT d.tag_code::text FROM hfj_resource r
              JOIN hfj_res_tag t ON t.res_id = r.res_id
              JOIN hfj_tag_def d ON d.tag_id = t.tag_id
             WHERE r.res_type = ? AND r.fhir_id = ? AND d.tag_type = ? AND d.tag_code IS NOT NULL""";

    private final JdbcTemplate jdbc;

    JdbcLabelHistory(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public Set<String> everyVersion(String type, String id) {
        return new HashSet<>(
                jdbc.queryForList(LABELS, String.class, type, id, SECURITY_LABEL, type, id, SECURITY_LABEL));
    }
}
