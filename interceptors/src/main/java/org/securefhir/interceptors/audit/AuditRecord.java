package org.securefhir.interceptors.audit;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * One audit record: who did what to which patients' data, when, from where, why, and how it ended
 * (IHE BALP content, <a href="https://profiles.ihe.net/ITI/BALP/">Basic Audit Log Patterns</a>).
 * References and ids only, never PHI values, tokens or secrets. Serialized canonically (fixed
 * property order) as the text that the store's hash chain covers.
 *
 * @param recorded UTC instant, millisecond precision (ISO 8601)
 * @param category {@code rest} (a FHIR interaction) or {@code security} (authorization server event)
 * @param subtype the FHIR interaction ({@code read}, {@code search-type}, {@code create}, {@code
 *     operation}, …) or the security event ({@code login-failure}, {@code token-issued}, …)
 * @param action FHIR AuditEvent action: C, R, U, D or E
 * @param outcome FHIR AuditEvent outcome: 0 success, 4 denied or client error, 8 server error
 * @param outcomeDetail the status and reason of a failure
 * @param operation the {@code $operation} name, for operations
 * @param query the request's search parameters (names and values as sent; no body)
 * @param patients every patient whose data the request returned or changed ({@code Patient/id})
 * @param entities the resources returned or changed ({@code Type/id}), at most {@value AuditRecords#MAX_ENTITIES}
 * @param purposeOfUse the purpose of use in force (v3 ActReason codes, space-separated; {@code
 *     ETREAT BTG} under break-glass), from the consent engine, else the token or the {@code
 *     X-Purpose-Of-Use} header
 * @param consent the consent decisions that shaped the response ({@code deny consent Consent/1 ×3});
 *     absent when nothing was restricted
 */
@JsonPropertyOrder(alphabetic = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AuditRecord(
        String recorded,
        String category,
        String subtype,
        String action,
        String outcome,
        Integer status,
        String outcomeDetail,
        String userId,
        String fhirUser,
        List<String> roles,
        String clientId,
        String tokenId,
        String resourceType,
        String resourceId,
        String versionId,
        String operation,
        String query,
        List<String> patients,
        List<String> entities,
        String sourceIp,
        String userAgent,
        String node,
        String requestId,
        String purposeOfUse,
        List<String> consent) {

    public static final String SUCCESS = "0";
    public static final String MINOR_FAILURE = "4";
    public static final String SERIOUS_FAILURE = "8";

    /**
     * A record that is not a FHIR interaction (a security event of the authorization server, a
     * retention purge): who, what and how it ended, nothing about resources.
     */
    public static AuditRecord event(
            String recorded,
            String category,
            String subtype,
            String action,
            String outcome,
            String outcomeDetail,
            String userId,
            String clientId,
            String sourceIp,
            String node) {
        return new AuditRecord(
                recorded,
                category,
                subtype,
                action,
                outcome,
                null,
                outcomeDetail,
                userId,
                null,
                List.of(),
                clientId,
                null,
                null,
                null,
                null,
                null,
                null,
                List.of(),
                List.of(),
                sourceIp,
                null,
                node,
                null,
                null,
                null);
    }

    public AuditRecord {
        roles = roles == null ? List.of() : List.copyOf(roles);
        patients = patients == null ? List.of() : List.copyOf(patients);
        entities = entities == null ? List.of() : List.copyOf(entities);
        consent = consent == null || consent.isEmpty() ? null : List.copyOf(consent); // absent: hash as before
    }
}
