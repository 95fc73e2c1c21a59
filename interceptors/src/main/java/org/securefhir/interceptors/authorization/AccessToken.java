package org.securefhir.interceptors.authorization;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.securefhir.smart.SmartScope;

/**
 * What authorization needs of a verified access token, with its scopes parsed once.
 *
 * @param subject the token's {@code sub} (user, or client for a backend service)
 * @param clientId the app or service the token was issued to
 * @param scopes the SMART resource scopes (other scopes such as {@code openid} are dropped)
 * @param patient the patient in context ({@code patient} claim)
 * @param fhirUser the user's own FHIR resource ({@code fhirUser} claim), absolute or relative
 * @param roles the role codes the token acts under
 * @param authTime when the user last entered their second factor ({@code auth_time}); empty for
 *     backend services
 */
public record AccessToken(
        String subject,
        String clientId,
        List<SmartScope> scopes,
        Optional<String> patient,
        Optional<String> fhirUser,
        Set<String> roles,
        Optional<Instant> authTime) {

    private static final Pattern PATIENT_REFERENCE = Pattern.compile("(?:^|/)Patient/([A-Za-z0-9\\-.]{1,64})$");

    public AccessToken {
        scopes = List.copyOf(scopes);
        roles = Set.copyOf(roles);
    }

    /** A token from its claims; scope texts that are not SMART resource scopes are ignored. */
    public static AccessToken of(
            String subject,
            String clientId,
            Collection<String> scopes,
            Optional<String> patient,
            Optional<String> fhirUser,
            Collection<String> roles) {
        return of(subject, clientId, scopes, patient, fhirUser, roles, Optional.empty());
    }

    /** A token from its claims, with the time of its user's last second factor. */
    public static AccessToken of(
            String subject,
            String clientId,
            Collection<String> scopes,
            Optional<String> patient,
            Optional<String> fhirUser,
            Collection<String> roles,
            Optional<Instant> authTime) {
        List<SmartScope> parsed =
                scopes.stream().map(SmartScope::parse).flatMap(Optional::stream).toList();
        return new AccessToken(subject, clientId, parsed, patient, fhirUser, Set.copyOf(roles), authTime);
    }

    /** The id of the user's own Patient resource, when the user is a patient. */
    public Optional<String> ownPatient() {
        return fhirUser.map(PATIENT_REFERENCE::matcher).filter(Matcher::find).map(matcher -> matcher.group(1));
    }
}
