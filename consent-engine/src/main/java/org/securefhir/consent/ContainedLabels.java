package org.securefhir.consent;

import java.util.Objects;
import org.hl7.fhir.instance.model.api.IBaseCoding;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IDomainResource;

/**
 * A resource carries the security labels of the resources it contains (the high-water mark of
 * HL7's security labelling): applied before a write is stored, since HAPI stores a contained
 * resource without its {@code meta}, so a label written only there would otherwise be lost and
 * what it protects shown to anyone who may see the container. Handling markers of
 * {@code v3-ObservationValue} (REDACTED, SUBSETTED) describe a copy, not the data, and are not
 * raised.
 */
public final class ContainedLabels {

    static final String OBSERVATION_VALUE = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue";

    private ContainedLabels() {}

    /** Adds to {@code resource} every label of its contained resources it does not already have. */
    public static void raise(IBaseResource resource) {
        if (!(resource instanceof IDomainResource domain)) {
            return;
        }
        for (IBaseResource held : domain.getContained()) {
            for (IBaseCoding label : held.getMeta().getSecurity()) {
                if (label.getCode() != null && !OBSERVATION_VALUE.equals(label.getSystem()) && !has(resource, label)) {
                    resource.getMeta()
                            .addSecurity()
                            .setSystem(label.getSystem())
                            .setCode(label.getCode())
                            .setDisplay(label.getDisplay());
                }
            }
        }
    }

    private static boolean has(IBaseResource resource, IBaseCoding label) {
        return resource.getMeta().getSecurity().stream()
                .anyMatch(own -> Objects.equals(own.getSystem(), label.getSystem())
                        && Objects.equals(own.getCode(), label.getCode()));
    }
}
