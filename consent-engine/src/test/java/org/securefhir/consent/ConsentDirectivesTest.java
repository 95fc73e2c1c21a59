package org.securefhir.consent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.context.FhirContext;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import org.securefhir.interceptors.authorization.PurposeOfUse;

/** What the server accepts as an enforceable Consent, and the messages it gives otherwise. */
class ConsentDirectivesTest {

    private final ConsentDirectives parser = new ConsentDirectives(FhirContext.forR4Cached());

    @Test
    void parseWhenValidThenCategoryPatientAndRulesRead() {
        ConsentDirective directive = parser.parse(TestConsents.deny("c1", "p1", "research")
                .except(Consent.ConsentProvisionType.PERMIT, "Practitioner/doc", "Observation", "PSY")
                .build());

        assertThat(directive.id()).isEqualTo("Consent/c1");
        assertThat(directive.patient()).isEqualTo("p1");
        assertThat(directive.category()).isEqualTo(ConsentCategory.RESEARCH);
        ConsentDirective.Provision nested =
                directive.root().orElseThrow().provisions().get(0);
        assertThat(nested.actors()).containsExactly("Practitioner/doc");
        assertThat(nested.classes()).containsExactly("Observation");
        assertThat(nested.labels()).containsExactly("PSY");
    }

    @Test
    void parseWhenAppNamedByClientIdThenActorIsTheClient() {
        Consent consent = TestConsents.permit("c2", "p1", "third-party").build();
        consent.getProvision()
                .addActor()
                .setReference(new Reference()
                        .setIdentifier(new org.hl7.fhir.r4.model.Identifier()
                                .setSystem(ConsentDirectives.CLIENT_SYSTEM)
                                .setValue("insurer-app")));

        assertThat(parser.parse(consent).root().orElseThrow().actors()).containsExactly("client:insurer-app");
    }

    @Test
    void parseWhenCategoryMissingOrUnknownThenRefusedNamingTheCategories() {
        Consent none = TestConsents.deny("c3", "p1", "treatment").build();
        none.setCategory(java.util.List.of());
        Consent unknown = TestConsents.deny("c4", "p1", "treatment").build();
        unknown.setCategory(java.util.List.of(
                new CodeableConcept(new Coding(ConsentCategoryCodes.DEFAULT_SYSTEM, "gossip", null))));

        assertThatThrownBy(() -> parser.parse(none))
                .isInstanceOf(InvalidConsentException.class)
                .hasMessageContaining("exactly one kind of consent");
        assertThatThrownBy(() -> parser.parse(unknown))
                .isInstanceOf(InvalidConsentException.class)
                .hasMessageContaining(
                        "'gossip' is not one of a code of urn:securefhir:consent-category (treatment, data-sharing");
    }

    @Test
    void parseWhenStandardCategoryCodesThenMappedAndOtherSystemsIgnored() {
        Consent loinc = TestConsents.deny("c5", "p1", "treatment").build();
        loinc.setCategory(java.util.List.of(new CodeableConcept()
                .addCoding(new Coding("http://loinc.org", "59284-0", "Patient Consent"))
                .addCoding(new Coding("http://example.org/local", "whatever", null))));
        Consent research = TestConsents.deny("c6", "p1", "treatment").build();
        research.setCategory(java.util.List.of(new CodeableConcept(
                new Coding("http://terminology.hl7.org/CodeSystem/consentcategorycodes", "research", null))));
        Consent generalAndSpecific = TestConsents.deny("c7", "p1", "treatment").build();
        generalAndSpecific.addCategory(new CodeableConcept(new Coding("http://loinc.org", "59284-0", null)));
        Consent twoKinds = TestConsents.deny("c8", "p1", "treatment").build();
        twoKinds.addCategory(new CodeableConcept(
                new Coding("http://terminology.hl7.org/CodeSystem/consentcategorycodes", "research", null)));

        assertThat(parser.parse(loinc).category()).isEqualTo(ConsentCategory.GENERAL);
        assertThat(parser.parse(research).category()).isEqualTo(ConsentCategory.RESEARCH);
        assertThat(parser.parse(generalAndSpecific).category()).isEqualTo(ConsentCategory.TREATMENT);
        assertThatThrownBy(() -> parser.parse(twoKinds)).isInstanceOf(InvalidConsentException.class);
    }

    @Test
    void whenGeneralConsentPermitsThenResearchAndMarketingStillNeedTheirOwn() {
        assertThat(ConsentCategory.GENERAL.purposes()).contains(PurposeOfUse.HRESCH, PurposeOfUse.TREAT);
        assertThat(ConsentCategory.GENERAL.permits())
                .contains(PurposeOfUse.TREAT, PurposeOfUse.HPAYMT)
                .doesNotContain(PurposeOfUse.HRESCH, PurposeOfUse.HMARKT, PurposeOfUse.BTG);
    }

    @Test
    void parseWhenThirdPartyWithoutActorThenRefused() {
        assertThatThrownBy(() -> parser.parse(
                        TestConsents.permit("c5", "p1", "third-party").build()))
                .hasMessageContaining("must name its actor");
    }

    @Test
    void parseWhenRuleUsesElementsNotEnforcedThenRefusedNotIgnored() {
        Consent withCode = TestConsents.deny("c6", "p1", "treatment").build();
        withCode.getProvision().addCode(new CodeableConcept().setText("x"));
        Consent collect = TestConsents.deny("c7", "p1", "treatment").build();
        collect.getProvision()
                .addAction(new CodeableConcept(new Coding(ConsentDirectives.ACTION_SYSTEM, "collect", null)));
        Consent badClass = TestConsents.deny("c8", "p1", "treatment")
                .except(Consent.ConsentProvisionType.PERMIT, null, "Nonsense", null)
                .build();
        Consent badPurpose = TestConsents.deny("c9", "p1", "treatment").build();
        badPurpose.getProvision().addPurpose(new Coding(PurposeOfUse.SYSTEM, "BTG", null));
        Consent organization = TestConsents.deny("c10", "p1", "treatment")
                .actor("Organization/o1")
                .build();

        assertThatThrownBy(() -> parser.parse(withCode)).hasMessageContaining("Consent.provision.code is not enforced");
        assertThatThrownBy(() -> parser.parse(collect)).hasMessageContaining(".action 'collect' is not enforced");
        assertThatThrownBy(() -> parser.parse(badClass))
                .hasMessageContaining("Consent.provision.provision[0].class 'Nonsense'");
        assertThatThrownBy(() -> parser.parse(badPurpose)).hasMessageContaining(".purpose 'BTG'");
        assertThatThrownBy(() -> parser.parse(organization))
                .hasMessageContaining("must be a Practitioner, RelatedPerson or Patient");
    }

    @Test
    void parseWhenNestedRuleWithoutTypeOrPatientMissingThenRefused() {
        Consent untyped = TestConsents.deny("c11", "p1", "treatment").build();
        untyped.getProvision().addProvision();
        Consent noPatient = TestConsents.deny("c12", "p1", "treatment").build();
        noPatient.setPatient(new Reference("Group/g1"));

        assertThatThrownBy(() -> parser.parse(untyped))
                .hasMessageContaining("Consent.provision.provision[0].type is required");
        assertThatThrownBy(() -> parser.parse(noPatient)).hasMessageContaining("Consent.patient must reference");
    }

    @Test
    void validateWhenTransactionPlaceholdersThenAcceptedButParseOfTheStoredFormStillStrict() {
        Consent inTransaction = TestConsents.deny("c13", "p1", "treatment")
                .except(
                        Consent.ConsentProvisionType.PERMIT,
                        "urn:uuid:5f0c7c8e-1b2a-4d3e-9f00-000000000001",
                        null,
                        null)
                .build();
        inTransaction.setPatient(new Reference("urn:uuid:5f0c7c8e-1b2a-4d3e-9f00-000000000002"));

        parser.validate(inTransaction);
        assertThatThrownBy(() -> parser.parse(inTransaction)).hasMessageContaining("Consent.patient must reference");
        Consent invalid = TestConsents.deny("c14", "p1", "gossip").build();
        assertThatThrownBy(() -> parser.validate(invalid)).isInstanceOf(InvalidConsentException.class);
    }
}
