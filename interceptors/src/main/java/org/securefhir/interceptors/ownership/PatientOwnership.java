package org.securefhir.interceptors.ownership;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeResourceDefinition;
import ca.uhn.fhir.context.RuntimeSearchParam;
import ca.uhn.fhir.interceptor.auth.CompartmentSearchParameterModifications;
import ca.uhn.fhir.util.FhirTerser;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.hl7.fhir.instance.model.api.IBaseReference;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;

/**
 * The one answer to "whose data is this?": which patients a resource belongs to. Authorization
 * (patient/ scopes and compartment narrowing), consent (Consents, labels, treatment relationship),
 * audit attribution and encryption (per-patient keys, crypto-shredding) all ask this class.
 *
 * <p>The table: a Patient belongs to itself; a resource of a type in R4's Patient compartment
 * (<a href="https://hl7.org/fhir/R4/compartmentdefinition-patient.html">CompartmentDefinition
 * patient</a>) belongs to the patients its compartment search parameters name; the types R4
 * leaves out although they are patient data are added here ({@link #ADDED}: Task, Device);
 * Binary belongs to the patients of its {@code securityContext} when that names a Patient.
 * Directory and knowledge types ({@link #NOT_PATIENT_DATA}) belong to nobody. Any other type's
 * owner cannot be decided: {@link Kind#UNDECIDED}, which nobody reading under a patient's
 * context or bound by the treatment relationship may read.
 */
public final class PatientOwnership {

    /** What the table says of a resource type. */
    public enum Kind {
        /** The Patient itself. */
        PATIENT,
        /** Patient data: belongs to the patients its owner parameters name (possibly none). */
        PATIENT_DATA,
        /** Directory or knowledge data (practitioners, organizations, code systems): nobody's. */
        NOT_PATIENT_DATA,
        /** The owner cannot be decided: never read in a patient's context or under the relationship. */
        UNDECIDED
    }

    /**
     * Search parameters that make a resource patient data although R4's Patient compartment does
     * not list its type (only references to a Patient count).
     */
    static final Map<String, Set<String>> ADDED = Map.of(
            "Task", Set.of("patient", "owner", "requester"),
            "Device", Set.of("patient"));

    /** Types that hold no patient's data. */
    static final Set<String> NOT_PATIENT_DATA = Set.of(
            "Practitioner",
            "PractitionerRole",
            "Organization",
            "OrganizationAffiliation",
            "Location",
            "HealthcareService",
            "Endpoint",
            "Medication",
            "MedicationKnowledge",
            "Substance",
            "Slot",
            "Questionnaire",
            "CodeSystem",
            "ValueSet",
            "ConceptMap",
            "NamingSystem",
            "StructureDefinition",
            "StructureMap",
            "SearchParameter",
            "OperationDefinition",
            "CapabilityStatement",
            "CompartmentDefinition",
            "ImplementationGuide",
            "ActivityDefinition",
            "PlanDefinition",
            "Library",
            "Measure",
            "TerminologyCapabilities",
            "DeviceDefinition",
            "InsurancePlan",
            "ChargeItemDefinition",
            "CatalogEntry",
            "EffectEvidenceSynthesis",
            "EventDefinition",
            "Evidence",
            "EvidenceVariable",
            "ExampleScenario",
            "GraphDefinition",
            "MedicinalProduct",
            "MedicinalProductAuthorization",
            "MedicinalProductContraindication",
            "MedicinalProductIndication",
            "MedicinalProductIngredient",
            "MedicinalProductInteraction",
            "MedicinalProductManufactured",
            "MedicinalProductPackaged",
            "MedicinalProductPharmaceutical",
            "MedicinalProductUndesirableEffect",
            "MessageDefinition",
            "ObservationDefinition",
            "ResearchDefinition",
            "ResearchElementDefinition",
            "RiskEvidenceSynthesis",
            "SpecimenDefinition",
            "SubstanceNucleicAcid",
            "SubstancePolymer",
            "SubstanceProtein",
            "SubstanceReferenceInformation",
            "SubstanceSourceMaterial",
            "SubstanceSpecification",
            "TestScript");

    private static final String PATIENT = "Patient";

    private final FhirContext fhir;
    private final FhirTerser terser;
    private final CompartmentSearchParameterModifications modifications;
    private final Map<String, Kind> kinds = new ConcurrentHashMap<>();
    private final Map<String, List<String>> parameters = new ConcurrentHashMap<>();

    public PatientOwnership(FhirContext fhir) {
        this.fhir = fhir;
        this.terser = fhir.newTerser();
        this.modifications = new CompartmentSearchParameterModifications();
        ADDED.forEach((type, names) -> names.forEach(name -> modifications.addSPToIncludeInCompartment(type, name)));
    }

    /** What the table says of a type. */
    public Kind kind(String type) {
        return kinds.computeIfAbsent(type, this::classify);
    }

    private Kind classify(String type) {
        if (type.equals(PATIENT)) {
            return Kind.PATIENT;
        }
        if (type.equals("Binary") || !ownerParameters(type).isEmpty()) {
            return Kind.PATIENT_DATA;
        }
        return NOT_PATIENT_DATA.contains(type) ? Kind.NOT_PATIENT_DATA : Kind.UNDECIDED;
    }

    /**
     * The search parameters whose Patient references name the owners of a type's resources: R4's
     * Patient compartment parameters and the added ones, in a stable order (R4's first).
     */
    public List<String> ownerParameters(String type) {
        return parameters.computeIfAbsent(type, name -> {
            RuntimeResourceDefinition definition;
            try {
                definition = fhir.getResourceDefinition(name);
            } catch (RuntimeException unknown) {
                return List.of();
            }
            Set<String> found = new LinkedHashSet<>();
            for (RuntimeSearchParam param : definition.getSearchParamsForCompartmentName(PATIENT)) {
                found.add(param.getName());
            }
            for (String added : ADDED.getOrDefault(name, Set.of())) {
                if (definition.getSearchParam(added) != null) {
                    found.add(added);
                }
            }
            return List.copyOf(found);
        });
    }

    /** The parameter a search of the type is narrowed with to one patient's data, if it has one. */
    public Optional<String> narrowingParameter(String type) {
        List<String> owners = ownerParameters(type);
        if (owners.contains("patient")) {
            return Optional.of("patient");
        }
        return owners.isEmpty() ? Optional.empty() : Optional.of(owners.get(0));
    }

    /** The additions to R4's Patient compartment, as HAPI's authorization rules take them. */
    public CompartmentSearchParameterModifications compartmentModifications() {
        return modifications;
    }

    /**
     * Whom a resource belongs to.
     *
     * @param decided false when the owner cannot be decided (a type the table does not know, a
     *     Binary whose securityContext names no Patient): such a resource is never read in a
     *     patient's context or by someone bound by the treatment relationship
     * @param patients the ids of the patients it belongs to (empty: nobody's, or not decided)
     */
    public record Owners(boolean decided, Set<String> patients) {

        public Owners {
            patients = Set.copyOf(patients);
        }

        static final Owners NOBODY = new Owners(true, Set.of());
        static final Owners UNDECIDED = new Owners(false, Set.of());
    }

    /**
     * The patients a resource belongs to: its own id for a Patient, the Patients its owner
     * parameters refer to, the Patient of a Binary's securityContext. Patient data whose only
     * owner is a contained Patient (an Apgar score of a newborn not yet registered) cannot be
     * decided.
     */
    public Owners owners(IBaseResource resource) {
        String type = fhir.getResourceType(resource);
        return switch (kind(type)) {
            case PATIENT -> {
                IIdType id = resource.getIdElement();
                yield id != null && id.hasIdPart() ? new Owners(true, Set.of(id.getIdPart())) : Owners.NOBODY;
            }
            case PATIENT_DATA -> {
                if (type.equals("Binary")) {
                    yield securityContext(resource)
                            .map(patient -> new Owners(true, Set.of(patient)))
                            .orElse(Owners.UNDECIDED);
                }
                Set<String> patients = new LinkedHashSet<>();
                boolean unidentified = false;
                for (IIdType owner : terser.getCompartmentOwnersForResource(PATIENT, resource, modifications)) {
                    unidentified |= owner.isLocal();
                    if (owner.hasIdPart()
                            && !owner.isLocal()
                            && !owner.getIdPart().startsWith("urn:")
                            && (!owner.hasResourceType()
                                    || owner.getResourceType().equals(PATIENT))) {
                        patients.add(owner.getIdPart());
                    }
                }
                // about a contained Patient only: somebody's data, but nobody the server knows
                yield unidentified && patients.isEmpty() ? Owners.UNDECIDED : new Owners(true, patients);
            }
            case NOT_PATIENT_DATA -> Owners.NOBODY;
            case UNDECIDED -> Owners.UNDECIDED;
        };
    }

    /** The ids of the patients a resource belongs to (see {@link #owners}). */
    public Set<String> patients(IBaseResource resource) {
        return owners(resource).patients();
    }

    private Optional<String> securityContext(IBaseResource binary) {
        List<IBaseReference> references =
                new ArrayList<>(terser.getValues(binary, "securityContext", IBaseReference.class));
        for (IBaseReference reference : references) {
            IIdType target = reference.getReferenceElement();
            if (target != null && PATIENT.equals(target.getResourceType()) && target.hasIdPart()) {
                return Optional.of(target.getIdPart());
            }
        }
        return Optional.empty();
    }
}
