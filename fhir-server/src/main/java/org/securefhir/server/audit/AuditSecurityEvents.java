package org.securefhir.server.audit;

import java.time.temporal.ChronoUnit;
import java.util.Locale;
import org.securefhir.auth.event.SecurityEvent;
import org.securefhir.auth.event.SecurityEventStore;
import org.securefhir.interceptors.audit.AuditRecord;
import org.securefhir.interceptors.audit.AuditSink;

/** The authorization server's security events (logins, MFA, tokens, users, clients) into the audit trail. */
final class AuditSecurityEvents implements SecurityEventStore {

    private final AuditSink sink;
    private final String node;

    AuditSecurityEvents(AuditSink sink, String node) {
        this.sink = sink;
        this.node = node;
    }

    @Override
    public void store(SecurityEvent event) {
        boolean failure = switch (event.type()) {
            case LOGIN_FAILURE, MFA_FAILURE, ACCOUNT_LOCKED, CLIENT_AUTHENTICATION_FAILURE -> true;
            default -> false;
        };
        String action = switch (event.type()) {
            case USER_CREATED, CLIENT_REGISTERED, LAUNCH_CREATED, MFA_ENROLLED, TOKEN_ISSUED, TOKEN_REFRESHED -> "C";
            case USER_CHANGED, MFA_RESET -> "U";
            case TOKEN_REVOKED -> "D";
            default -> "E";
        };
        sink.append(AuditRecord.event(
                event.at().truncatedTo(ChronoUnit.MILLIS).toString(),
                "security",
                event.type().name().toLowerCase(Locale.ROOT).replace('_', '-'),
                action,
                failure ? AuditRecord.MINOR_FAILURE : AuditRecord.SUCCESS,
                event.detail() == null || event.detail().isBlank() ? null : truncate(event.detail()),
                event.userId().or(event::subjectKey).orElse(null),
                event.clientId().orElse(null),
                event.sourceAddress().orElse(null),
                node));
    }

    private static String truncate(String text) {
        return text.length() > 300 ? text.substring(0, 300) : text;
    }
}
