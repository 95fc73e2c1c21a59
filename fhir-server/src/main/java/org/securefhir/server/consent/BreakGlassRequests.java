package org.securefhir.server.consent;

import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * What a break-glass declaration and a review must say, apart from how they are stored: only a
 * practitioner declares (the token's {@code fhirUser}), with one of the coded reasons and a
 * justification a reviewer can judge; a review names one declaration and records its finding.
 * Each refusal is the client's mistake (400), or 403 for a declarer who is no practitioner.
 */
final class BreakGlassRequests {

    static final Set<String> REASONS =
            Set.of("emergency-treatment", "patient-unable-to-consent", "urgent-continuity-of-care", "other");
    static final int MIN_TEXT = 10;
    static final int MAX_TEXT = 1000;
    static final int MAX_NOTE = 2000;

    private BreakGlassRequests() {}

    /** {@code Practitioner/<id>} of the token's {@code fhirUser}; 403 when it names no practitioner. */
    static String practitioner(Optional<String> fhirUser) {
        return fhirUser.filter(user -> user.contains("Practitioner/"))
                .map(user -> user.substring(user.lastIndexOf("Practitioner/")))
                .orElseThrow(
                        () -> new ForbiddenOperationException("Break-glass is declared by a practitioner (fhirUser)"));
    }

    static String reason(String code) {
        if (code == null || !REASONS.contains(code)) {
            throw new InvalidRequestException(
                    "reason must be one of " + REASONS + " (" + BreakGlassOperations.REASON_SYSTEM + ")");
        }
        return code;
    }

    /** The justification, stripped; it must explain the emergency in 10 to 1000 characters. */
    static String justification(String text) {
        String justification = text == null ? "" : text.strip();
        if (justification.length() < MIN_TEXT || justification.length() > MAX_TEXT) {
            throw new InvalidRequestException(
                    "text must explain the emergency in " + MIN_TEXT + " to " + MAX_TEXT + " characters");
        }
        return justification;
    }

    /** Whether the review queue lists only unreviewed declarations ({@code status}, default unreviewed). */
    static boolean onlyUnreviewed(String status) {
        String wanted = status == null ? "unreviewed" : status;
        if (!"unreviewed".equals(wanted) && !"all".equals(wanted)) {
            throw new InvalidRequestException("status must be unreviewed or all");
        }
        return "unreviewed".equals(wanted);
    }

    static UUID declaration(String id) {
        try {
            return UUID.fromString(id == null ? "" : id);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("declaration must be the id of a break-glass declaration");
        }
    }

    /** The review's finding, stripped: 1 to 2000 characters. */
    static String reviewNote(String note) {
        String text = note == null ? "" : note.strip();
        if (text.isEmpty() || text.length() > MAX_NOTE) {
            throw new InvalidRequestException("note must record the review's finding (1 to 2000 characters)");
        }
        return text;
    }
}
