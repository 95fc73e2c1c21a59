package org.securefhir.server.audit;

import ca.uhn.fhir.rest.api.server.IBundleProvider;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IPrimitiveType;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.InstantType;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Reads the audit trail: AuditEvents rendered from the stored records, by id or by query; for a
 * patient, in the patient's view ({@link AuditEventRendering}).
 */
final class AuditTrail {

    private final JdbcTemplate jdbc;
    private final Supplier<Optional<String>> patientView;

    /**
     * @param patientView for a viewer who may see only one patient's audit records (a patient), that
     *     patient's id ({@code ""} for a viewer restricted to nobody); empty for auditors
     */
    AuditTrail(JdbcTemplate jdbc, Supplier<Optional<String>> patientView) {
        this.jdbc = jdbc;
        this.patientView = patientView;
    }

    /** One record by its id. */
    static final String READ = "SELECT id, content FROM audit.record WHERE id = ?";

    /** A page of a query's records, newest first unless asked otherwise; appends its arguments. */
    static String pageSql(AuditQuery query, List<Object> arguments, int count, int offset) {
        String where = query.where(arguments);
        String order = query.ascending() ? "recorded ASC, id ASC" : "recorded DESC, id DESC";
        arguments.add(count);
        arguments.add(offset);
        return "SELECT id, content FROM audit.record WHERE " + where + " ORDER BY " + order + " LIMIT ? OFFSET ?";
    }

    /** The number of a query's records; appends its arguments. */
    static String countSql(AuditQuery query, List<Object> arguments) {
        return "SELECT count(*) FROM audit.record WHERE " + query.where(arguments);
    }

    java.util.Optional<AuditEvent> read(long id) {
        return jdbc
                .query(
                        READ,
                        (row, n) -> AuditEventRendering.render(row.getLong(1), row.getString(2), patientView.get()),
                        id)
                .stream()
                .findFirst();
    }

    /**
     * The results of a query, pinned to the records that exist now; counted (Bundle.total) when the
     * query names a patient, an agent or a resource, whose indexes bound the count by the matches.
     */
    Results search(AuditQuery query) {
        return search(query, query.selective());
    }

    /**
     * The results of a query, pinned to the records that exist now.
     *
     * @param counted whether {@link Results#size()} counts them; otherwise it is unknown ({@code
     *     null}) and pages end where the records do: counting every record of a trail of millions
     *     (a search with no criterion, or only codes such as outcome) takes seconds on each call
     */
    Results search(AuditQuery query, boolean counted) {
        Long max = jdbc.queryForObject("SELECT coalesce(max(id), 0) FROM audit.record", Long.class);
        return new Results(query.upToId() > 0 ? query : query.withUpToId(max), counted);
    }

    /** A page-able result: counted once, fetched by offset, ordered by time (then id). */
    final class Results implements IBundleProvider {

        private final AuditQuery query;
        private final boolean counted;
        private final Date published = new Date();
        private Integer size;

        Results(AuditQuery query, boolean counted) {
            this.query = query;
            this.counted = counted;
        }

        AuditQuery query() {
            return query;
        }

        @Override
        public IPrimitiveType<Date> getPublished() {
            return new InstantType(published);
        }

        @Override
        public List<IBaseResource> getResources(int fromIndex, int toIndex) {
            List<Object> arguments = new ArrayList<>();
            String sql = pageSql(query, arguments, Math.max(0, toIndex - fromIndex), fromIndex);
            Optional<String> view = patientView.get();
            return new ArrayList<>(jdbc.query(
                    sql,
                    (row, n) -> AuditEventRendering.render(row.getLong(1), row.getString(2), view),
                    arguments.toArray()));
        }

        @Override
        public String getUuid() {
            return query.pageId();
        }

        @Override
        public Integer preferredPageSize() {
            return null;
        }

        @Override
        public Integer size() {
            if (!counted) {
                return null;
            }
            if (size == null) {
                List<Object> arguments = new ArrayList<>();
                size = jdbc.queryForObject(countSql(query, arguments), Integer.class, arguments.toArray());
            }
            return size;
        }
    }
}
