package org.securefhir.smart;

/**
 * The names of the access-token claims and token-response launch parameters SMART App Launch 2
 * defines (or this server adds), written by the authorization server and read by the FHIR API's
 * resource server and audit trail: one spelling for both sides.
 */
public final class SmartClaims {

    /** The FHIR resource (absolute URL) of the signed-in user: Practitioner, Patient, RelatedPerson. */
    public static final String FHIR_USER = "fhirUser";
    /** The patient in context (launch/patient, EHR launch): the compartment {@code patient/} scopes reach. */
    public static final String PATIENT = "patient";
    /** The encounter in context (EHR launch). */
    public static final String ENCOUNTER = "encounter";
    /** The client the token was issued to (RFC 9068). */
    public static final String CLIENT_ID = "client_id";
    /** The granted scopes, space-separated (RFC 9068). */
    public static final String SCOPE = "scope";
    /** When the user last passed the second factor (OIDC {@code auth_time}): step-up operations. */
    public static final String AUTH_TIME = "auth_time";
    /** The access-policy roles the token acts under (this server's claim; configurable on the reading side). */
    public static final String ROLES = "roles";
    /** Token-response launch parameter: the app should show a patient banner. */
    public static final String NEED_PATIENT_BANNER = "need_patient_banner";
    /** Token-response launch parameter: the EHR's style sheet for the app. */
    public static final String SMART_STYLE_URL = "smart_style_url";

    private SmartClaims() {}
}
