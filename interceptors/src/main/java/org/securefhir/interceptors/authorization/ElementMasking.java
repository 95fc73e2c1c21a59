package org.securefhir.interceptors.authorization;

import ca.uhn.fhir.context.BaseRuntimeChildDefinition;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeResourceDefinition;
import ca.uhn.fhir.context.RuntimeSearchParam;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.hl7.fhir.instance.model.api.IBase;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DomainResource;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Resource;

/**
 * Minimum necessary: removes the top-level elements a role may not see from the resources of a
 * response (also inside bundles, {@code Parameters} and contained resources), marking each
 * resource that lost something with the {@code REDACTED} security label (<a
 * href="https://hl7.org/fhir/R4/v3/ObservationValue/cs.html">v3 ObservationValue</a>); and puts
 * the stored values back into an update by that role, so that what it could not see is never
 * lost by its writes.
 */
final class ElementMasking {

    static final String REDACTED_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue";
    static final String REDACTED_CODE = "REDACTED";

    private final FhirContext fhir;

    ElementMasking(FhirContext fhir) {
        this.fhir = fhir;
    }

    /** Removes, in place, what {@code hidden} says per resource type. */
    void hide(IBaseResource resource, Function<String, Set<String>> hidden) {
        if (resource == null) {
            return;
        }
        if (resource instanceof Bundle bundle) {
            for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
                hide(entry.getResource(), hidden);
                if (entry.hasResponse()) {
                    hide(entry.getResponse().getOutcome(), hidden);
                }
            }
        } else if (resource instanceof Parameters parameters) {
            for (Parameters.ParametersParameterComponent parameter : parameters.getParameter()) {
                hide(parameter.getResource(), hidden);
            }
        }
        if (resource instanceof DomainResource domain) {
            domain.getContained().forEach(contained -> hide(contained, hidden));
        }
        Set<String> elements = hidden.apply(fhir.getResourceType(resource));
        if (elements.isEmpty()) {
            return;
        }
        RuntimeResourceDefinition definition = fhir.getResourceDefinition(resource);
        boolean removed = false;
        for (String element : elements) {
            BaseRuntimeChildDefinition child = definition.getChildByName(element);
            if (child != null && !child.getAccessor().getValues(resource).isEmpty()) {
                child.getMutator().setValue(resource, null);
                removed = true;
            }
        }
        if (removed && resource instanceof Resource r4) {
            r4.getMeta().addSecurity(new Coding(REDACTED_SYSTEM, REDACTED_CODE, "redacted"));
        }
    }

    /** Copies the stored values of the hidden elements into the incoming version of a resource. */
    void keepHidden(IBaseResource stored, IBaseResource incoming, Set<String> elements) {
        if (stored == null || elements.isEmpty()) {
            return;
        }
        RuntimeResourceDefinition definition = fhir.getResourceDefinition(incoming);
        for (String element : elements) {
            BaseRuntimeChildDefinition child = definition.getChildByName(element);
            if (child == null) {
                continue;
            }
            List<IBase> values = child.getAccessor().getValues(stored);
            child.getMutator().setValue(incoming, null);
            values.forEach(value -> child.getMutator().addValue(incoming, value));
        }
        if (incoming instanceof Resource r4 && stored instanceof Resource old) {
            boolean storedRedacted = old.getMeta().getSecurity().stream().anyMatch(ElementMasking::isRedacted);
            if (!storedRedacted) {
                r4.getMeta().getSecurity().removeIf(ElementMasking::isRedacted);
            }
        }
    }

    private static boolean isRedacted(Coding coding) {
        return REDACTED_SYSTEM.equals(coding.getSystem()) && REDACTED_CODE.equals(coding.getCode());
    }

    /**
     * A search parameter of the request that would match on a hidden element (so that the search
     * results would disclose its value), if any: plain and chained parameters, {@code _sort}, and
     * {@code _text}/{@code _content} when the narrative is hidden.
     */
    Optional<String> searchOnHidden(String type, Map<String, String[]> parameters, Set<String> elements) {
        if (elements.isEmpty()) {
            return Optional.empty();
        }
        for (Map.Entry<String, String[]> parameter : parameters.entrySet()) {
            List<String> names = new ArrayList<>();
            if (parameter.getKey().equals("_sort")) {
                for (String value : parameter.getValue()) {
                    for (String sort : value.split(",")) {
                        names.add(sort.trim().replaceFirst("^-", ""));
                    }
                }
            } else {
                names.add(parameter.getKey().split("[:.]", 2)[0]);
            }
            for (String name : names) {
                if (onHidden(type, name, elements)) {
                    return Optional.of(name);
                }
            }
        }
        return Optional.empty();
    }

    /** Whether a search parameter of the type matches (or sorts by) one of these hidden elements. */
    boolean onHidden(String type, String name, Set<String> elements) {
        if (elements.isEmpty()) {
            return false;
        }
        if ((name.equals("_text") || name.equals("_content")) && elements.contains("text")) {
            return true;
        }
        RuntimeSearchParam searchParam = fhir.getResourceDefinition(type).getSearchParam(name);
        if (searchParam == null || searchParam.getPath() == null) {
            return false;
        }
        for (String element : elements) {
            if (Pattern.compile("\\b" + Pattern.quote(type + "." + element) + "\\b")
                    .matcher(searchParam.getPath())
                    .find()) {
                return true;
            }
        }
        return false;
    }
}
