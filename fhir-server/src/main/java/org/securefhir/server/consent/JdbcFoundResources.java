package org.securefhir.server.consent;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeResourceDefinition;
import ca.uhn.fhir.context.RuntimeSearchParam;
import ca.uhn.fhir.jpa.interceptor.JpaPreResourceAccessDetails;
import ca.uhn.fhir.jpa.model.dao.JpaPid;
import ca.uhn.fhir.rest.api.server.IPreResourceAccessDetails;
import java.lang.reflect.Field;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.securefhir.consent.FoundResources;
import org.securefhir.consent.ResourceFacts;
import org.securefhir.interceptors.ownership.PatientOwnership;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The facts of a search's matches read with one SQL query over HAPI's indexes, before HAPI loads
 * them: type, id and current version ({@code hfj_resource}), security labels ({@code hfj_res_tag}),
 * and the patients whose compartment holds each one: the local Patients its references point at
 * through the Patient compartment's search parameters ({@code hfj_res_link}, whose
 * {@code src_path} is the parameter's path). A compartment reference that points outside this
 * server, or a match no longer stored, makes the whole batch be loaded and judged from content.
 *
 * <p>HAPI hands the matches' ids only inside its lazy {@link JpaPreResourceAccessDetails}; they
 * are read from its private field. If a HAPI version changes that, every search is judged from
 * loaded resources as before (correct, slower; logged once at start, and a test fails).
 */
final class JdbcFoundResources implements FoundResources {

    private static final Logger log = LoggerFactory.getLogger(JdbcFoundResources.class);

    /**
     * The facts of the resources whose ids are the parameter (an array), by the function of
     * migration {@code db/consent/R__found_facts.sql}, whose plan PostgreSQL keeps.
     */
    static final String FACTS_BY_FUNCTION =
            "SELECT res_id, res_type, fhir_id, res_ver, labels, links FROM consent.found_facts(?)";

    /** Between the parts of a link (ASCII unit separator, chr(31) in the query). */
    private static final String SEPARATOR = "\u001f";

    private static final Field PIDS = pidsField();

    private final JdbcTemplate jdbc;
    private final FhirContext fhir;
    private final Map<String, Set<String>> compartmentPaths = new ConcurrentHashMap<>();

    private final PatientOwnership ownership;

    JdbcFoundResources(JdbcTemplate jdbc, FhirContext fhir, PatientOwnership ownership) {
        this.jdbc = jdbc;
        this.fhir = fhir;
        this.ownership = ownership;
    }

    /** Whether this HAPI version hands the matches' ids (false: searches are judged from content). */
    static boolean available() {
        return PIDS != null;
    }

    private static Field pidsField() {
        try {
            Field field = JpaPreResourceAccessDetails.class.getDeclaredField("myResourcePids");
            field.setAccessible(true);
            return field;
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.warn(
                    "HAPI's search matches cannot be judged from indexes ({}); they are loaded to be judged",
                    e.getClass().getSimpleName());
            return null;
        }
    }

    @Override
    public Optional<List<Found>> facts(IPreResourceAccessDetails details) {
        if (PIDS == null || !(details instanceof JpaPreResourceAccessDetails)) {
            return Optional.empty();
        }
        if (details.size() == 0) {
            return Optional.of(List.of());
        }
        List<Long> ids = new ArrayList<>(details.size());
        try {
            for (Object pid : (List<?>) PIDS.get(details)) {
                ids.add(((JpaPid) pid).getId());
            }
        } catch (IllegalAccessException | ClassCastException e) {
            return Optional.empty();
        }
        if (ids.size() != details.size()) {
            return Optional.empty();
        }
        Map<Long, Found> rows = new HashMap<>();
        boolean[] complete = {true};
        jdbc.query(
                FACTS_BY_FUNCTION,
                statement -> statement.setArray(1, statement.getConnection().createArrayOf("bigint", ids.toArray())),
                (ResultSet row) -> {
                    Optional<Found> found = found(row);
                    if (found.isPresent()) {
                        rows.put(row.getLong("res_id"), found.get());
                    } else {
                        complete[0] = false;
                    }
                });
        if (!complete[0]) {
            return Optional.empty();
        }
        List<Found> inOrder = new ArrayList<>(ids.size());
        for (Long id : ids) {
            Found found = rows.get(id);
            if (found == null) {
                return Optional.empty(); // no longer stored: let the loading path decide
            }
            inOrder.add(found);
        }
        return Optional.of(inOrder);
    }

    private Optional<Found> found(ResultSet row) throws SQLException {
        String type = row.getString("res_type");
        String id = row.getString("fhir_id");
        Set<String> labels = new HashSet<>(Arrays.asList(strings(row.getArray("labels"))));
        Set<String> patients = new HashSet<>();
        Set<String> references = new HashSet<>();
        PatientOwnership.Kind kind = ownership.kind(type);
        if (type.equals("Binary") || kind == PatientOwnership.Kind.UNDECIDED) {
            return Optional.empty(); // whose it is shows only in its content (Binary.securityContext)
        }
        if (kind == PatientOwnership.Kind.PATIENT) {
            patients.add(id);
        }
        Set<String> paths = compartmentPaths(type);
        for (String link : strings(row.getArray("links"))) {
            String[] parts = link.split(SEPARATOR, -1); // paths hold spaces: where(resolve() is Patient)
            if (parts.length != 3) {
                return Optional.empty();
            }
            String path = parts[0];
            String targetType = parts[1];
            String targetId = parts[2];
            boolean compartment = !type.equals("Patient") && targetType.equals("Patient") && paths.contains(path);
            if (targetId.isEmpty()) {
                if (compartment) {
                    return Optional.empty(); // a patient not stored here: let the content decide
                }
                continue;
            }
            references.add(targetType + "/" + targetId);
            if (compartment) {
                patients.add(targetId);
            }
        }
        return Optional.of(new Found(
                ResourceFacts.of(type, id, labels, patients, references), Long.toString(row.getLong("res_ver"))));
    }

    /** The paths of the search parameters whose Patient references name a resource's owners. */
    private Set<String> compartmentPaths(String type) {
        return compartmentPaths.computeIfAbsent(type, name -> {
            Set<String> paths = new HashSet<>();
            RuntimeResourceDefinition definition = fhir.getResourceDefinition(name);
            for (String owner : ownership.ownerParameters(name)) {
                RuntimeSearchParam param = definition.getSearchParam(owner);
                if (param != null) {
                    paths.addAll(param.getPathsSplit());
                }
            }
            return Set.copyOf(paths);
        });
    }

    private static String[] strings(Array array) throws SQLException {
        return array == null ? new String[0] : (String[]) array.getArray();
    }
}
