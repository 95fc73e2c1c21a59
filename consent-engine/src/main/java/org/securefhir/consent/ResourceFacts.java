package org.securefhir.consent;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.util.FhirTerser;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseCoding;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.securefhir.interceptors.ownership.PatientOwnership;

/**
 * What consent rules look at in a resource: its type and id, its security labels, the patients
 * whose compartment it belongs to and (only when a rule asks) the resources it refers to.
 */
public final class ResourceFacts {

    private final String type;
    private final String reference;
    private final Set<String> labels;
    private final Set<String> patients;
    private final boolean ownerDecided;
    private final IBaseResource resource;
    private final FhirTerser terser;
    private Set<String> references;

    private ResourceFacts(
            String type,
            String reference,
            Set<String> labels,
            Set<String> patients,
            boolean ownerDecided,
            IBaseResource resource,
            FhirTerser terser) {
        this.type = type;
        this.reference = reference;
        this.labels = labels;
        this.patients = patients;
        this.ownerDecided = ownerDecided;
        this.resource = resource;
        this.terser = terser;
    }

    /** The facts of a resource; whose it is, {@link PatientOwnership} decides. */
    public static ResourceFacts of(
            FhirContext fhir, FhirTerser terser, PatientOwnership ownership, IBaseResource resource) {
        String type = fhir.getResourceType(resource);
        IIdType id = resource.getIdElement();
        String idPart = id != null && id.hasIdPart() ? id.getIdPart() : null;
        Set<String> labels = new HashSet<>();
        for (IBaseCoding coding : resource.getMeta().getSecurity()) {
            if (coding.getCode() != null) {
                labels.add(coding.getCode());
            }
        }
        PatientOwnership.Owners owners = ownership.owners(resource);
        return new ResourceFacts(
                type,
                idPart == null ? type : type + "/" + idPart,
                labels,
                new LinkedHashSet<>(owners.patients()),
                owners.decided(),
                resource,
                terser);
    }

    /** Facts given directly (tests, and resources already taken apart). */
    public static ResourceFacts of(String type, String id, Set<String> labels, Set<String> patients, Set<String> refs) {
        ResourceFacts facts =
                new ResourceFacts(type, type + "/" + id, Set.copyOf(labels), Set.copyOf(patients), true, null, null);
        facts.references = Set.copyOf(refs);
        return facts;
    }

    /** The same facts with more labels (e.g. those of the resource's other versions). */
    public ResourceFacts withLabels(Set<String> more) {
        if (labels.containsAll(more)) {
            return this;
        }
        Set<String> all = new HashSet<>(labels);
        all.addAll(more);
        ResourceFacts facts =
                new ResourceFacts(type, reference, Set.copyOf(all), patients, ownerDecided, resource, terser);
        facts.references = references;
        return facts;
    }

    public String type() {
        return type;
    }

    /** {@code Type/id}. */
    public String reference() {
        return reference;
    }

    public Set<String> labels() {
        return labels;
    }

    /** The ids of the patients whose compartment holds the resource (none for e.g. a Practitioner). */
    public Set<String> patients() {
        return patients;
    }

    /**
     * Whether whose data this is could be decided (false e.g. for a Binary whose securityContext
     * names no Patient): an undecided resource is never shown to someone the treatment
     * relationship binds.
     */
    public boolean ownerDecided() {
        return ownerDecided;
    }

    /** The resources this one refers to ({@code Type/id}), read on first use. */
    public Set<String> references() {
        if (references == null) {
            Set<String> found = new HashSet<>();
            terser.getAllResourceReferences(resource).forEach(ref -> {
                IIdType target = ref.getResourceReference().getReferenceElement();
                if (target != null && target.hasResourceType() && target.hasIdPart()) {
                    found.add(target.getResourceType() + "/" + target.getIdPart());
                }
            });
            references = found;
        }
        return references;
    }
}
