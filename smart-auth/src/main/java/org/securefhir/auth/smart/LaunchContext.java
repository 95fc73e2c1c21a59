package org.securefhir.auth.smart;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The SMART launch context of a token (SMART App Launch 2.2 §2.0.7): who the user is and which
 * patient/encounter is in context.
 *
 * @param fhirUser relative reference of the user, e.g. {@code Practitioner/123}
 * @param patient id of the patient in context, when {@code launch/patient} (or an EHR launch) gave one
 * @param encounter id of the encounter in context
 * @param needPatientBanner whether the app must show which patient is in context (false when the
 *     EHR it is embedded in shows it)
 * @param smartStyleUrl style sheet for the app to match its host's look
 * @param fhirContext further resources in context (relative references)
 * @param roles the user's role codes (or, for a backend service, its registered roles): what the
 *     resource server's access policy lets the token's scopes reach
 */
public record LaunchContext(
        Optional<String> fhirUser,
        Optional<String> patient,
        Optional<String> encounter,
        boolean needPatientBanner,
        Optional<String> smartStyleUrl,
        List<String> fhirContext,
        Set<String> roles) {

    public static final LaunchContext NONE = new LaunchContext(
            Optional.empty(), Optional.empty(), Optional.empty(), false, Optional.empty(), List.of(), Set.of());

    public LaunchContext {
        fhirContext = List.copyOf(fhirContext);
        roles = Set.copyOf(roles);
    }
}
