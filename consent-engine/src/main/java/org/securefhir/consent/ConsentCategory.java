package org.securefhir.consent;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.securefhir.interceptors.authorization.PurposeOfUse;

/**
 * The kinds of patient privacy consent this server enforces. A category decides which requests a
 * Consent binds: those made for one of its purposes of use ({@link #purposes}); and for which
 * purposes its permits release data ({@link #permits}). A {@link #THIRD_PARTY} consent binds
 * requests of the actors it names, whatever their purpose. How a {@code Consent.category} coding
 * names a category (standard codes, or this deployment's own code system) is {@link
 * ConsentCategoryCodes}'.
 */
public enum ConsentCategory {
    TREATMENT("treatment", EnumSet.of(PurposeOfUse.TREAT, PurposeOfUse.ETREAT, PurposeOfUse.CAREMGT)),
    DATA_SHARING(
            "data-sharing",
            EnumSet.of(
                    PurposeOfUse.HPAYMT,
                    PurposeOfUse.COVERAGE,
                    PurposeOfUse.HOPERAT,
                    PurposeOfUse.PUBHLTH,
                    PurposeOfUse.HLEGAL,
                    PurposeOfUse.PATRQT)),
    RESEARCH("research", EnumSet.of(PurposeOfUse.HRESCH)),
    MARKETING("marketing", EnumSet.of(PurposeOfUse.HMARKT)),
    THIRD_PARTY("third-party", EnumSet.complementOf(EnumSet.of(PurposeOfUse.BTG))),
    /**
     * A patient's general privacy consent (LOINC 59284-0 "Patient Consent", a notice of privacy
     * practices, an information access or disclosure consent): it binds every purpose, but its
     * permits never release research or marketing, which need a consent of their own.
     */
    GENERAL(
            "general",
            EnumSet.complementOf(EnumSet.of(PurposeOfUse.BTG)),
            EnumSet.complementOf(EnumSet.of(PurposeOfUse.BTG, PurposeOfUse.HRESCH, PurposeOfUse.HMARKT)));

    private final String code;
    private final Set<PurposeOfUse> purposes;
    private final Set<PurposeOfUse> permits;

    ConsentCategory(String code, Set<PurposeOfUse> purposes) {
        this(code, purposes, purposes);
    }

    ConsentCategory(String code, Set<PurposeOfUse> purposes, Set<PurposeOfUse> permits) {
        this.code = code;
        this.purposes = Set.copyOf(purposes);
        this.permits = Set.copyOf(permits);
    }

    /** The code in this deployment's own category system. */
    public String code() {
        return code;
    }

    /** The purposes of use whose requests a consent of this category binds. */
    public Set<PurposeOfUse> purposes() {
        return purposes;
    }

    /** The purposes of use for which a permit of this category releases data. */
    public Set<PurposeOfUse> permits() {
        return permits;
    }

    public static Optional<ConsentCategory> fromCode(String code) {
        if (code == null) {
            return Optional.empty();
        }
        String wanted = code.trim().toLowerCase(Locale.ROOT);
        for (ConsentCategory category : values()) {
            if (category.code.equals(wanted)) {
                return Optional.of(category);
            }
        }
        return Optional.empty();
    }
}
