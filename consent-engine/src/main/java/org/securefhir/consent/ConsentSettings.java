package org.securefhir.consent;

import java.util.Map;
import java.util.Set;
import org.securefhir.interceptors.authorization.PurposeOfUse;

/**
 * How the consent engine is configured (bound from {@code consent.*} by the server).
 *
 * @param permittedByDefault purposes of use served without a permitting Consent
 * @param sensitiveLabels security label codes released only to cleared roles or by a Consent
 * @param clearances per role, the sensitive labels it is cleared for
 * @param treatmentRelationship whether clinicians with {@code user/} scopes see only patients they treat
 * @param relationshipRoles the roles that rule applies to
 * @param patientRoles roles of patients: a token with only these roles, naming its own Patient,
 *     reaches only its own record (the access policy sees to it), which consent never withholds
 * @param exemptRoles roles consent does not apply to at all (none by default)
 * @param exemptTypes resource types consent does not apply to (the audit trail, Consents themselves)
 */
public record ConsentSettings(
        Set<PurposeOfUse> permittedByDefault,
        Set<String> sensitiveLabels,
        Map<String, Set<String>> clearances,
        boolean treatmentRelationship,
        Set<String> relationshipRoles,
        Set<String> patientRoles,
        Set<String> exemptRoles,
        Set<String> exemptTypes) {

    public ConsentSettings {
        permittedByDefault = Set.copyOf(permittedByDefault);
        sensitiveLabels = Set.copyOf(sensitiveLabels);
        clearances = Map.copyOf(clearances);
        relationshipRoles = Set.copyOf(relationshipRoles);
        patientRoles = Set.copyOf(patientRoles);
        exemptRoles = Set.copyOf(exemptRoles);
        exemptTypes = Set.copyOf(exemptTypes);
    }
}
