package org.securefhir.interceptors.encryption;

import ca.uhn.fhir.context.BaseRuntimeChildDefinition;
import ca.uhn.fhir.context.BaseRuntimeElementCompositeDefinition;
import ca.uhn.fhir.context.BaseRuntimeElementDefinition;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeResourceDefinition;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which elements are encrypted, per resource type: paths from the resource root such as {@code
 * name}, {@code identifier.value} or {@code insurance.identifier}, checked against the FHIR
 * definitions at start-up (an unknown type or element stops the server). With {@code narrative},
 * the narrative ({@code text}) of every resource is encrypted too.
 */
public final class EncryptedFields {

    /** One configured path, resolved: the chain of element names below the resource. */
    public record FieldPath(String resourceType, List<String> segments) {

        /** {@code Patient.identifier.value}: bound into each ciphertext's associated data. */
        public String qualified() {
            return resourceType + "." + String.join(".", segments);
        }

        /** The path below the resource ({@code identifier.value}). */
        public String relative() {
            return String.join(".", segments);
        }

        public String leaf() {
            return segments.get(segments.size() - 1);
        }
    }

    private final Map<String, List<FieldPath>> byType;
    private final boolean narrative;

    private EncryptedFields(Map<String, List<FieldPath>> byType, boolean narrative) {
        this.byType = byType;
        this.narrative = narrative;
    }

    public static EncryptedFields of(FhirContext fhir, Map<String, List<String>> paths, boolean narrative) {
        Map<String, List<FieldPath>> byType = new LinkedHashMap<>();
        paths.forEach((type, list) -> {
            RuntimeResourceDefinition resource;
            try {
                resource = fhir.getResourceDefinition(type);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("Encrypted fields: unknown resource type " + type);
            }
            List<FieldPath> fields = new ArrayList<>();
            for (String path : list) {
                List<String> segments = List.of(path.trim().split("\\."));
                check(resource, type, segments);
                if ("text".equals(path.trim())) {
                    continue; // the narrative is configured with `narrative`
                }
                fields.add(new FieldPath(type, segments));
            }
            byType.put(type, List.copyOf(fields));
        });
        return new EncryptedFields(Map.copyOf(byType), narrative);
    }

    private static void check(RuntimeResourceDefinition resource, String type, List<String> segments) {
        BaseRuntimeElementCompositeDefinition<?> parent = resource;
        for (int i = 0; i < segments.size(); i++) {
            String name = segments.get(i);
            if (name.isEmpty() || !Character.isLowerCase(name.charAt(0)) || name.endsWith("[x]")) {
                throw new IllegalArgumentException("Encrypted fields: unsupported element " + type + "." + name);
            }
            BaseRuntimeChildDefinition child = parent.getChildByName(name);
            if (child == null) {
                throw new IllegalArgumentException("Encrypted fields: " + type + " has no element "
                        + String.join(".", segments.subList(0, i + 1)));
            }
            if (i < segments.size() - 1) {
                BaseRuntimeElementDefinition<?> element = child.getChildByName(name);
                if (!(element instanceof BaseRuntimeElementCompositeDefinition<?> composite)) {
                    throw new IllegalArgumentException(
                            "Encrypted fields: " + type + "." + name + " has no child elements");
                }
                parent = composite;
            }
        }
    }

    /** The fields of this type, the narrative first when it is encrypted. */
    public List<FieldPath> of(String resourceType) {
        List<FieldPath> fields = byType.getOrDefault(resourceType, List.of());
        if (!narrative) {
            return fields;
        }
        List<FieldPath> all = new ArrayList<>(fields.size() + 1);
        all.add(new FieldPath(resourceType, List.of("text")));
        all.addAll(fields);
        return all;
    }

    public boolean narrative() {
        return narrative;
    }

    /** Whether an element at this path below the resource, or inside it, is encrypted. */
    public boolean covers(String resourceType, String relativePath) {
        for (FieldPath field : of(resourceType)) {
            String encrypted = field.relative();
            if (relativePath.equals(encrypted)
                    || relativePath.startsWith(encrypted + ".")
                    || encrypted.startsWith(relativePath + ".")) {
                return true;
            }
        }
        return false;
    }

    public Map<String, List<FieldPath>> configured() {
        return byType;
    }
}
