package org.securefhir.consent;

import java.util.List;
import java.util.Optional;
import org.securefhir.interceptors.authorization.AccessToken;

/** Verified access tokens of the roles of {@code access-policy.yaml}, as the resource server hands them on. */
final class TestTokens {

    private TestTokens() {}

    /** A physician's EHR app with {@code user/} scopes: bound by the treatment relationship. */
    static AccessToken physician(String practitioner) {
        return AccessToken.of(
                "user-" + practitioner,
                "ehr-app",
                List.of("user/*.cruds", "openid"),
                Optional.empty(),
                Optional.of("Practitioner/" + practitioner),
                List.of("physician"));
    }

    /** A physician whose {@code fhirUser} claim is an absolute URL, as many identity providers send it. */
    static AccessToken physicianWithAbsoluteFhirUser(String practitioner) {
        return AccessToken.of(
                "user-" + practitioner,
                "ehr-app",
                List.of("user/*.cruds"),
                Optional.empty(),
                Optional.of("https://ehr.example.org/fhir/Practitioner/" + practitioner),
                List.of("physician"));
    }

    /** A physician's app launched in one patient's context ({@code patient/} scopes only). */
    static AccessToken physicianInPatientContext(String practitioner, String patient) {
        return AccessToken.of(
                "user-" + practitioner,
                "launch-app",
                List.of("patient/*.rs"),
                Optional.of(patient),
                Optional.of("Practitioner/" + practitioner),
                List.of("physician"));
    }

    static AccessToken nurse(String practitioner) {
        return AccessToken.of(
                "user-" + practitioner,
                "ehr-app",
                List.of("user/*.rs"),
                Optional.empty(),
                Optional.of("Practitioner/" + practitioner),
                List.of("nurse"));
    }

    /** Billing staff through an app ({@code client_id}), not bound by the treatment relationship. */
    static AccessToken billing(String clientId) {
        return AccessToken.of(
                "user-clerk", clientId, List.of("user/*.rs"), Optional.empty(), Optional.empty(), List.of("billing"));
    }

    static AccessToken admin() {
        return AccessToken.of(
                "user-admin",
                "admin-app",
                List.of("user/*.cruds"),
                Optional.empty(),
                Optional.empty(),
                List.of("admin"));
    }

    /** A patient's own app: their own record. */
    static AccessToken patient(String patient) {
        return AccessToken.of(
                "user-" + patient,
                "patient-app",
                List.of("patient/*.rs", "patient/Consent.cu"),
                Optional.of(patient),
                Optional.of("Patient/" + patient),
                List.of("patient"));
    }

    /** A backend service (an interface engine): {@code system/} scopes only, no user. */
    static AccessToken backendService() {
        return AccessToken.of(
                "interface-engine",
                "interface-engine",
                List.of("system/*.cruds"),
                Optional.empty(),
                Optional.empty(),
                List.of("integration"));
    }
}
