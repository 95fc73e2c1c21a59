package org.securefhir.interceptors.authorization;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeResourceDefinition;
import ca.uhn.fhir.context.RuntimeSearchParam;
import ca.uhn.fhir.rest.api.RestSearchParameterTypeEnum;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.securefhir.interceptors.ownership.PatientOwnership;

/**
 * Search criteria are reads: every type and element a search's parameters touch must be readable
 * by the caller, else the matches (and their count, and whether the response is a 200 or a 403)
 * would tell what the caller may not read. Checked before the search runs, on the parameters as
 * the client wrote them:
 *
 * <ul>
 *   <li>{@code _has:Type:reference:criterion} (reverse chains, nested too): the caller must be
 *       allowed to search {@code Type}, on neither parameter an element hidden from it;
 *   <li>chains ({@code subject.name}, {@code subject:Patient.name}, deeper): every type the chain
 *       may step onto must be searchable, the chained parameter on no hidden element;
 *   <li>{@code _revinclude}: the included type must be searchable (they are found by criteria on
 *       that type); {@code _include}: the parameter on no hidden element (an included resource
 *       shows what the reference held);
 *   <li>{@code _sort}, {@code _text}, {@code _content} and plain parameters on hidden elements
 *       ({@link ElementMasking});
 *   <li>{@code _filter}, {@code _query}, {@code _list}: criteria that cannot be taken apart here are
 *       refused.
 * </ul>
 *
 * A criterion on another type is judged by HAPI over all stored data, not over what the caller
 * may read: so a type the caller may search only within a patient's compartment (patient/ scopes)
 * or a granular filter may be a criterion only when the search itself is narrowed to that
 * compartment (its base type is that patient's data).
 */
final class SearchCriteria {

    /** Parameters that shape the result, not the criteria. */
    private static final Set<String> RESULT_PARAMETERS = Set.of(
            "_count",
            "_offset",
            "_summary",
            "_elements",
            "_format",
            "_pretty",
            "_total",
            "_contained",
            "_containedType",
            "_bundletype",
            "_getpages",
            "_getpagesoffset",
            "_pageId",
            "_type");

    private static final Set<String> UNCHECKABLE = Set.of("_filter", "_query", "_list");

    private static final int MAX_DEPTH = 4;

    private final FhirContext fhir;
    private final ElementMasking masking;
    private final PatientOwnership ownership;
    private final Set<String> served;

    /** @param served the resource types the server stores (a chain cannot step onto any other) */
    SearchCriteria(FhirContext fhir, ElementMasking masking, PatientOwnership ownership, Set<String> served) {
        this.fhir = fhir;
        this.masking = masking;
        this.ownership = ownership;
        this.served = Set.copyOf(served);
    }

    /**
     * The first parameter whose criteria the caller may not use, by name (never its value), and
     * why; empty when every criterion is readable.
     */
    Optional<String> denial(String type, Map<String, String[]> parameters, Permissions permissions) {
        boolean narrowed = permissions.onlyCompartment().isPresent()
                && switch (ownership.kind(type)) {
                    case PATIENT, PATIENT_DATA -> true;
                    default -> false;
                };
        for (Map.Entry<String, String[]> parameter : parameters.entrySet()) {
            String name = parameter.getKey();
            String base = name.split(":", 2)[0];
            Optional<String> reason;
            if (RESULT_PARAMETERS.contains(base)) {
                reason = Optional.empty();
            } else if (UNCHECKABLE.contains(base)) {
                reason = Optional.of("cannot be authorized");
            } else if (base.equals("_has")) {
                reason = reverseChain(name, permissions, narrowed, 0);
            } else if (base.equals("_revinclude")) {
                reason = revinclude(parameter.getValue(), permissions, narrowed);
            } else if (base.equals("_include")) {
                reason = include(parameter.getValue(), permissions);
            } else if (name.contains(".")) {
                reason = chain(type, name, permissions, narrowed, 0);
            } else {
                reason = Optional.empty(); // plain parameters and _sort: ElementMasking
            }
            if (reason.isPresent()) {
                return Optional.of("search parameter " + name + " " + reason.get());
            }
        }
        return Optional.empty();
    }

    /** {@code _has:Observation:subject:code}, {@code _has:Observation:subject:_has:Provenance:target:agent}. */
    private Optional<String> reverseChain(String name, Permissions permissions, boolean narrowed, int depth) {
        String[] parts = name.split(":", 4);
        if (parts.length < 4 || depth >= MAX_DEPTH) {
            return Optional.of("is not a valid _has");
        }
        String source = parts[1];
        String reference = parts[2];
        String criterion = parts[3];
        Optional<String> unreadable = searchable(source, permissions, narrowed);
        if (unreadable.isPresent()) {
            return unreadable;
        }
        if (hidden(source, reference, permissions)) {
            return Optional.of("matches elements hidden from you");
        }
        if (criterion.startsWith("_has:")) {
            return reverseChain(criterion, permissions, narrowed, depth + 1);
        }
        String criterionName = criterion.split(":", 2)[0];
        if (criterion.contains(".")) {
            return chain(source, criterion, permissions, narrowed, depth + 1);
        }
        return hidden(source, criterionName, permissions)
                ? Optional.of("matches elements hidden from you")
                : Optional.empty();
    }

    /** {@code subject.name}, {@code subject:Patient.name}, {@code subject.organization.name}. */
    private Optional<String> chain(String type, String name, Permissions permissions, boolean narrowed, int depth) {
        if (depth >= MAX_DEPTH) {
            return Optional.of("chains too deep");
        }
        int dot = name.indexOf('.');
        String head = name.substring(0, dot);
        String rest = name.substring(dot + 1);
        String[] headParts = head.split(":", 2);
        String parameter = headParts[0];
        if (hidden(type, parameter, permissions)) {
            return Optional.of("matches elements hidden from you");
        }
        RuntimeSearchParam reference =
                definition(type).map(d -> d.getSearchParam(parameter)).orElse(null);
        if (reference == null || reference.getParamType() != RestSearchParameterTypeEnum.REFERENCE) {
            return Optional.empty(); // HAPI refuses it as invalid
        }
        String next = rest.split("[:.]", 2)[0];
        List<String> targets = new ArrayList<>();
        if (headParts.length == 2) {
            targets.add(headParts[1]);
        } else if (reference.getTargets().isEmpty()) {
            for (String candidate : fhir.getResourceTypes()) {
                if (definition(candidate)
                        .map(d -> d.getSearchParam(next) != null)
                        .orElse(false)) {
                    targets.add(candidate);
                }
            }
        } else {
            targets.addAll(reference.getTargets());
        }
        for (String target : targets) {
            if (!served.contains(target)) {
                continue; // nothing of it is stored
            }
            if (definition(target).map(d -> d.getSearchParam(next) == null).orElse(true) && !next.startsWith("_")) {
                continue; // HAPI cannot step onto it with this parameter
            }
            Optional<String> unreadable = searchable(target, permissions, narrowed);
            if (unreadable.isPresent()) {
                return unreadable;
            }
            Optional<String> deeper = rest.contains(".")
                    ? chain(target, rest, permissions, narrowed, depth + 1)
                    : hidden(target, next, permissions)
                            ? Optional.of("matches elements hidden from you")
                            : Optional.empty();
            if (deeper.isPresent()) {
                return deeper;
            }
        }
        return Optional.empty();
    }

    private Optional<String> revinclude(String[] values, Permissions permissions, boolean narrowed) {
        for (String value : values) {
            String[] parts = value.split(":");
            if (parts.length < 2 || parts[0].equals("*")) {
                if (!value.equals("*") || !permissions.allowsUnrestricted("*", Interaction.SEARCH)) {
                    return Optional.of("needs Type:parameter");
                }
                continue;
            }
            Optional<String> unreadable = searchable(parts[0], permissions, narrowed);
            if (unreadable.isPresent()) {
                return unreadable;
            }
            if (hidden(parts[0], parts[1], permissions)) {
                return Optional.of("matches elements hidden from you");
            }
        }
        return Optional.empty();
    }

    private Optional<String> include(String[] values, Permissions permissions) {
        for (String value : values) {
            String[] parts = value.split(":");
            if (parts.length >= 2 && hidden(parts[0], parts[1], permissions)) {
                return Optional.of("matches elements hidden from you");
            }
        }
        return Optional.empty();
    }

    /**
     * Whether the caller may use the type as a criterion: it may search it, and either without a
     * compartment pin or granular filter, or the search is narrowed to the pinned compartment.
     */
    private Optional<String> searchable(String type, Permissions permissions, boolean narrowed) {
        if (definition(type).isEmpty()) {
            return Optional.of("names an unknown type");
        }
        if (permissions.allowsUnrestricted(type, Interaction.SEARCH)) {
            return Optional.empty();
        }
        if (narrowed
                && permissions.allows(type, Interaction.SEARCH)
                && permissions.searchFilters(type).isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("searches " + type + ", which you may not search"
                + (permissions.allows(type, Interaction.SEARCH) ? " across patients" : ""));
    }

    private boolean hidden(String type, String parameter, Permissions permissions) {
        return masking.onHidden(type, parameter, permissions.hiddenElements(type));
    }

    private Optional<RuntimeResourceDefinition> definition(String type) {
        try {
            return Optional.of(fhir.getResourceDefinition(type));
        } catch (RuntimeException unknown) {
            return Optional.empty();
        }
    }
}
