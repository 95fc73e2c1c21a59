package org.securefhir.interceptors.authorization;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.util.Optional;

/**
 * The access policy applied to requests: each request's {@link Permissions}, computed once from
 * its token and kept with the request.
 */
public final class RequestPermissions {

    private static final String KEY = RequestPermissions.class.getName();

    private final AccessPolicy policy;
    private final AccessTokens tokens;

    public RequestPermissions(AccessPolicy policy, AccessTokens tokens) {
        this.policy = policy;
        this.tokens = tokens;
    }

    /** A request's token and its effective permissions. */
    record Access(Optional<AccessToken> token, Permissions permissions) {}

    Access of(RequestDetails request) {
        Object cached = request.getUserData().get(KEY);
        if (cached instanceof Access access) {
            return access;
        }
        Optional<AccessToken> token = tokens.current();
        Access access =
                new Access(token, token.map(t -> Permissions.of(policy, t)).orElse(Permissions.none()));
        request.getUserData().put(KEY, access);
        return access;
    }

    Permissions permissions(RequestDetails request) {
        return of(request).permissions();
    }

    public AccessPolicy policy() {
        return policy;
    }
}
