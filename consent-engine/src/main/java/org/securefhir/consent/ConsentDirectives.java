package org.securefhir.consent;

import ca.uhn.fhir.context.FhirContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.securefhir.interceptors.authorization.PurposeOfUse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads and validates FHIR R4 Consents (<a href="https://hl7.org/fhir/R4/consent.html">R4
 * Consent</a>) into {@link ConsentDirective}s. What this server cannot enforce as written is
 * refused with a message naming the element, never silently ignored: a rule the engine would not
 * apply must not look as if it were in force.
 */
public final class ConsentDirectives {

    /** {@code Consent.provision.actor.reference.identifier.system} naming an OAuth client (an app). */
    public static final String CLIENT_SYSTEM = "https://securefhir.org/fhir/sid/oauth-client";

    static final String SCOPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/consentscope";
    static final String RESOURCE_TYPES = "http://hl7.org/fhir/resource-types";
    static final String ACTION_SYSTEM = "http://terminology.hl7.org/CodeSystem/consentaction";

    private static final Set<String> SCOPES = Set.of("patient-privacy", "research", "treatment");
    private static final Set<String> READ_ACTIONS = Set.of("access", "use", "disclose");
    private static final Set<String> ACTOR_TYPES = Set.of("Practitioner", "RelatedPerson", "Patient");
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9\\-.]{1,64}");

    private static final Logger log = LoggerFactory.getLogger(ConsentDirectives.class);

    private final FhirContext fhir;
    private final ConsentCategoryCodes categories;

    /** With the default category system ({@link ConsentCategoryCodes#DEFAULT_SYSTEM}). */
    public ConsentDirectives(FhirContext fhir) {
        this(fhir, new ConsentCategoryCodes(ConsentCategoryCodes.DEFAULT_SYSTEM));
    }

    public ConsentDirectives(FhirContext fhir, ConsentCategoryCodes categories) {
        this.fhir = fhir;
        this.categories = categories;
    }

    /**
     * Checks a Consent about to be stored; throws {@link InvalidConsentException} if it cannot be
     * enforced. In a transaction, references to resources created by the same transaction are
     * still placeholders ({@code urn:uuid:...}) when this runs: they stand for the Patient, actor
     * or data they will name (a placeholder that resolves to something this server cannot enforce
     * makes the stored Consent deny everything it could cover).
     */
    public void validate(Consent consent) {
        Consent copy = consent.copy();
        if (isPlaceholder(copy.getPatient())) {
            copy.setPatient(new Reference("Patient/placeholder"));
        }
        if (copy.hasProvision()) {
            standIn(copy.getProvision());
        }
        parse(copy);
    }

    private static void standIn(Consent.ProvisionComponent provision) {
        for (Consent.provisionActorComponent actor : provision.getActor()) {
            if (isPlaceholder(actor.getReference())) {
                actor.setReference(new Reference("Practitioner/placeholder"));
            }
        }
        for (Consent.provisionDataComponent data : provision.getData()) {
            if (isPlaceholder(data.getReference())) {
                data.setReference(new Reference("Basic/placeholder"));
            }
        }
        provision.getProvision().forEach(ConsentDirectives::standIn);
    }

    private static boolean isPlaceholder(Reference reference) {
        String value = reference.getReference();
        return value != null && (value.startsWith("urn:uuid:") || value.startsWith("urn:oid:"));
    }

    /**
     * The directive of a stored Consent, for enforcement: one that cannot be enforced as written
     * (stored before validation existed, or around it) denies everything it could cover.
     */
    public ConsentDirective enforceable(Consent consent, String patient) {
        String id = "Consent/" + consent.getIdElement().getIdPart();
        try {
            return parse(consent);
        } catch (InvalidConsentException e) {
            log.warn("{} cannot be enforced as written ({}); it denies all access it could cover", id, e.getMessage());
            return ConsentDirective.unreadable(id, patient);
        }
    }

    /** The directive a Consent expresses; throws {@link InvalidConsentException} if it cannot be enforced. */
    public ConsentDirective parse(Consent consent) {
        if (!consent.hasStatus()) {
            throw new InvalidConsentException("Consent.status is required");
        }
        Coding scope = consent.getScope().getCoding().stream()
                .filter(coding -> SCOPE_SYSTEM.equals(coding.getSystem()))
                .findFirst()
                .orElseThrow(() -> new InvalidConsentException(
                        "Consent.scope must be coded in " + SCOPE_SYSTEM + " (patient-privacy)"));
        if (!SCOPES.contains(scope.getCode())) {
            throw new InvalidConsentException("Consent.scope '" + scope.getCode() + "' is not one of " + SCOPES);
        }
        Set<ConsentCategory> found = new java.util.LinkedHashSet<>();
        for (CodeableConcept category : consent.getCategory()) {
            for (Coding coding : category.getCoding()) {
                Optional<ConsentCategory> mapped = categories.of(coding.getSystem(), coding.getCode());
                if (mapped.isEmpty() && categories.isOwnSystem(coding.getSystem())) {
                    throw new InvalidConsentException(
                            "Consent.category '" + coding.getCode() + "' is not one of " + categories.accepted());
                }
                mapped.ifPresent(found::add);
            }
        }
        if (found.size() > 1) {
            // a general code (e.g. LOINC 59284-0 "Patient Consent") beside a specific one: the specific one
            found.remove(ConsentCategory.GENERAL);
        }
        if (found.size() != 1) {
            throw new InvalidConsentException(
                    "Consent.category must name exactly one kind of consent: " + categories.accepted());
        }
        String patient = patientId(consent.getPatient())
                .orElseThrow(
                        () -> new InvalidConsentException("Consent.patient must reference a Patient (Patient/<id>)"));
        if (!consent.hasProvision()) {
            throw new InvalidConsentException("Consent.provision is required: the rule to enforce");
        }
        ConsentDirective.Provision root = provision(consent.getProvision(), "Consent.provision");
        ConsentCategory category = found.iterator().next();
        if (category == ConsentCategory.THIRD_PARTY && root.actors().isEmpty()) {
            throw new InvalidConsentException("A third-party Consent must name its actor in Consent.provision.actor");
        }
        String id = consent.getIdElement().hasIdPart()
                ? "Consent/" + consent.getIdElement().getIdPart()
                : "Consent";
        return new ConsentDirective(id, patient, category, Optional.of(root));
    }

    private ConsentDirective.Provision provision(Consent.ProvisionComponent provision, String path) {
        if (!provision.hasType()) {
            throw new InvalidConsentException(path + ".type is required (permit or deny)");
        }
        if (provision.hasCode()) {
            throw new InvalidConsentException(
                    path + ".code is not enforced by this server; use class, securityLabel or data");
        }
        if (provision.hasDataPeriod()) {
            throw new InvalidConsentException(path + ".dataPeriod is not enforced by this server");
        }
        for (CodeableConcept action : provision.getAction()) {
            for (Coding coding : action.getCoding()) {
                if (!READ_ACTIONS.contains(coding.getCode())) {
                    throw new InvalidConsentException(path + ".action '" + coding.getCode()
                            + "' is not enforced by this server (it enforces access, use and disclose)");
                }
            }
        }
        Optional<Instant> start = Optional.empty();
        Optional<Instant> end = Optional.empty();
        if (provision.hasPeriod()) {
            Period period = provision.getPeriod();
            start = Optional.ofNullable(period.getStart()).map(java.util.Date::toInstant);
            end = Optional.ofNullable(period.getEnd()).map(java.util.Date::toInstant);
            if (start.isPresent() && end.isPresent() && end.get().isBefore(start.get())) {
                throw new InvalidConsentException(path + ".period ends before it starts");
            }
        }
        Set<String> actors = new HashSet<>();
        for (Consent.provisionActorComponent actor : provision.getActor()) {
            actors.add(actor(actor.getReference(), path + ".actor"));
        }
        Set<PurposeOfUse> purposes = EnumSet.noneOf(PurposeOfUse.class);
        for (Coding coding : provision.getPurpose()) {
            PurposeOfUse purpose = (coding.hasSystem() && !PurposeOfUse.SYSTEM.equals(coding.getSystem()))
                    ? null
                    : PurposeOfUse.fromCode(coding.getCode()).orElse(null);
            if (purpose == null || purpose == PurposeOfUse.BTG) {
                throw new InvalidConsentException(path + ".purpose '" + coding.getCode()
                        + "' is not a purpose of use of " + PurposeOfUse.SYSTEM + " this server serves");
            }
            purposes.add(purpose);
        }
        Set<String> classes = new HashSet<>();
        for (Coding coding : provision.getClass_()) {
            if ((coding.hasSystem() && !RESOURCE_TYPES.equals(coding.getSystem()))
                    || coding.getCode() == null
                    || !fhir.getResourceTypes().contains(coding.getCode())) {
                throw new InvalidConsentException(path + ".class '" + coding.getCode()
                        + "' is not a FHIR R4 resource type (" + RESOURCE_TYPES + ")");
            }
            classes.add(coding.getCode());
        }
        Set<String> labels = new HashSet<>();
        for (Coding coding : provision.getSecurityLabel()) {
            if (!coding.hasCode()) {
                throw new InvalidConsentException(path + ".securityLabel needs a code");
            }
            labels.add(coding.getCode());
        }
        Set<String> instances = new HashSet<>();
        Set<String> dependents = new HashSet<>();
        for (Consent.provisionDataComponent data : provision.getData()) {
            String reference = data.getReference()
                    .getReferenceElement()
                    .toUnqualifiedVersionless()
                    .getValue();
            if (reference == null
                    || !data.getReference().getReferenceElement().hasResourceType()
                    || !data.getReference().getReferenceElement().hasIdPart()) {
                throw new InvalidConsentException(path + ".data.reference must be Type/id");
            }
            Consent.ConsentDataMeaning meaning = data.getMeaning();
            if (meaning == Consent.ConsentDataMeaning.INSTANCE) {
                instances.add(reference);
            } else if (meaning == Consent.ConsentDataMeaning.DEPENDENTS) {
                dependents.add(reference);
            } else {
                throw new InvalidConsentException(path + ".data.meaning '"
                        + (meaning == null ? "" : meaning.toCode())
                        + "' is not enforced by this server (instance or dependents)");
            }
        }
        List<ConsentDirective.Provision> nested = new ArrayList<>();
        for (int i = 0; i < provision.getProvision().size(); i++) {
            nested.add(provision(provision.getProvision().get(i), path + ".provision[" + i + "]"));
        }
        ConsentDirective.Type type = provision.getType() == Consent.ConsentProvisionType.PERMIT
                ? ConsentDirective.Type.PERMIT
                : ConsentDirective.Type.DENY;
        return new ConsentDirective.Provision(
                type, start, end, actors, purposes, classes, labels, instances, dependents, nested);
    }

    private static String actor(Reference reference, String path) {
        if (reference.hasIdentifier()
                && CLIENT_SYSTEM.equals(reference.getIdentifier().getSystem())
                && reference.getIdentifier().hasValue()) {
            return "client:" + reference.getIdentifier().getValue();
        }
        String type = reference.getReferenceElement().getResourceType();
        String id = reference.getReferenceElement().getIdPart();
        if (type == null
                || id == null
                || !ACTOR_TYPES.contains(type)
                || !ID.matcher(id).matches()) {
            throw new InvalidConsentException(path + ".reference must be a Practitioner, RelatedPerson or Patient"
                    + " (Type/id) or an app (identifier system " + CLIENT_SYSTEM + ")");
        }
        return type + "/" + id;
    }

    private static Optional<String> patientId(Reference reference) {
        String type = reference.getReferenceElement().getResourceType();
        String id = reference.getReferenceElement().getIdPart();
        if (!"Patient".equals(type) || id == null || !ID.matcher(id).matches()) {
            return Optional.empty();
        }
        return Optional.of(id);
    }

    /** The patient a Consent is about, if it names one (also for Consents that fail validation). */
    public static Optional<String> patientOf(Consent consent) {
        return patientId(consent.getPatient());
    }
}
