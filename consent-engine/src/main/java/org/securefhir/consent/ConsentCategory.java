package org.securefhir.consent;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.securefhir.interceptors.authorization.PurposeOfUse;

/**
 * The kinds of patient privacy consent this server enforces ({@code Consent.category}, code system
 * {@value #SYSTEM}). A category decides which requests a Consent binds: those made for one of its
 * purposes of use. A {@link #THIRD_PARTY} consent binds requests of the actors it names, whatever
 * their purpose.
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
    THIRD_PARTY("third-party", EnumSet.complementOf(EnumSet.of(PurposeOfUse.BTG)));

    public static final String SYSTEM = "https://securefhir.org/fhir/CodeSystem/consent-category";

    private final String code;
    private final Set<PurposeOfUse> purposes;

    ConsentCategory(String code, Set<PurposeOfUse> purposes) {
        this.code = code;
        this.purposes = Set.copyOf(purposes);
    }

    public String code() {
        return code;
    }

    /** The purposes of use whose requests a consent of this category binds. */
    public Set<PurposeOfUse> purposes() {
        return purposes;
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
