package org.securefhir.interceptors.authorization;

import ca.uhn.fhir.rest.server.interceptor.auth.IAuthorizationSearchParamMatcher;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Observation;

/**
 * Evaluates the granular-scope filters of these tests ({@code category=system|code} on
 * Observations) as the server's in-memory search matcher does; anything else is unsupported.
 */
final class TestCategoryMatcher implements IAuthorizationSearchParamMatcher {

    static final String CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category";
    static final String LABORATORY = "category=" + CATEGORY + "|laboratory";

    @Override
    public MatchResult match(String criteria, IBaseResource resource) {
        String query = criteria.substring(criteria.indexOf('?') + 1);
        if (!(resource instanceof Observation observation) || !query.startsWith("category=")) {
            return MatchResult.buildUnsupported(criteria);
        }
        String[] token = query.substring("category=".length()).split("\\|", 2);
        boolean matches = observation.getCategory().stream()
                .flatMap(category -> category.getCoding().stream())
                .anyMatch(coding -> token[0].equals(coding.getSystem()) && token[1].equals(coding.getCode()));
        return matches ? MatchResult.buildMatched() : MatchResult.buildUnmatched();
    }

    static Observation categorised(Observation observation, String code) {
        observation.addCategory().addCoding().setSystem(CATEGORY).setCode(code);
        return observation;
    }
}
