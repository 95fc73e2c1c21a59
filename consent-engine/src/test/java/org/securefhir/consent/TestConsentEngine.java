package org.securefhir.consent;

import ca.uhn.fhir.context.FhirContext;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IDomainResource;
import org.hl7.fhir.r4.model.Consent;
import org.securefhir.interceptors.authorization.AccessToken;
import org.securefhir.interceptors.authorization.PurposeOfUse;
import org.securefhir.interceptors.ownership.PatientOwnership;

/**
 * A {@link ConsentEngine} configured as {@code docs/consent.md} documents the defaults, over
 * in-memory facts a test sets: the token of the request being judged, the patients' Consents, who
 * treats whom, break-glass declarations and the labels of earlier versions. The facts may change
 * after the engine is built (a Consent written, a relationship registered), as in the store.
 */
final class TestConsentEngine {

    static final FhirContext FHIR = FhirContext.forR4Cached();
    static final Instant NOW = Instant.parse("2026-12-07T10:00:00Z");

    private static final ConsentDirectives PARSER = new ConsentDirectives(FHIR);

    private Optional<AccessToken> token = Optional.empty();
    private final Map<String, List<ConsentDirective>> directives = new HashMap<>();
    private final Set<String> relationships = new HashSet<>();
    private final Map<String, Map<String, String>> declarations = new HashMap<>();
    private final Map<String, Set<String>> labelHistory = new HashMap<>();
    private final Set<String> exemptRoles = new HashSet<>();
    private boolean treatmentRelationship = true;
    /** As the resource holds them (nothing sealed). */
    private ContainedResources contained =
            resource -> resource instanceof IDomainResource domain ? domain.getContained() : List.of();

    private RuntimeException directivesFailure;
    private RuntimeException labelHistoryFailure;

    /** The patients whose Consents were looked up, in order. */
    final List<String> directiveLookups = new ArrayList<>();
    /** The users whose break-glass declarations were looked up, with the instant asked about. */
    final List<String> declarationLookups = new ArrayList<>();

    /** The verified token of the request being judged (none: the engine cannot see one). */
    TestConsentEngine token(AccessToken token) {
        this.token = Optional.of(token);
        return this;
    }

    /** An active Consent of its patient, as the store would hand it over. */
    TestConsentEngine consent(Consent consent) {
        ConsentDirective directive = PARSER.parse(consent);
        directives
                .computeIfAbsent(directive.patient(), patient -> new ArrayList<>())
                .add(directive);
        return this;
    }

    /** Contained resources as the store gives them when asked (e.g. sealed: opened copies). */
    TestConsentEngine contained(ContainedResources written) {
        this.contained = written;
        return this;
    }

    /** {@code practitioner} ({@code Practitioner/x}) treats the patient. */
    TestConsentEngine treats(String practitioner, String patient) {
        relationships.add(practitioner + "|" + patient);
        return this;
    }

    /** The user ({@code sub}) has declared break-glass for the patient. */
    TestConsentEngine breakGlass(String user, String patient, String declaration) {
        declarations.computeIfAbsent(user, u -> new HashMap<>()).put(patient, declaration);
        return this;
    }

    /** Some version of {@code type/id} carries (or carried) these labels. */
    TestConsentEngine labelledInSomeVersion(String type, String id, String... labels) {
        labelHistory.put(type + "/" + id, Set.of(labels));
        return this;
    }

    TestConsentEngine exemptRole(String role) {
        exemptRoles.add(role);
        return this;
    }

    TestConsentEngine withoutTreatmentRelationship() {
        treatmentRelationship = false;
        return this;
    }

    /** The store of Consents cannot be reached. */
    TestConsentEngine directivesUnavailable(RuntimeException failure) {
        directivesFailure = failure;
        return this;
    }

    /** The labels of earlier versions cannot be read. */
    TestConsentEngine labelHistoryUnavailable(RuntimeException failure) {
        labelHistoryFailure = failure;
        return this;
    }

    ConsentSettings settings() {
        return new ConsentSettings(
                EnumSet.of(
                        PurposeOfUse.TREAT,
                        PurposeOfUse.ETREAT,
                        PurposeOfUse.CAREMGT,
                        PurposeOfUse.HPAYMT,
                        PurposeOfUse.COVERAGE,
                        PurposeOfUse.HOPERAT,
                        PurposeOfUse.PUBHLTH,
                        PurposeOfUse.HLEGAL),
                Set.of("R", "PSY", "HIV", "ETH"),
                Map.of("physician", Set.of("PSY", "HIV", "ETH")),
                treatmentRelationship,
                Set.of("physician", "nurse"),
                Set.of("patient"),
                exemptRoles,
                Set.of("AuditEvent", "Consent"));
    }

    ConsentEngine build() {
        return new ConsentEngine(
                () -> token,
                settings(),
                patient -> {
                    directiveLookups.add(patient);
                    if (directivesFailure != null) {
                        throw directivesFailure;
                    }
                    return List.copyOf(directives.getOrDefault(patient, List.of()));
                },
                (practitioner, patient) -> relationships.contains(practitioner + "|" + patient),
                (user, now) -> {
                    declarationLookups.add(user + "@" + now);
                    return Map.copyOf(declarations.getOrDefault(user, Map.of()));
                },
                FHIR,
                new PatientOwnership(FHIR),
                (type, id) -> {
                    if (labelHistoryFailure != null) {
                        throw labelHistoryFailure;
                    }
                    return labelHistory.getOrDefault(type + "/" + id, Set.of());
                },
                contained,
                Clock.fixed(NOW, ZoneOffset.UTC));
    }
}
