package org.securefhir.consent;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.r4.model.Consent;
import org.junit.jupiter.api.Test;
import org.securefhir.interceptors.authorization.PurposeOfUse;

/** The decision order of {@link ConsentPolicy}, one rule at a time (R4 Consent §8.8.4.1). */
class ConsentPolicyTest {

    private static final FhirContext FHIR = FhirContext.forR4Cached();
    private static final ConsentDirectives PARSER = new ConsentDirectives(FHIR);
    private static final ConsentPolicy POLICY = new ConsentPolicy(
            EnumSet.of(PurposeOfUse.TREAT, PurposeOfUse.ETREAT, PurposeOfUse.HPAYMT, PurposeOfUse.HOPERAT),
            Set.of("R", "PSY", "HIV", "ETH"));

    private final List<ConsentDirective> directives = new ArrayList<>();
    private final Set<String> treated = new HashSet<>();
    private final Set<String> glass = new HashSet<>();

    private final ConsentPolicy.PatientFacts facts = new ConsentPolicy.PatientFacts() {
        @Override
        public List<ConsentDirective> directives(String patient) {
            return directives.stream().filter(d -> d.patient().equals(patient)).toList();
        }

        @Override
        public boolean treats(String practitioner, String patient) {
            return treated.contains(practitioner + "|" + patient);
        }

        @Override
        public Optional<String> breakGlass(String patient) {
            return glass.contains(patient) ? Optional.of("declaration d1 emergency-treatment") : Optional.empty();
        }
    };

    private static AccessRequest doctor(PurposeOfUse purpose, Set<String> cleared, boolean relationship) {
        return new AccessRequest(
                "u1",
                Set.of("Practitioner/doc", "client:app"),
                purpose,
                cleared,
                Optional.of("Practitioner/doc"),
                relationship,
                Optional.empty(),
                Instant.parse("2026-11-26T10:00:00Z"));
    }

    private static ResourceFacts observation(String patient, String... labels) {
        return ResourceFacts.of("Observation", "o1", Set.of(labels), Set.of(patient), Set.of());
    }

    private void consent(Consent consent) {
        directives.add(PARSER.parse(consent));
    }

    @Test
    void decideWhenNoConsentAndTreatmentThenPermittedUnrecorded() {
        Decision decision = POLICY.decide(doctor(PurposeOfUse.TREAT, Set.of(), false), observation("p1"), facts);

        assertThat(decision.permitted()).isTrue();
        assertThat(decision.isNotable()).isFalse();
    }

    @Test
    void decideWhenTreatmentDenyConsentThenDeniedNamingTheConsent() {
        consent(TestConsents.deny("c1", "p1", "treatment").build());

        Decision decision = POLICY.decide(doctor(PurposeOfUse.TREAT, Set.of(), false), observation("p1"), facts);

        assertThat(decision.permitted()).isFalse();
        assertThat(decision.auditText()).isEqualTo("deny consent Consent/c1");
    }

    @Test
    void decideWhenDenyForAllButOneDoctorThenOnlyThatDoctorSees() {
        consent(TestConsents.deny("c1", "p1", "treatment")
                .except(Consent.ConsentProvisionType.PERMIT, "Practitioner/doc", null, null)
                .build());
        AccessRequest other = new AccessRequest(
                "u2",
                Set.of("Practitioner/other"),
                PurposeOfUse.TREAT,
                Set.of(),
                Optional.of("Practitioner/other"),
                false,
                Optional.empty(),
                Instant.now());

        assertThat(POLICY.decide(doctor(PurposeOfUse.TREAT, Set.of(), false), observation("p1"), facts)
                        .auditText())
                .isEqualTo("permit consent Consent/c1");
        assertThat(POLICY.decide(other, observation("p1"), facts).permitted()).isFalse();
    }

    @Test
    void decideWhenResearchWithoutConsentThenDeniedAndPermittedOnlyWithOne() {
        AccessRequest research = doctor(PurposeOfUse.HRESCH, Set.of(), false);

        assertThat(POLICY.decide(research, observation("p1"), facts).auditText())
                .isEqualTo("deny purpose-needs-consent HRESCH");
        consent(TestConsents.permit("c2", "p1", "research").build());
        assertThat(POLICY.decide(research, observation("p1"), facts).permitted())
                .isTrue();
    }

    @Test
    void decideWhenConsentOfAnotherCategoryThenItDoesNotBind() {
        consent(TestConsents.deny("c3", "p1", "marketing").build());

        assertThat(POLICY.decide(doctor(PurposeOfUse.TREAT, Set.of(), false), observation("p1"), facts)
                        .permitted())
                .isTrue();
    }

    @Test
    void decideWhenSensitiveLabelThenOnlyClearedRoleOrNamingConsentReleasesIt() {
        assertThat(POLICY.decide(doctor(PurposeOfUse.TREAT, Set.of(), false), observation("p1", "PSY"), facts)
                        .auditText())
                .isEqualTo("deny sensitive-label PSY");
        assertThat(POLICY.decide(doctor(PurposeOfUse.TREAT, Set.of("PSY"), false), observation("p1", "PSY"), facts)
                        .permitted())
                .isTrue();
        // a consent that permits treatment in general does not release PSY; one that names it does
        consent(TestConsents.permit("c4", "p1", "treatment").build());
        assertThat(POLICY.decide(doctor(PurposeOfUse.TREAT, Set.of(), false), observation("p1", "PSY"), facts)
                        .permitted())
                .isFalse();
        consent(TestConsents.permit("c5", "p1", "treatment")
                .except(Consent.ConsentProvisionType.PERMIT, "Practitioner/doc", null, "PSY")
                .build());
        assertThat(POLICY.decide(doctor(PurposeOfUse.TREAT, Set.of(), false), observation("p1", "PSY"), facts)
                        .permitted())
                .isTrue();
    }

    @Test
    void decideWhenPatientDeniesLabelThenEvenClearedRoleIsDenied() {
        consent(TestConsents.permit("c6", "p1", "treatment")
                .except(Consent.ConsentProvisionType.DENY, null, null, "HIV")
                .build());

        assertThat(POLICY.decide(doctor(PurposeOfUse.TREAT, Set.of("HIV"), false), observation("p1", "HIV"), facts)
                        .auditText())
                .isEqualTo("deny consent Consent/c6");
        assertThat(POLICY.decide(doctor(PurposeOfUse.TREAT, Set.of("HIV"), false), observation("p1"), facts)
                        .permitted())
                .isTrue();
    }

    @Test
    void decideWhenNoTreatmentRelationshipThenDeniedUntilRelatedOrBreakGlass() {
        AccessRequest request = doctor(PurposeOfUse.TREAT, Set.of(), true);

        assertThat(POLICY.decide(request, observation("p1"), facts).auditText())
                .isEqualTo("deny no-treatment-relationship");
        treated.add("Practitioner/doc|p1");
        assertThat(POLICY.decide(request, observation("p1"), facts).permitted()).isTrue();
        treated.clear();
        glass.add("p1");
        Decision decision = POLICY.decide(request, observation("p1"), facts);
        assertThat(decision.permitted()).isTrue();
        assertThat(decision.auditText())
                .isEqualTo(
                        "permit break-glass overrides no-treatment-relationship by declaration d1 emergency-treatment");
    }

    @Test
    void decideWhenBreakGlassThenConsentDenialOverriddenAndRecorded() {
        consent(TestConsents.deny("c7", "p1", "treatment").build());
        glass.add("p1");

        Decision decision = POLICY.decide(doctor(PurposeOfUse.TREAT, Set.of(), false), observation("p1"), facts);

        assertThat(decision.permitted()).isTrue();
        assertThat(decision.auditText())
                .isEqualTo("permit break-glass Consent/c7 overrides consent by declaration d1 emergency-treatment");
    }

    @Test
    void decideWhenPatientReadsOwnRecordThenPermittedDespiteLabels() {
        AccessRequest self = new AccessRequest(
                "u3",
                Set.of("Patient/p1"),
                PurposeOfUse.TREAT,
                Set.of(),
                Optional.empty(),
                false,
                Optional.of("p1"),
                Instant.now());
        consent(TestConsents.deny("c8", "p1", "treatment").build());

        assertThat(POLICY.decide(self, observation("p1", "PSY"), facts).permitted())
                .isTrue();
    }

    @Test
    void decideWhenResourceOutsideAnyCompartmentThenOnlyLabelsCount() {
        ResourceFacts practitioner = ResourceFacts.of("Practitioner", "x", Set.of(), Set.of(), Set.of());
        ResourceFacts restricted = ResourceFacts.of("Organization", "y", Set.of("R"), Set.of(), Set.of());

        assertThat(POLICY.decide(doctor(PurposeOfUse.TREAT, Set.of(), true), practitioner, facts)
                        .permitted())
                .isTrue();
        assertThat(POLICY.decide(doctor(PurposeOfUse.TREAT, Set.of(), true), restricted, facts)
                        .permitted())
                .isFalse();
    }

    @Test
    void decideWhenUnreadableConsentThenDeniedFailClosed() {
        directives.add(ConsentDirective.unreadable("Consent/bad", "p1"));

        assertThat(POLICY.decide(doctor(PurposeOfUse.HPAYMT, Set.of(), false), observation("p1"), facts)
                        .auditText())
                .isEqualTo("deny consent-unreadable Consent/bad");
    }

    @Test
    void decideWhenConsentPeriodOverThenItNoLongerBinds() {
        Consent expired = TestConsents.deny("c9", "p1", "treatment").build();
        expired.getProvision()
                .getPeriod()
                .setStart(java.util.Date.from(Instant.parse("2020-01-01T00:00:00Z")))
                .setEnd(java.util.Date.from(Instant.parse("2021-01-01T00:00:00Z")));
        consent(expired);

        assertThat(POLICY.decide(doctor(PurposeOfUse.TREAT, Set.of(), false), observation("p1"), facts)
                        .permitted())
                .isTrue();
    }

    @Test
    void decideWhenDependentsNamedThenReferringResourcesDenied() {
        Consent consent = TestConsents.permit("c10", "p1", "treatment").build();
        consent.getProvision()
                .addProvision()
                .setType(Consent.ConsentProvisionType.DENY)
                .addData()
                .setMeaning(Consent.ConsentDataMeaning.DEPENDENTS)
                .setReference(new org.hl7.fhir.r4.model.Reference("Encounter/e1"));
        consent(consent);
        ResourceFacts inEncounter =
                ResourceFacts.of("Observation", "o2", Set.of(), Set.of("p1"), Set.of("Encounter/e1", "Patient/p1"));
        ResourceFacts elsewhere = ResourceFacts.of("Observation", "o3", Set.of(), Set.of("p1"), Set.of("Patient/p1"));

        assertThat(POLICY.decide(doctor(PurposeOfUse.TREAT, Set.of(), false), inEncounter, facts)
                        .permitted())
                .isFalse();
        assertThat(POLICY.decide(doctor(PurposeOfUse.TREAT, Set.of(), false), elsewhere, facts)
                        .permitted())
                .isTrue();
    }

    @Test
    void decideWhenPurposeStatedThenConsentsOfTheRoleDefaultStillDenyButNeverPermitAnotherPurpose() {
        // a treatment deny binds the doctor whatever purpose they state
        consent(TestConsents.deny("c-deny", "p1", "treatment").build());
        AccessRequest operations = doctorStating(PurposeOfUse.HOPERAT);

        assertThat(POLICY.decide(operations, observation("p1"), facts).permitted())
                .isFalse();

        // a treatment permit does not release research
        directives.clear();
        consent(TestConsents.permit("c-permit", "p2", "treatment").build());
        AccessRequest research = doctorStating(PurposeOfUse.HRESCH);

        Decision decision = POLICY.decide(research, observation("p2"), facts);
        assertThat(decision.permitted()).isFalse();
        assertThat(decision.reason()).isEqualTo(Decision.Reason.PURPOSE_NEEDS_CONSENT);
    }

    /** A doctor (role default TREAT) stating another purpose. */
    private static AccessRequest doctorStating(PurposeOfUse purpose) {
        return new AccessRequest(
                "u1",
                Set.of("Practitioner/doc", "client:app"),
                purpose,
                Set.of(),
                Optional.of("Practitioner/doc"),
                false,
                Optional.empty(),
                Instant.parse("2026-11-26T10:00:00Z"),
                Set.of(purpose, PurposeOfUse.TREAT));
    }
}
