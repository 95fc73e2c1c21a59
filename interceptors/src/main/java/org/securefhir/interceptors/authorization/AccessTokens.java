package org.securefhir.interceptors.authorization;

import java.util.Optional;

/**
 * The verified access token of the request being handled (the resource server has checked
 * signature, issuer, audience, lifetime and revocation before any interceptor runs).
 */
@FunctionalInterface
public interface AccessTokens {

    /** @return the token, or empty for a request without one (only the CapabilityStatement is served) */
    Optional<AccessToken> current();
}
