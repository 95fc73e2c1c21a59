package org.securefhir.auth.smart;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.securefhir.auth.user.Role;
import org.securefhir.auth.user.UserAccount;
import org.securefhir.auth.user.UserAccounts;
import org.springframework.security.oauth2.core.endpoint.OAuth2AuthorizationRequest;
import org.springframework.security.oauth2.server.authorization.OAuth2Authorization;

/**
 * Works out the launch context of an authorization from its user, its granted scopes and, for an EHR
 * launch, the launch id the app passed back ({@link EhrLaunches}).
 *
 * <ul>
 *   <li>EHR launch ({@code launch} scope and a valid launch id): the EHR's patient, encounter,
 *       {@code fhirContext}, banner flag and style, when the host's {@link PatientDirectory} offers
 *       the patient to the user (a clinician bound by the treatment relationship: only a patient
 *       they treat); otherwise no patient is in context.
 *   <li>Standalone launch with {@code launch/patient}: a patient user's own Patient; for a
 *       clinician, the patient they chose in the picker on the consent screen. With a banner.
 * </ul>
 * Every launch gets this server's default style sheet unless the EHR named its own.
 */
public final class LaunchContextResolver {

    private final UserAccounts users;
    private final EhrLaunches launches;
    private final PickedPatients picked;
    private final String defaultStyleUrl;
    private final Supplier<Optional<PatientDirectory>> directory;

    /** @param directory the host's patients, which decides whom a user may open through a launch */
    public LaunchContextResolver(
            UserAccounts users,
            EhrLaunches launches,
            PickedPatients picked,
            String defaultStyleUrl,
            Supplier<Optional<PatientDirectory>> directory) {
        this.users = users;
        this.launches = launches;
        this.picked = picked;
        this.defaultStyleUrl = defaultStyleUrl;
        this.directory = directory;
    }

    /** The context of an authorization (its principal, granted scopes, launch id and picked patient). */
    public LaunchContext resolve(OAuth2Authorization authorization, Set<String> scopes) {
        return resolve(
                authorization.getPrincipalName(), scopes, launchId(authorization), Optional.of(authorization.getId()));
    }

    public LaunchContext resolve(
            String principalName, Set<String> scopes, Optional<String> launchId, Optional<String> authorizationId) {
        Optional<UserAccount> user = users.findById(principalName);
        if (user.isEmpty()) {
            return LaunchContext.NONE; // a client acting for itself (client_credentials)
        }
        Optional<String> fhirUser = user.get().fhirUser();
        Set<String> roles = user.get().roles().stream().map(Role::code).collect(Collectors.toSet());
        if (scopes.contains("launch") && launchId.isPresent()) {
            // bound to the authorization that first got tokens with it: kept on refresh, after the id expired
            Optional<EhrLaunch> ehr = authorizationId.isPresent()
                    ? launches.forAuthorization(launchId.get(), authorizationId.get())
                    : launches.find(launchId.get());
            boolean offered = ehr.isPresent()
                    && directory
                            .get()
                            .map(patients -> patients.offers(
                                    user.get().id(), fhirUser, roles, ehr.get().patient()))
                            .orElse(true);
            if (ehr.isPresent() && offered) {
                EhrLaunch launch = ehr.get();
                return new LaunchContext(
                        fhirUser,
                        Optional.of(launch.patient()),
                        launch.encounter(),
                        launch.needPatientBanner(),
                        launch.smartStyleUrl().or(() -> Optional.of(defaultStyleUrl)),
                        launch.fhirContext(),
                        roles);
            }
        }
        Optional<String> patient = Optional.empty();
        if (scopes.contains("launch/patient")) {
            patient = fhirUser.filter(ref -> ref.startsWith("Patient/")).map(ref -> ref.substring("Patient/".length()));
            if (patient.isEmpty()) {
                // a clinician: the patient they chose in the picker
                patient = authorizationId.flatMap(picked::find);
            }
        }
        return new LaunchContext(
                fhirUser,
                patient,
                Optional.empty(),
                patient.isPresent(),
                Optional.of(defaultStyleUrl),
                List.of(),
                roles);
    }

    /** The launch id an authorization was requested with, if any. */
    public static Optional<String> launchId(OAuth2Authorization authorization) {
        if (authorization == null) {
            return Optional.empty();
        }
        OAuth2AuthorizationRequest request = authorization.getAttribute(OAuth2AuthorizationRequest.class.getName());
        return request == null
                ? Optional.empty()
                : Optional.ofNullable(request.getAdditionalParameters().get("launch"))
                        .filter(String.class::isInstance)
                        .map(String.class::cast);
    }
}
