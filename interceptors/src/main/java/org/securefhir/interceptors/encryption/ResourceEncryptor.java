package org.securefhir.interceptors.encryption;

import ca.uhn.fhir.context.BaseRuntimeChildDefinition;
import ca.uhn.fhir.context.BaseRuntimeElementCompositeDefinition;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeResourceDefinition;
import ca.uhn.fhir.parser.IParser;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBase;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Base64BinaryType;
import org.hl7.fhir.r4.model.DomainResource;
import org.hl7.fhir.r4.model.Element;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.StringType;

/**
 * Encrypts the configured elements of a resource in place, and decrypts them back. Each encrypted
 * element becomes an extension ({@value #ENCRYPTED_URL}) on its parent (the resource for {@code
 * name}, each {@code Identifier} for {@code identifier.value}) holding the path, the data key's id
 * and {@code nonce ‖ AES-256-GCM(JSON of the element's values)}, with the qualified path and key id
 * as associated data, so a ciphertext moved to another field, type or key fails to open. The values
 * are encoded with HAPI's JSON parser inside a holder resource of the same type (so any element
 * kind, including BackboneElements and the narrative, round-trips exactly).
 */
public final class ResourceEncryptor {

    public static final String ENCRYPTED_URL = "https://securefhir.org/fhir/StructureDefinition/encrypted-element";

    private final FhirContext fhir;
    private final EncryptedFields fields;

    public ResourceEncryptor(FhirContext fhir, EncryptedFields fields) {
        this.fhir = fhir;
        this.fields = fields;
    }

    /** What happened to the ciphertexts of one resource on the way out. */
    public enum Opened {
        NOTHING_ENCRYPTED,
        DECRYPTED,
        /** at least one key was erased (crypto-shredded): those elements stay absent */
        KEY_ERASED
    }

    /** Encrypts every configured element that has a value, under {@code key}. */
    public void encrypt(IBaseResource resource, DataKey key) {
        if (!(resource instanceof DomainResource)) {
            return;
        }
        RuntimeResourceDefinition definition = fhir.getResourceDefinition(resource);
        for (EncryptedFields.FieldPath field : fields.of(definition.getName())) {
            if (definition.getChildByName(field.segments().get(0)) == null) {
                continue; // `text` on a type without narrative
            }
            for (Parent parent : parents(definition, resource, field)) {
                BaseRuntimeChildDefinition child = parent.definition().getChildByName(field.leaf());
                List<IBase> values = new ArrayList<>(child.getAccessor().getValues(parent.element()));
                values.removeIf(IBase::isEmpty);
                if (values.isEmpty()) {
                    continue;
                }
                String json = holder(definition, field, values);
                child.getMutator().setValue(parent.element(), null);
                byte[] sealed = FieldCipher.encrypt(
                        key.key(), json.getBytes(StandardCharsets.UTF_8), associatedData(field, key.id()));
                Extension extension = new Extension(ENCRYPTED_URL);
                extension.addExtension("path", new StringType(field.relative()));
                extension.addExtension("key", new StringType(key.id()));
                extension.addExtension(sealedValue(sealed));
                extensions(parent.element()).add(extension);
            }
        }
    }

    /**
     * Decrypts every encrypted element of the resource in place (values already present win for
     * single-valued elements; list values are put before those present). Elements whose key was
     * erased stay absent.
     *
     * @throws UndecryptableException when a ciphertext fails authentication (tampered storage)
     */
    public Opened decrypt(IBaseResource resource, DataKeys keys) {
        if (!(resource instanceof DomainResource)) {
            return Opened.NOTHING_ENCRYPTED;
        }
        RuntimeResourceDefinition definition = fhir.getResourceDefinition(resource);
        Opened opened = Opened.NOTHING_ENCRYPTED;
        List<Plain> plain = new ArrayList<>();
        for (EncryptedFields.FieldPath field : fields.of(definition.getName())) {
            if (definition.getChildByName(field.segments().get(0)) == null) {
                continue;
            }
            for (Parent parent : parents(definition, resource, field)) {
                Iterator<Extension> extensions = extensions(parent.element()).iterator();
                while (extensions.hasNext()) {
                    Extension extension = extensions.next();
                    if (!ENCRYPTED_URL.equals(extension.getUrl())
                            || !field.relative().equals(text(extension, "path"))) {
                        continue;
                    }
                    extensions.remove();
                    String keyId = text(extension, "key");
                    Optional<DataKey> key = keyId == null ? Optional.empty() : keys.forReading(keyId);
                    if (key.isEmpty()) {
                        opened = Opened.KEY_ERASED;
                        continue;
                    }
                    byte[] sealed = sealedBytes(extension)
                            .orElseThrow(() -> new UndecryptableException("encrypted element without a value"));
                    byte[] json = FieldCipher.decrypt(key.get().key(), sealed, associatedData(field, keyId));
                    plain.add(new Plain(field, parent, new String(json, StandardCharsets.UTF_8)));
                    if (opened == Opened.NOTHING_ENCRYPTED) {
                        opened = Opened.DECRYPTED;
                    }
                }
            }
        }
        restoreAll(definition, plain);
        return opened;
    }

    /** One opened ciphertext: the holder resource (JSON) with the element's values, and where they go. */
    private record Plain(EncryptedFields.FieldPath field, Parent parent, String json) {}

    /**
     * Puts the opened values back, in the order they were found. The holders of top-level elements
     * (one per element: name, telecom, address, ...) are parsed together as one holder when each
     * names a different element, since HAPI's parser costs mostly per document; nested elements and
     * holders not in the expected shape are parsed one by one.
     */
    private void restoreAll(RuntimeResourceDefinition definition, List<Plain> plain) {
        String prefix = "{\"resourceType\":\"" + definition.getName() + "\",";
        StringBuilder merged = new StringBuilder(prefix);
        Set<String> leaves = new HashSet<>();
        Set<Plain> together = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Plain one : plain) {
            if (one.field().segments().size() == 1
                    && one.json().startsWith(prefix)
                    && one.json().endsWith("}")
                    && leaves.add(one.field().leaf())) {
                merged.append(together.isEmpty() ? "" : ",")
                        .append(one.json(), prefix.length(), one.json().length() - 1);
                together.add(one);
            }
        }
        IBaseResource holder =
                together.size() > 1 ? parser().parseResource(definition.getImplementingClass(), merged + "}") : null;
        for (Plain one : plain) {
            IBase parsed = holder != null && together.contains(one)
                    ? holder
                    : parser().parseResource(definition.getImplementingClass(), one.json());
            restore(definition, one.field(), one.parent(), parsed);
        }
    }

    /**
     * The {@code value} part of an encrypted-element extension: {@code nonce ‖ ciphertext ‖ tag},
     * base64 in a {@code valueString}. (Written as {@code valueBase64Binary} until 2026-12: HAPI
     * parses that type by decoding and encoding again through commons-codec with an 8 KB buffer
     * each way, per ciphertext and load, 40 % of the memory a read allocated. Both are read.)
     */
    static Extension sealedValue(byte[] sealed) {
        return new Extension("value", new StringType(Base64.getEncoder().encodeToString(sealed)));
    }

    /** The sealed bytes of an encrypted-element extension, whichever form it was written in. */
    static Optional<byte[]> sealedBytes(Extension encrypted) {
        Extension value = encrypted.getExtensionByUrl("value");
        if (value == null || value.getValue() == null) {
            return Optional.empty();
        }
        if (value.getValue() instanceof Base64BinaryType binary) {
            return Optional.ofNullable(binary.getValue());
        }
        if (value.getValue() instanceof StringType text && text.getValue() != null) {
            try {
                return Optional.of(Base64.getDecoder().decode(text.getValue()));
            } catch (IllegalArgumentException e) {
                throw new UndecryptableException("encrypted element whose value is not base64");
            }
        }
        return Optional.empty();
    }

    static byte[] associatedData(EncryptedFields.FieldPath field, String keyId) {
        return associatedData(field.resourceType(), field.relative(), keyId);
    }

    /** The associated data of a ciphertext: {@code Type.path|keyId}. */
    public static byte[] associatedData(String resourceType, String relativePath, String keyId) {
        return (resourceType + "." + relativePath + "|" + keyId).getBytes(StandardCharsets.UTF_8);
    }

    private record Parent(IBase element, BaseRuntimeElementCompositeDefinition<?> definition) {}

    /** The instances that hold the field's leaf element (the resource itself for a top-level one). */
    private static List<Parent> parents(
            RuntimeResourceDefinition definition, IBaseResource resource, EncryptedFields.FieldPath field) {
        List<Parent> level = List.of(new Parent(resource, definition));
        for (String name : field.segments().subList(0, field.segments().size() - 1)) {
            List<Parent> next = new ArrayList<>();
            for (Parent parent : level) {
                BaseRuntimeChildDefinition child = parent.definition().getChildByName(name);
                BaseRuntimeElementCompositeDefinition<?> childDefinition =
                        (BaseRuntimeElementCompositeDefinition<?>) child.getChildByName(name);
                for (IBase value : child.getAccessor().getValues(parent.element())) {
                    next.add(new Parent(value, childDefinition));
                }
            }
            level = next;
        }
        return level;
    }

    private String holder(RuntimeResourceDefinition definition, EncryptedFields.FieldPath field, List<IBase> values) {
        IBaseResource holder = definition.newInstance();
        IBase current = holder;
        BaseRuntimeElementCompositeDefinition<?> currentDefinition = definition;
        for (String name : field.segments().subList(0, field.segments().size() - 1)) {
            BaseRuntimeChildDefinition child = currentDefinition.getChildByName(name);
            BaseRuntimeElementCompositeDefinition<?> childDefinition =
                    (BaseRuntimeElementCompositeDefinition<?>) child.getChildByName(name);
            IBase instance = childDefinition.newInstance(child.getInstanceConstructorArguments());
            child.getMutator().addValue(current, instance);
            current = instance;
            currentDefinition = childDefinition;
        }
        BaseRuntimeChildDefinition leaf = currentDefinition.getChildByName(field.leaf());
        for (IBase value : values) {
            leaf.getMutator().addValue(current, value);
        }
        return parser().encodeResourceToString(holder);
    }

    private void restore(
            RuntimeResourceDefinition definition, EncryptedFields.FieldPath field, Parent parent, IBase holder) {
        IBase current = holder;
        BaseRuntimeElementCompositeDefinition<?> currentDefinition = definition;
        for (String name : field.segments().subList(0, field.segments().size() - 1)) {
            BaseRuntimeChildDefinition child = currentDefinition.getChildByName(name);
            List<IBase> values = child.getAccessor().getValues(current);
            if (values.isEmpty()) {
                return;
            }
            current = values.get(0);
            currentDefinition = (BaseRuntimeElementCompositeDefinition<?>) child.getChildByName(name);
        }
        BaseRuntimeChildDefinition source = currentDefinition.getChildByName(field.leaf());
        BaseRuntimeChildDefinition target = parent.definition().getChildByName(field.leaf());
        List<IBase> decrypted = source.getAccessor().getValues(current);
        List<IBase> present = new ArrayList<>(target.getAccessor().getValues(parent.element()));
        present.removeIf(IBase::isEmpty);
        if (target.getMax() == 1) {
            if (present.isEmpty() && !decrypted.isEmpty()) {
                target.getMutator().setValue(parent.element(), decrypted.get(0));
            }
            return;
        }
        target.getMutator().setValue(parent.element(), null);
        decrypted.forEach(value -> target.getMutator().addValue(parent.element(), value));
        present.forEach(value -> target.getMutator().addValue(parent.element(), value));
    }

    private IParser parser() {
        return fhir.newJsonParser().setPrettyPrint(false).setOmitResourceId(true);
    }

    @SuppressWarnings("unchecked")
    static List<Extension> extensions(IBase element) {
        if (element instanceof DomainResource resource) {
            return resource.getExtension();
        }
        if (element instanceof Element r4) {
            return r4.getExtension();
        }
        throw new IllegalStateException(
                "cannot carry extensions: " + element.getClass().getSimpleName());
    }

    private static String text(Extension extension, String url) {
        Extension part = extension.getExtensionByUrl(url);
        return part == null || part.getValue() == null ? null : part.getValue().primitiveValue();
    }
}
