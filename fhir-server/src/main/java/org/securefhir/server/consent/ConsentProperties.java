package org.securefhir.server.consent;

import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.securefhir.consent.ConsentCategoryCodes;
import org.securefhir.interceptors.authorization.PurposeOfUse;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Consent enforcement ({@code consent.*}, docs/consent.md).
 *
 * @param enabled whether Consents, sensitive labels and the treatment relationship are enforced
 *     (refused as false in the 'prod' profile; false only for benchmarks)
 * @param permittedByDefault purposes of use served without a permitting Consent (HIPAA treatment,
 *     payment, operations and required disclosures); research, marketing and patient-requested
 *     disclosure need one
 * @param sensitiveLabels security label codes only cleared roles (or a Consent naming them) see
 * @param clearances per role, the sensitive labels it is cleared for
 * @param treatmentRelationship whether clinicians with user/ scopes see only patients they treat
 * @param relationshipRoles the roles that rule applies to
 * @param patientRoles roles of patients, who always see their own record
 * @param exemptRoles roles consent does not apply to (none by default)
 * @param exemptTypes resource types consent does not apply to
 * @param breakGlassDuration how long a break-glass declaration lasts
 * @param maxStaleness how old a node's cached consent facts may be before they are read again
 *     (at most 1 s: revocations take effect on every node within it)
 * @param cacheSize how many patients' consent facts a node keeps
 * @param categorySystem this deployment's own Consent category code system (besides the standard
 *     LOINC, consentcategorycodes and v3 ActCode codes): a URL or URN the deployment controls
 */
@Validated
@ConfigurationProperties("consent")
public record ConsentProperties(
        @DefaultValue("true") boolean enabled,

        @DefaultValue({"TREAT", "ETREAT", "CAREMGT", "HPAYMT", "COVERAGE", "HOPERAT", "PUBHLTH", "HLEGAL"})
        Set<PurposeOfUse> permittedByDefault,

        @DefaultValue({"R", "PSY", "HIV", "ETH"}) Set<String> sensitiveLabels,
        Map<String, Set<String>> clearances,
        @DefaultValue("true") boolean treatmentRelationship,
        @DefaultValue({"physician", "nurse"}) Set<String> relationshipRoles,
        @DefaultValue("patient") Set<String> patientRoles,
        @DefaultValue Set<String> exemptRoles,
        @DefaultValue({"AuditEvent", "Consent"}) Set<String> exemptTypes,
        @DefaultValue("60m") @NotNull Duration breakGlassDuration,
        @DefaultValue("1s") @NotNull Duration maxStaleness,
        @DefaultValue("100000") int cacheSize,
        @DefaultValue(ConsentCategoryCodes.DEFAULT_SYSTEM) String categorySystem) {

    public ConsentProperties {
        permittedByDefault = Set.copyOf(permittedByDefault);
        if (permittedByDefault.contains(PurposeOfUse.BTG)) {
            throw new IllegalArgumentException("consent.permitted-by-default cannot contain BTG");
        }
        sensitiveLabels = Set.copyOf(sensitiveLabels);
        clearances = clearances == null ? Map.of("physician", Set.of("PSY", "HIV", "ETH")) : Map.copyOf(clearances);
        relationshipRoles = Set.copyOf(relationshipRoles);
        patientRoles = Set.copyOf(patientRoles);
        exemptRoles = Set.copyOf(exemptRoles);
        exemptTypes = Set.copyOf(exemptTypes);
        if (breakGlassDuration.isNegative() || breakGlassDuration.isZero() || breakGlassDuration.toHours() > 24) {
            throw new IllegalArgumentException("consent.break-glass-duration must be between 1s and 24h");
        }
        if (maxStaleness.isNegative() || maxStaleness.compareTo(Duration.ofSeconds(1)) > 0) {
            throw new IllegalArgumentException("consent.max-staleness must be at most 1s");
        }
        if (categorySystem == null || categorySystem.isBlank()) {
            throw new IllegalArgumentException("consent.category-system must be set");
        }
        if (cacheSize < 1) {
            throw new IllegalArgumentException("consent.cache-size must be positive");
        }
    }
}
