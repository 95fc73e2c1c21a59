package org.securefhir.server.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The criteria of an AuditEvent search, as stored columns: each list is OR-ed, lists are AND-ed.
 * Encoded into the page id of its result pages, so any node can serve the next page; {@code
 * upToId} keeps the pages stable while new records arrive.
 *
 * @param patients {@code Patient/id} references
 * @param agents user ids or client ids
 * @param entities {@code Type/id} references (the resource acted on, or a patient)
 * @param categories {@code rest} or {@code security}
 */
record AuditQuery(
        List<String> patients,
        List<String> agents,
        List<String> entities,
        List<String> actions,
        List<String> outcomes,
        List<String> categories,
        List<String> subtypes,
        Instant from,
        Instant to,
        boolean ascending,
        long upToId) {

    private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules();
    static final String PAGE_PREFIX = "audit-";

    AuditQuery {
        patients = List.copyOf(patients);
        agents = List.copyOf(agents);
        entities = List.copyOf(entities);
        actions = List.copyOf(actions);
        outcomes = List.copyOf(outcomes);
        categories = List.copyOf(categories);
        subtypes = List.copyOf(subtypes);
    }

    AuditQuery withUpToId(long id) {
        return new AuditQuery(
                patients, agents, entities, actions, outcomes, categories, subtypes, from, to, ascending, id);
    }

    /** Whether the query names a patient, an agent or a resource (each served by a selective index). */
    boolean selective() {
        return !patients.isEmpty() || !agents.isEmpty() || !entities.isEmpty();
    }

    /** The WHERE clause and its arguments. */
    String where(List<Object> arguments) {
        List<String> clauses = new ArrayList<>();
        clauses.add("id <= ?");
        arguments.add(upToId);
        if (!patients.isEmpty()) {
            clauses.add("patients && ?::text[]");
            arguments.add(patients.toArray(String[]::new));
        }
        if (!agents.isEmpty()) {
            clauses.add("(user_id = ANY (?::text[]) OR client_id = ANY (?::text[]))");
            arguments.add(agents.toArray(String[]::new));
            arguments.add(agents.toArray(String[]::new));
        }
        if (!entities.isEmpty()) {
            List<String> any = new ArrayList<>();
            for (String entity : entities) {
                String[] parts = entity.split("/");
                if (parts.length == 2) {
                    any.add("(resource_type = ? AND resource_id = ?)");
                    arguments.add(parts[0]);
                    arguments.add(parts[1]);
                }
            }
            any.add("patients && ?::text[]");
            arguments.add(entities.toArray(String[]::new));
            clauses.add("(" + String.join(" OR ", any) + ")");
        }
        in(clauses, arguments, "action", actions);
        in(clauses, arguments, "outcome", outcomes);
        in(clauses, arguments, "category", categories);
        in(clauses, arguments, "subtype", subtypes);
        if (from != null) {
            clauses.add("recorded >= ?");
            arguments.add(Timestamp.from(from));
        }
        if (to != null) {
            clauses.add("recorded <= ?");
            arguments.add(Timestamp.from(to));
        }
        return String.join(" AND ", clauses);
    }

    private static void in(List<String> clauses, List<Object> arguments, String column, List<String> values) {
        if (!values.isEmpty()) {
            clauses.add(column + " = ANY (?::text[])");
            arguments.add(values.toArray(String[]::new));
        }
    }

    String pageId() {
        try {
            return PAGE_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(JSON.writeValueAsBytes(this));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static AuditQuery fromPageId(String pageId) {
        try {
            return JSON.readValue(
                    Base64.getUrlDecoder()
                            .decode(pageId.substring(PAGE_PREFIX.length()).getBytes(StandardCharsets.US_ASCII)),
                    AuditQuery.class);
        } catch (java.io.IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("not an audit page id", e);
        }
    }
}
