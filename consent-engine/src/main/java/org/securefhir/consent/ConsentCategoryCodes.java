package org.securefhir.consent;

import java.util.Map;
import java.util.Optional;

/**
 * Which {@link ConsentCategory} a {@code Consent.category} coding names: the standard R4 codes
 * other systems write (LOINC, <a
 * href="https://terminology.hl7.org/CodeSystem-consentcategorycodes.html">consentcategorycodes</a>,
 * v3 ActCode consent types), or a code of this deployment's own category system ({@code
 * consent.category-system}: {@code treatment}, {@code data-sharing}, {@code research}, {@code
 * marketing}, {@code third-party}, {@code general}). Codings of other systems are not categories
 * this server enforces and are ignored.
 */
public final class ConsentCategoryCodes {

    /** The deployment's own category system unless configured otherwise. */
    public static final String DEFAULT_SYSTEM = "urn:securefhir:consent-category";

    static final String LOINC = "http://loinc.org";
    static final String CONSENT_CATEGORY_CODES = "http://terminology.hl7.org/CodeSystem/consentcategorycodes";
    static final String ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode";

    private static final Map<String, ConsentCategory> STANDARD = Map.ofEntries(
            // LOINC: Patient Consent; Release of information consent; Privacy policy acknowledgment
            Map.entry(LOINC + "|59284-0", ConsentCategory.GENERAL),
            Map.entry(LOINC + "|64292-6", ConsentCategory.GENERAL),
            Map.entry(LOINC + "|57016-8", ConsentCategory.GENERAL),
            // consentcategorycodes: notice of privacy practices, research, emergency only
            Map.entry(CONSENT_CATEGORY_CODES + "|npp", ConsentCategory.GENERAL),
            Map.entry(CONSENT_CATEGORY_CODES + "|research", ConsentCategory.RESEARCH),
            Map.entry(CONSENT_CATEGORY_CODES + "|rsdid", ConsentCategory.RESEARCH),
            Map.entry(CONSENT_CATEGORY_CODES + "|rsreid", ConsentCategory.RESEARCH),
            Map.entry(CONSENT_CATEGORY_CODES + "|emrgonly", ConsentCategory.TREATMENT),
            // v3 ActCode ActConsentType: information access, disclosure, collection; research
            Map.entry(ACT_CODE + "|INFA", ConsentCategory.GENERAL),
            Map.entry(ACT_CODE + "|INFAO", ConsentCategory.GENERAL),
            Map.entry(ACT_CODE + "|INFASO", ConsentCategory.GENERAL),
            Map.entry(ACT_CODE + "|IDSCL", ConsentCategory.GENERAL),
            Map.entry(ACT_CODE + "|IRDSCL", ConsentCategory.GENERAL),
            Map.entry(ACT_CODE + "|ICOL", ConsentCategory.GENERAL),
            Map.entry(ACT_CODE + "|RESEARCH", ConsentCategory.RESEARCH),
            Map.entry(ACT_CODE + "|RSDID", ConsentCategory.RESEARCH),
            Map.entry(ACT_CODE + "|RSREID", ConsentCategory.RESEARCH));

    private final String system;

    /** @param system this deployment's own category system (a URL or URN it controls) */
    public ConsentCategoryCodes(String system) {
        if (system == null || system.isBlank()) {
            throw new IllegalArgumentException("the consent category system must be set");
        }
        this.system = system;
    }

    /**
     * The category a coding names; empty for a coding of another system, or of this deployment's
     * system with an unknown code ({@link #isOwnSystem} tells the two apart).
     */
    public Optional<ConsentCategory> of(String codingSystem, String code) {
        if (codingSystem == null || code == null) {
            return Optional.empty();
        }
        if (codingSystem.equals(system)) {
            return ConsentCategory.fromCode(code);
        }
        return Optional.ofNullable(STANDARD.get(codingSystem + "|" + code.trim()));
    }

    /** Whether the coding's system is this deployment's own (an unknown code of it is an error). */
    public boolean isOwnSystem(String codingSystem) {
        return system.equals(codingSystem);
    }

    /** For messages: what a category may be written as. */
    String accepted() {
        return "a code of " + system + " (treatment, data-sharing, research, marketing, third-party, general), LOINC"
                + " 59284-0/64292-6/57016-8, consentcategorycodes npp/research/rsdid/rsreid/emrgonly or v3-ActCode"
                + " INFA/INFAO/INFASO/IDSCL/IRDSCL/ICOL/RESEARCH/RSDID/RSREID";
    }
}
