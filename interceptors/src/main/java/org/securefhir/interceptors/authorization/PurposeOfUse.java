package org.securefhir.interceptors.authorization;

import java.util.Locale;
import java.util.Optional;

/**
 * Why data is requested: the HL7 v3 PurposeOfUse codes (code system {@code v3-ActReason}, <a
 * href="https://terminology.hl7.org/ValueSet-v3-PurposeOfUse.html">value set</a>) this server
 * understands. A request states one in the {@code X-Purpose-Of-Use} header (default {@link
 * #TREAT}); {@link #BTG} is never stated by a client: the server marks accesses under a declared
 * break-glass with it.
 */
public enum PurposeOfUse {
    /** Treatment. */
    TREAT,
    /** Emergency treatment. */
    ETREAT,
    /** Care management. */
    CAREMGT,
    /** Healthcare payment. */
    HPAYMT,
    /** Coverage under a policy or program. */
    COVERAGE,
    /** Healthcare operations. */
    HOPERAT,
    /** Public health. */
    PUBHLTH,
    /** Legal (court order, subpoena). */
    HLEGAL,
    /** Disclosure the patient requested. */
    PATRQT,
    /** Healthcare research. */
    HRESCH,
    /** Marketing. */
    HMARKT,
    /** Break the glass: assigned by the server, never accepted from a client. */
    BTG;

    public static final String SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActReason";

    /** The purpose named by a code ({@code TREAT}, optionally {@code system|TREAT}), if known. */
    public static Optional<PurposeOfUse> fromCode(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String code = text.trim();
        int bar = code.indexOf('|');
        if (bar >= 0) {
            String system = code.substring(0, bar);
            if (!system.isEmpty() && !system.equals(SYSTEM)) {
                return Optional.empty();
            }
            code = code.substring(bar + 1);
        }
        if (code.isEmpty() || !code.chars().allMatch(Character::isLetter)) {
            return Optional.empty();
        }
        try {
            return Optional.of(valueOf(code.toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
