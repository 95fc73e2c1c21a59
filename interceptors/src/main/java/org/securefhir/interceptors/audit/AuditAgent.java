package org.securefhir.interceptors.audit;

import java.util.List;
import java.util.Optional;

/**
 * Who is making the current request, as the verified access token says.
 *
 * @param tokenId the token's {@code jti}
 * @param purposeOfUse the token's {@code purpose_of_use} claim, if any
 */
public record AuditAgent(
        String userId,
        Optional<String> fhirUser,
        List<String> roles,
        String clientId,
        Optional<String> tokenId,
        Optional<String> purposeOfUse) {

    /** The agent of the current request, or empty when it carries no verified token. */
    @FunctionalInterface
    public interface Source {
        Optional<AuditAgent> current();
    }
}
