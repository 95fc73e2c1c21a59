package org.securefhir.auth.event;

import java.time.Instant;
import java.util.Optional;

/**
 * A security-relevant event of the authorization server, for the audit trail. Carries ids and
 * outcomes only: never a password, code, token, secret or PHI.
 *
 * @param userId the account concerned, when known
 * @param subjectKey a stable pseudonym of the name the client typed (a keyed HMAC pseudonym, {@code Pseudonyms}), for events on
 *     names that match no account
 */
public record SecurityEvent(
        Instant at,
        Type type,
        Optional<String> userId,
        Optional<String> subjectKey,
        Optional<String> clientId,
        Optional<String> sourceAddress,
        String detail) {

    /** What happened. */
    public enum Type {
        LOGIN_SUCCESS,
        LOGIN_FAILURE,
        MFA_SUCCESS,
        MFA_FAILURE,
        MFA_ENROLLED,
        MFA_RESET,
        RECOVERY_CODE_USED,
        ACCOUNT_LOCKED,
        LOGOUT,
        TOKEN_ISSUED,
        TOKEN_REFRESHED,
        TOKEN_REVOKED,
        CLIENT_AUTHENTICATION_FAILURE,
        USER_CREATED,
        USER_CHANGED,
        /** An administrator granted access: a user created or given roles, enabled, a client registered. */
        ACCESS_GRANTED,
        CLIENT_REGISTERED,
        LAUNCH_CREATED
    }
}
