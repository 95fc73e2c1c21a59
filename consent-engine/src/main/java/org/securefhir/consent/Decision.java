package org.securefhir.consent;

import java.util.Optional;

/**
 * The outcome of the consent engine for one resource and one request, with why: this is what the
 * audit trail records (BALP {@code AuthZconsent}: permit or deny, and which Consent decided).
 *
 * @param consent the Consent that decided ({@code Consent/<id>}), when one did
 * @param detail a code or label behind the reason (purpose of use, security label), no PHI
 */
public record Decision(boolean permitted, Reason reason, Optional<String> consent, Optional<String> detail) {

    public enum Reason {
        /** Nothing restricts the resource (no consent binds it, or one that binds it permits). */
        NOT_RESTRICTED("not-restricted"),
        /** A Consent of the patient permits it (recorded, as the permit came from a Consent). */
        CONSENT_PERMIT("consent"),
        /** A Consent of the patient denies it. */
        CONSENT_DENY("consent"),
        /** A Consent of the patient that cannot be enforced as written denies it (fail closed). */
        CONSENT_UNREADABLE("consent-unreadable"),
        /** The purpose of use needs the patient's consent (research, marketing) and none permits. */
        PURPOSE_NEEDS_CONSENT("purpose-needs-consent"),
        /** A sensitive security label the requester is not cleared for, and no Consent releases it. */
        SENSITIVE_LABEL("sensitive-label"),
        /** A clinician who has no treatment relationship with the patient. */
        NO_TREATMENT_RELATIONSHIP("no-treatment-relationship"),
        /** Would have been withheld, but the requester declared break-glass for the patient. */
        BREAK_GLASS("break-glass"),
        /** The patient reading their own record. */
        OWN_RECORD("own-record");

        private final String code;

        Reason(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    public static Decision permit(Reason reason) {
        return new Decision(true, reason, Optional.empty(), Optional.empty());
    }

    public static Decision deny(Reason reason, Optional<String> consent, Optional<String> detail) {
        return new Decision(false, reason, consent, detail);
    }

    /** Whether the audit trail records this decision (everything except the unrestricted default). */
    public boolean isNotable() {
        return reason != Reason.NOT_RESTRICTED && reason != Reason.OWN_RECORD;
    }

    /** The decision as the audit trail records it, e.g. {@code deny consent Consent/123}. */
    public String auditText() {
        StringBuilder text = new StringBuilder(permitted ? "permit " : "deny ").append(reason.code());
        consent.ifPresent(id -> text.append(' ').append(id));
        detail.ifPresent(value -> text.append(' ').append(value));
        return text.toString();
    }
}
