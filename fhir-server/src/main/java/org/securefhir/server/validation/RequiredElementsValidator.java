package org.securefhir.server.validation;

import ca.uhn.fhir.context.BaseRuntimeChildDefinition;
import ca.uhn.fhir.context.BaseRuntimeElementCompositeDefinition;
import ca.uhn.fhir.context.BaseRuntimeElementDefinition;
import ca.uhn.fhir.context.BaseRuntimeElementDefinition.ChildTypeEnum;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeChildExtension;
import ca.uhn.fhir.context.RuntimeChildUndeclaredExtensionDefinition;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.hl7.fhir.instance.model.api.IBase;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * Structural validation beyond what the strict parser checks: every element the FHIR R4
 * specification declares as required (minimum cardinality 1 or more) must be present, at every
 * level, including backbone elements, data types and contained resources (<a
 * href="https://hl7.org/fhir/R4/conformance-rules.html#cardinality">FHIR R4 cardinality rules</a>).
 * An element counts as present when it has a value or an extension (e.g. a data-absent-reason); the
 * required elements of an absent (empty) element are not reported.
 *
 * <p>It runs for every stored resource, so it visits only what can matter: per element definition,
 * the children that are required or can hold something with children of its own (optional
 * primitive children are never read), and builds a path only for what it reports.
 *
 * <p>Profile, terminology and invariant (FHIRPath) validation are out of scope here: they need the
 * full instance validator, which costs an order of magnitude more per write.
 */
public final class RequiredElementsValidator {

    private static final Set<ChildTypeEnum> PRIMITIVES = EnumSet.of(
            ChildTypeEnum.PRIMITIVE_DATATYPE,
            ChildTypeEnum.ID_DATATYPE,
            ChildTypeEnum.PRIMITIVE_XHTML,
            ChildTypeEnum.PRIMITIVE_XHTML_HL7ORG);

    private final FhirContext fhirContext;
    private final Map<BaseRuntimeElementCompositeDefinition<?>, List<BaseRuntimeChildDefinition>> visited =
            new ConcurrentHashMap<>();

    public RequiredElementsValidator(FhirContext fhirContext) {
        this.fhirContext = fhirContext;
    }

    /** @return the paths of required elements that are missing, e.g. {@code Encounter.status}; empty when valid */
    public List<String> missingRequiredElements(IBaseResource resource) {
        List<String> missing = new ArrayList<>();
        BaseRuntimeElementCompositeDefinition<?> definition = fhirContext.getResourceDefinition(resource);
        Deque<String> path = new ArrayDeque<>();
        path.addLast(definition.getName());
        walk(resource, definition, path, missing);
        return missing;
    }

    /** Walks an element; reports its missing required children; true if a visited child is present. */
    private boolean walk(
            IBase element,
            BaseRuntimeElementCompositeDefinition<?> definition,
            Deque<String> path,
            List<String> missing) {
        boolean somethingPresent = false;
        for (BaseRuntimeChildDefinition child : visitedChildren(definition)) {
            boolean anyPresent = false;
            for (IBase value : child.getAccessor().getValues(element)) {
                if (value != null && present(value, child, path, missing)) {
                    anyPresent = true;
                }
            }
            if (child.getMin() > 0 && !anyPresent) {
                missing.add(String.join(".", path) + "." + child.getElementName());
            }
            somethingPresent |= anyPresent;
        }
        return somethingPresent;
    }

    /** Whether a value is present (has a value or an extension); walks it if it has children. */
    private boolean present(IBase value, BaseRuntimeChildDefinition child, Deque<String> path, List<String> missing) {
        BaseRuntimeElementDefinition<?> definition = value instanceof IBaseResource resource
                ? fhirContext.getResourceDefinition(resource)
                : fhirContext.getElementDefinition(value.getClass());
        if (!(definition instanceof BaseRuntimeElementCompositeDefinition<?> composite)) {
            return !value.isEmpty();
        }
        path.addLast(
                value instanceof IBaseResource
                        ? child.getElementName() + "(" + composite.getName() + ")"
                        : child.getElementName());
        int reported = missing.size();
        boolean childPresent = walk(value, composite, path, missing);
        path.removeLast();
        if (!childPresent && value.isEmpty()) {
            // an absent element: what it would require is not missing
            missing.subList(reported, missing.size()).clear();
            return false;
        }
        return true;
    }

    /** The children that are required or may hold an element with children; the rest cannot matter. */
    private List<BaseRuntimeChildDefinition> visitedChildren(BaseRuntimeElementCompositeDefinition<?> definition) {
        return visited.computeIfAbsent(
                definition,
                def -> def.getChildren().stream()
                        .filter(child -> child.getMin() > 0 || mayHoldComposite(child))
                        .toList());
    }

    /** False only when every type the child may hold is a known primitive (no children of its own). */
    private static boolean mayHoldComposite(BaseRuntimeChildDefinition child) {
        if (child instanceof RuntimeChildExtension
                || child instanceof RuntimeChildUndeclaredExtensionDefinition
                || child.getValidChildNames().isEmpty()) {
            return true; // extensions (url required, any value) and anything without declared types
        }
        for (String name : child.getValidChildNames()) {
            BaseRuntimeElementDefinition<?> type = child.getChildByName(name);
            if (type == null || !PRIMITIVES.contains(type.getChildType())) {
                return true; // composites, resources, contained resources, anything unknown: visit
            }
        }
        return false;
    }
}
