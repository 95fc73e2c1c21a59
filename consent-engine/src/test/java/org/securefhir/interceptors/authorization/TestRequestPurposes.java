package org.securefhir.interceptors.authorization;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.server.RequestDetails;

/**
 * Resolves a request's purpose of use as authorization does before consent runs: the header if the
 * token's roles may state it, else their default ({@code access-policy.yaml}).
 */
public final class TestRequestPurposes {

    private static final AccessPolicy POLICY = AccessPolicy.defaults(FhirContext.forR4Cached());

    private TestRequestPurposes() {}

    public static RequestPurpose resolve(RequestDetails request, AccessToken token) {
        return RequestPurpose.resolve(request, Permissions.of(POLICY, token));
    }
}
