package org.securefhir.server.validation;

import ca.uhn.fhir.context.BaseRuntimeChildDefinition;
import ca.uhn.fhir.context.BaseRuntimeElementCompositeDefinition;
import ca.uhn.fhir.context.BaseRuntimeElementDefinition;
import ca.uhn.fhir.context.FhirContext;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBase;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * Structural validation beyond what the strict parser checks: every element the FHIR R4
 * specification declares as required (minimum cardinality 1 or more) must be present, at every
 * level, including backbone elements, data types and contained resources (<a
 * href="https://hl7.org/fhir/R4/conformance-rules.html#cardinality">FHIR R4 cardinality rules</a>).
 * An element counts as present when it has a value or an extension (e.g. a data-absent-reason).
 *
 * <p>Profile, terminology and invariant (FHIRPath) validation are out of scope here: they need the
 * full instance validator, which costs an order of magnitude more per write.
 */
public final class RequiredElementsValidator {

    private final FhirContext fhirContext;

    public RequiredElementsValidator(FhirContext fhirContext) {
        this.fhirContext = fhirContext;
    }

    /** @return the paths of required elements that are missing, e.g. {@code Encounter.status}; empty when valid */
    public List<String> missingRequiredElements(IBaseResource resource) {
        List<String> missing = new ArrayList<>();
        BaseRuntimeElementCompositeDefinition<?> definition = fhirContext.getResourceDefinition(resource);
        walk(resource, definition, definition.getName(), missing);
        return missing;
    }

    private void walk(
            IBase element, BaseRuntimeElementCompositeDefinition<?> definition, String path, List<String> missing) {
        for (BaseRuntimeChildDefinition child : definition.getChildren()) {
            String childPath = path + "." + child.getElementName();
            List<? extends IBase> values = child.getAccessor().getValues(element);
            boolean anyPresent = false;
            for (IBase value : values) {
                if (value == null || value.isEmpty()) {
                    continue;
                }
                anyPresent = true;
                BaseRuntimeElementDefinition<?> valueDefinition = value instanceof IBaseResource resource
                        ? fhirContext.getResourceDefinition(resource)
                        : fhirContext.getElementDefinition(value.getClass());
                if (valueDefinition instanceof BaseRuntimeElementCompositeDefinition<?> composite) {
                    walk(
                            value,
                            composite,
                            value instanceof IBaseResource ? childPath + "(" + composite.getName() + ")" : childPath,
                            missing);
                }
            }
            if (child.getMin() > 0 && !anyPresent) {
                missing.add(childPath);
            }
        }
    }
}
