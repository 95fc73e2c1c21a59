package org.securefhir.interceptors.authorization;

import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Narrows a search to the filters of granular scopes (SMART App Launch 2.2 §3.2, e.g. {@code
 * patient/Observation.rs?category=…|laboratory}): the filter's parameter is added to the search
 * (combined with AND with what the client asked for). Filters on one and the same parameter are
 * combined with OR ({@code category=a,b}); filters of several parameters or of different parameters
 * cannot be expressed as one search and are refused.
 */
final class GranularFilters {

    private GranularFilters() {}

    static void narrow(List<String> filters, Map<String, String[]> parameters) {
        String name = null;
        Set<String> values = new LinkedHashSet<>();
        for (String filter : filters) {
            String[] pairs = filter.split("&");
            int eq = pairs[0].indexOf('=');
            if (pairs.length != 1 || eq <= 0) {
                throw refused();
            }
            String parameter = URLDecoder.decode(pairs[0].substring(0, eq), StandardCharsets.UTF_8);
            if (name != null && !name.equals(parameter)) {
                throw refused();
            }
            name = parameter;
            values.add(pairs[0].substring(eq + 1)); // kept encoded: FHIR escapes , and | itself
        }
        String combined = String.join(
                ",",
                values.stream()
                        .map(value -> URLDecoder.decode(value, StandardCharsets.UTF_8))
                        .toList());
        String[] existing = parameters.getOrDefault(name, new String[0]);
        parameters.put(
                name,
                Stream.concat(Arrays.stream(existing), Stream.of(combined)).toArray(String[]::new));
    }

    private static ForbiddenOperationException refused() {
        return new ForbiddenOperationException(
                "Access denied: your granular scopes for this type cannot be combined into one search;"
                        + " search with each filter's parameter");
    }
}
