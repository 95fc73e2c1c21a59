package org.securefhir.interceptors.authorization;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRule;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The access policy applied to requests: each request's {@link Permissions} and HAPI rules,
 * computed once per distinct token (a token's claims never change) and kept with the request.
 */
public final class RequestPermissions {

    private static final String KEY = RequestPermissions.class.getName();

    private static final int MAX_ENTRIES = 20_000;

    private final AccessPolicy policy;
    private final AccessTokens tokens;
    /** Per distinct token content: the permissions and HAPI rules derived from it (immutable). */
    private final Map<AccessToken, Access> byToken = new ConcurrentHashMap<>();

    public RequestPermissions(AccessPolicy policy, AccessTokens tokens) {
        this.policy = policy;
        this.tokens = tokens;
    }

    /** A request's token, its effective permissions and their HAPI rules. */
    record Access(Optional<AccessToken> token, Permissions permissions, List<IAuthRule> rules) {

        static Access of(Optional<AccessToken> token, Permissions permissions) {
            return new Access(token, permissions, HapiRules.from(permissions));
        }
    }

    private static final Access ANONYMOUS = Access.of(Optional.empty(), Permissions.none());

    Access of(RequestDetails request) {
        Object cached = request.getUserData().get(KEY);
        if (cached instanceof Access access) {
            return access;
        }
        Access access = tokens.current().map(this::forToken).orElse(ANONYMOUS);
        request.getUserData().put(KEY, access);
        return access;
    }

    private Access forToken(AccessToken token) {
        Access access = byToken.get(token);
        if (access == null) {
            if (byToken.size() >= MAX_ENTRIES) {
                byToken.clear();
            }
            access = Access.of(Optional.of(token), Permissions.of(policy, token));
            byToken.put(token, access);
        }
        return access;
    }

    Permissions permissions(RequestDetails request) {
        return of(request).permissions();
    }

    public AccessPolicy policy() {
        return policy;
    }
}
