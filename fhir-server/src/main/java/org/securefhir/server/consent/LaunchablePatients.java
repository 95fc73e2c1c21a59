package org.securefhir.server.consent;

import java.util.Optional;
import java.util.Set;
import org.securefhir.consent.TreatmentRelationships;

/**
 * Whom a user may open through a SMART launch (the patient picker, an EHR launch): everyone their
 * role reaches, except that a clinician bound by the treatment relationship is offered only the
 * patients they treat or have declared break-glass for (docs/consent.md). What the launch then
 * reads is still authorized and judged by consent as every request is.
 */
public final class LaunchablePatients {

    private final ConsentProperties properties;
    private final TreatmentRelationships relationships;
    private final JdbcBreakGlass breakGlass;

    LaunchablePatients(ConsentProperties properties, TreatmentRelationships relationships, JdbcBreakGlass breakGlass) {
        this.properties = properties;
        this.relationships = relationships;
        this.breakGlass = breakGlass;
    }

    /**
     * @param fhirUser the user's own FHIR resource as their account holds it ({@code Practitioner/x})
     * @param roles the user's role codes
     */
    public boolean offers(String userId, Optional<String> fhirUser, Set<String> roles, String patient) {
        if (!properties.enabled()
                || !properties.treatmentRelationship()
                || roles.stream().noneMatch(properties.relationshipRoles()::contains)) {
            return true;
        }
        Optional<String> practitioner = fhirUser.filter(reference -> reference.startsWith("Practitioner/"));
        if (practitioner.isEmpty()) {
            return false;
        }
        return relationships.treats(practitioner.get(), patient)
                || breakGlass.unexpired(userId).stream()
                        .anyMatch(grant -> grant.patient().equals(patient));
    }
}
