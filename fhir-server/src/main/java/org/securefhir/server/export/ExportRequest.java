package org.securefhir.server.export;

import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.r4.model.InstantType;

/**
 * A Bulk Data kick-off as the client sent it, checked (FHIR Bulk Data Access 2.0): which patients
 * ({@link Level}), which types, changed since when, narrowed by which searches. Anything the
 * server does not do is refused (400) rather than silently ignored, so a client never mistakes a
 * partial export for the one it asked for.
 *
 * @param level all data, every patient's, or one group's members'
 * @param groupId the group, for {@link Level#GROUP}
 * @param types the types asked for ({@code _type}); empty: every type the client may search
 * @param since only resources changed after this instant ({@code _since})
 * @param typeFilters per type, the searches ({@code _typeFilter}, without {@code Type?}) whose
 *     union is exported of that type; a type without filters is exported whole
 */
record ExportRequest(
        Level level,
        Optional<String> groupId,
        List<String> types,
        Optional<Instant> since,
        Map<String, List<String>> typeFilters) {

    enum Level {
        SYSTEM,
        PATIENT,
        GROUP
    }

    static final Set<String> OUTPUT_FORMATS = Set.of("application/fhir+ndjson", "application/ndjson", "ndjson");

    private static final Set<String> PARAMETERS = Set.of("_outputFormat", "_type", "_since", "_typeFilter");

    /** Search parameters a filter may not use: they would change what a page is, not what matches. */
    private static final Set<String> NOT_IN_FILTERS = Set.of(
            "_include",
            "_revinclude",
            "_count",
            "_sort",
            "_elements",
            "_summary",
            "_total",
            "_contained",
            "_containedType",
            "_format",
            "_pretty",
            "_getpages",
            "_getpagesoffset",
            "_bundletype");

    ExportRequest {
        types = List.copyOf(types);
        typeFilters = Map.copyOf(typeFilters);
    }

    /**
     * @param parameters the kick-off's query parameters (HAPI's map: each name once, its values)
     * @param exportable the types this level can export at all
     */
    static ExportRequest parse(
            Level level, Optional<String> groupId, Map<String, String[]> parameters, Set<String> exportable) {
        for (String name : parameters.keySet()) {
            if (!PARAMETERS.contains(name)) {
                throw new InvalidRequestException("Bulk export parameter " + name + " is not supported");
            }
        }
        for (String format : values(parameters, "_outputFormat")) {
            if (!OUTPUT_FORMATS.contains(format.toLowerCase(Locale.ROOT))) {
                throw new InvalidRequestException("_outputFormat must be application/fhir+ndjson");
            }
        }
        Set<String> types = new LinkedHashSet<>();
        for (String value : values(parameters, "_type")) {
            for (String type : value.split(",")) {
                String name = type.trim();
                if (name.isEmpty()) {
                    continue;
                }
                if (!exportable.contains(name)) {
                    throw new InvalidRequestException("_type " + name + " cannot be exported"
                            + (level == Level.SYSTEM ? "" : " at patient level (not in the Patient compartment)"));
                }
                types.add(name);
            }
        }
        List<String> since = values(parameters, "_since");
        if (since.size() > 1) {
            throw new InvalidRequestException("_since may be given once");
        }
        Optional<Instant> after = since.stream().findFirst().map(ExportRequest::instant);
        Map<String, List<String>> filters = new LinkedHashMap<>();
        for (String value : values(parameters, "_typeFilter")) {
            for (String filter : value.split(",")) {
                if (filter.isBlank()) {
                    continue;
                }
                int question = filter.indexOf('?');
                String type = question < 0
                        ? filter.trim()
                        : filter.substring(0, question).trim();
                String query = question < 0 ? "" : filter.substring(question + 1);
                if (!exportable.contains(type) || (!types.isEmpty() && !types.contains(type))) {
                    throw new InvalidRequestException(
                            "_typeFilter names " + type + ", which is not among the exported types");
                }
                if (query.isBlank()) {
                    throw new InvalidRequestException("_typeFilter " + type + " has no search criteria");
                }
                checkFilter(type, query);
                filters.computeIfAbsent(type, key -> new ArrayList<>()).add(query);
            }
        }
        return new ExportRequest(level, groupId, List.copyOf(types), after, filters);
    }

    private static void checkFilter(String type, String query) {
        for (String pair : query.split("&")) {
            String name = pair.contains("=") ? pair.substring(0, pair.indexOf('=')) : pair;
            String bare = name.contains(":") ? name.substring(0, name.indexOf(':')) : name;
            if (NOT_IN_FILTERS.contains(bare)) {
                throw new InvalidRequestException("_typeFilter of " + type + " may not use " + bare);
            }
        }
    }

    private static Instant instant(String text) {
        try {
            InstantType instant = new InstantType(text.trim());
            if (instant.getValue() == null) {
                throw new IllegalArgumentException("empty");
            }
            return instant.getValue().toInstant();
        } catch (RuntimeException e) {
            throw new InvalidRequestException(
                    "_since must be a FHIR instant (e.g. 2026-01-31T12:00:00Z, with seconds and time zone)");
        }
    }

    private static List<String> values(Map<String, String[]> parameters, String name) {
        String[] values = parameters.get(name);
        return values == null ? List.of() : List.of(values);
    }
}
