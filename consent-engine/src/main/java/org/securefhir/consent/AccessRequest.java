package org.securefhir.consent;

import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import org.securefhir.interceptors.authorization.PurposeOfUse;

/**
 * Who asks, why, and what they are cleared for: the request-level facts a consent decision needs,
 * computed once per request from the verified access token and the {@code X-Purpose-Of-Use}
 * header.
 *
 * @param userId the token's subject (the user, or the client of a backend service)
 * @param actors how consent rules may name the requester: the user's {@code fhirUser} ({@code
 *     Practitioner/x}) and the app ({@code client:<client_id>})
 * @param purpose the stated purpose of use
 * @param clearedLabels the sensitive security labels the requester's roles are cleared for
 * @param practitioner the user's own Practitioner ({@code Practitioner/x}), if the user is one
 * @param relationshipRequired whether the requester sees only patients they treat
 * @param ownPatient the user's own Patient id, when the user is a patient
 * @param now the instant of the request (consent periods are judged against it)
 * @param bindingPurposes the purposes whose Consents bind the request: the stated one and the
 *     role's default (stating another purpose never escapes a Consent)
 */
public record AccessRequest(
        String userId,
        Set<String> actors,
        PurposeOfUse purpose,
        Set<String> clearedLabels,
        Optional<String> practitioner,
        boolean relationshipRequired,
        Optional<String> ownPatient,
        Instant now,
        Set<PurposeOfUse> bindingPurposes) {

    public AccessRequest {
        actors = Set.copyOf(actors);
        clearedLabels = Set.copyOf(clearedLabels);
        bindingPurposes = bindingPurposes.isEmpty() ? Set.of(purpose) : Set.copyOf(bindingPurposes);
    }

    /** A request whose Consents bind by its stated purpose only. */
    public AccessRequest(
            String userId,
            Set<String> actors,
            PurposeOfUse purpose,
            Set<String> clearedLabels,
            Optional<String> practitioner,
            boolean relationshipRequired,
            Optional<String> ownPatient,
            Instant now) {
        this(
                userId,
                actors,
                purpose,
                clearedLabels,
                practitioner,
                relationshipRequired,
                ownPatient,
                now,
                Set.of(purpose));
    }
}
