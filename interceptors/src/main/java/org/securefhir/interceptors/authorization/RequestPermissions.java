package org.securefhir.interceptors.authorization;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRule;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.securefhir.interceptors.ownership.PatientOwnership;

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

    private final PatientOwnership ownership;
    private final Access anonymous;

    public RequestPermissions(AccessPolicy policy, AccessTokens tokens, PatientOwnership ownership) {
        this.policy = policy;
        this.tokens = tokens;
        this.ownership = ownership;
        this.anonymous = Access.of(Optional.empty(), Permissions.none(), ownership);
    }

    /** A request's token, its effective permissions and their HAPI rules. */
    record Access(Optional<AccessToken> token, Permissions permissions, List<IAuthRule> rules) {

        static Access of(Optional<AccessToken> token, Permissions permissions, PatientOwnership ownership) {
            return new Access(token, permissions, HapiRules.from(permissions, ownership));
        }
    }

    Access of(RequestDetails request) {
        Object cached = request.getUserData().get(KEY);
        if (cached instanceof Access access) {
            return access;
        }
        Access access = tokens.current().map(this::forToken).orElse(anonymous);
        request.getUserData().put(KEY, access);
        return access;
    }

    private Access forToken(AccessToken token) {
        Access access = byToken.get(token);
        if (access == null) {
            if (byToken.size() >= MAX_ENTRIES) {
                byToken.clear();
            }
            access = Access.of(Optional.of(token), Permissions.of(policy, token), ownership);
            byToken.put(token, access);
        }
        return access;
    }

    /** The permissions of the request on this thread (nothing without a verified token). */
    public Permissions current() {
        return tokens.current().map(this::forToken).orElse(anonymous).permissions();
    }

    Permissions permissions(RequestDetails request) {
        return of(request).permissions();
    }

    public PatientOwnership ownership() {
        return ownership;
    }

    public AccessPolicy policy() {
        return policy;
    }
}
