package org.securefhir.server.fhir;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.PositiveOrZero;
import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Settings of the FHIR endpoint ({@code fhir.server.*}).
 *
 * @param defaultPageSize search page size when the client sends no {@code _count}
 * @param maxPageSize largest {@code _count} honoured
 * @param maxRequestSize largest request body accepted; larger ones get 413
 * @param reuseCachedSearchResultsMillis how long an identical search may reuse cached results (0 = never)
 * @param serverAddress absolute base URL to put in links (empty = derived from the request)
 * @param allowedOperations the only {@code $operations} served; every other one is refused with 403
 * @param schemaMigration whether HAPI's schema migrations run at start-up (create or upgrade)
 * @param resourceTypes the only resource types served (deny by default); the rest of FHIR R4's 145
 *     types get 404
 */
@Validated
@ConfigurationProperties("fhir.server")
public record FhirServerProperties(
        @DefaultValue("20") @Min(1) @Max(1000) int defaultPageSize,
        @DefaultValue("200") @Min(1) @Max(1000) int maxPageSize,
        @DefaultValue("10MB") @NotNull DataSize maxRequestSize,
        @DefaultValue("0") @PositiveOrZero long reuseCachedSearchResultsMillis,
        @DefaultValue("") String serverAddress,

        @DefaultValue({
            "everything",
            "validate",
            "meta",
            "expand",
            "lookup",
            "validate-code",
            "access-report",
            "verify-audit-chain",
            "erase-keys",
            "rotate-data-keys",
            "encryption-status",
            "break-glass",
            "break-glass-review"
        })
        Set<String> allowedOperations,

        @DefaultValue("true") boolean schemaMigration,

        @DefaultValue({
            "AllergyIntolerance",
            "Appointment",
            "AuditEvent",
            "Binary",
            "CarePlan",
            "CareTeam",
            "Claim",
            "ClaimResponse",
            "CodeSystem",
            "Communication",
            "Composition",
            "ConceptMap",
            "Condition",
            "Consent",
            "Coverage",
            "CoverageEligibilityRequest",
            "CoverageEligibilityResponse",
            "Device",
            "DiagnosticReport",
            "DocumentReference",
            "Encounter",
            "EpisodeOfCare",
            "ExplanationOfBenefit",
            "FamilyMemberHistory",
            "Goal",
            "HealthcareService",
            "Immunization",
            "Invoice",
            "Location",
            "Medication",
            "MedicationAdministration",
            "MedicationDispense",
            "MedicationRequest",
            "MedicationStatement",
            "Observation",
            "Organization",
            "Patient",
            "Practitioner",
            "PractitionerRole",
            "Procedure",
            "Provenance",
            "Questionnaire",
            "QuestionnaireResponse",
            "RelatedPerson",
            "Schedule",
            "SearchParameter",
            "ServiceRequest",
            "Slot",
            "Specimen",
            "StructureDefinition",
            "Task",
            "ValueSet"
        })
        Set<String> resourceTypes) {

    public FhirServerProperties {
        allowedOperations = Set.copyOf(allowedOperations);
        resourceTypes = Set.copyOf(resourceTypes);
        if (maxPageSize < defaultPageSize) {
            throw new IllegalArgumentException("fhir.server.max-page-size must be >= fhir.server.default-page-size");
        }
    }
}
