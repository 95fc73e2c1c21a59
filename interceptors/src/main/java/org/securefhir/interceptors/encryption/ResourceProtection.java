package org.securefhir.interceptors.encryption;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.exceptions.InternalErrorException;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DomainResource;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Meta;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StringType;
import org.securefhir.interceptors.ownership.PatientOwnership;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seals resources for storage and opens them for responses. The data key of a resource is its
 * patient's (the Patient itself, or the single patient {@link PatientOwnership} names), so
 * that erasing that patient's keys shreds every element encrypted for them; resources in no (or
 * several) patients use the shared key.
 */
public final class ResourceProtection {

    static final String REDACTED_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue";
    static final String REDACTED_CODE = "REDACTED";

    private static final Logger log = LoggerFactory.getLogger(ResourceProtection.class);

    /** The path of a Binary's content in its sealed form. */
    static final String BINARY_DATA = "data";

    /** The path of a resource's contained resources in their sealed form. */
    static final String CONTAINED = "contained";

    private final PatientOwnership ownership;
    private final FhirContext fhir;
    private final EncryptedFields fields;
    private final ResourceEncryptor encryptor;
    private final BlindIndex index;
    private final DataKeys keys;

    public ResourceProtection(
            FhirContext fhir, PatientOwnership ownership, EncryptedFields fields, BlindIndex index, DataKeys keys) {
        this.ownership = ownership;
        this.fhir = fhir;
        this.fields = fields;
        this.encryptor = new ResourceEncryptor(fhir, fields);
        this.index = index;
        this.keys = keys;
    }

    /**
     * Prepares a resource for storage: blind-index extensions are never taken from the client;
     * ciphertexts already present (a patched stored version) are opened and merged with the new
     * values; then every configured element is encrypted under the owner's current key and the
     * blind-index tokens of the plaintext are attached.
     *
     * @throws UndecryptableException for a ciphertext that does not open (never accepted from
     *     a client)
     */
    public void seal(IBaseResource resource) {
        if (resource instanceof Binary binary) {
            sealBinary(binary);
            return;
        }
        if (!(resource instanceof DomainResource)) {
            return;
        }
        DomainResource domain = (DomainResource) resource;
        openContained(domain); // a stored version being patched, or a ciphertext sent by a client
        BlindIndex.strip(resource);
        encryptor.decrypt(resource, keys);
        List<Coding> tokens = index.tokens(resource, fields);
        DataKey key = keys.forWriting(owner(resource));
        encryptor.encrypt(resource, key);
        BlindIndex.attach(resource, tokens);
        sealContained(domain, key);
    }

    /**
     * Contained resources (a contained Patient, RelatedPerson or Practitioner holds names, phone
     * numbers, addresses of its own) sealed whole under the container's key: they are encoded as a
     * collection Bundle, encrypted with associated data {@code Type.contained|keyId}, kept in a
     * {@code meta} extension like a Binary's content, and replaced in {@code contained} by stubs of
     * the same type and id (HAPI refuses a {@code #id} reference without its contained resource); opened
     * on the way out, re-keyed by key rotation and shredded with their owner's keys like every
     * other element.
     */
    private void sealContained(DomainResource resource, DataKey key) {
        if (!resource.hasContained()) {
            return;
        }
        Bundle holder = new Bundle().setType(Bundle.BundleType.COLLECTION);
        for (Resource contained : resource.getContained()) {
            holder.addEntry().setResource(contained);
        }
        byte[] plain =
                fhir.newJsonParser().encodeResourceToString(holder).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        // stubs of the same type and id stay, so that '#id' references still resolve for HAPI
        List<Resource> stubs = new java.util.ArrayList<>();
        for (Resource contained : resource.getContained()) {
            Resource stub = (Resource) fhir.getResourceDefinition(contained).newInstance();
            stub.setId(contained.getIdElement().getValue());
            stubs.add(stub);
        }
        resource.getContained().clear();
        resource.getContained().addAll(stubs);
        sealInto(resource.getMeta(), resource.fhirType(), CONTAINED, key, plain);
    }

    /** Seals a whole value into an extension of {@code meta} (the shape of every sealed element). */
    private static void sealInto(Meta meta, String type, String path, DataKey key, byte[] plain) {
        byte[] sealed = FieldCipher.encrypt(key.key(), plain, ResourceEncryptor.associatedData(type, path, key.id()));
        Extension extension = new Extension(ResourceEncryptor.ENCRYPTED_URL);
        extension.addExtension("path", new StringType(path));
        extension.addExtension("key", new StringType(key.id()));
        extension.addExtension(ResourceEncryptor.sealedValue(sealed));
        meta.addExtension(extension);
    }

    /**
     * The contained resources of a resource as they were written, the resource left as it is (its
     * sealed contained resources opened into copies): what consent judges before a response is
     * decrypted. Empty when none, or when their key was erased.
     *
     * @throws UndecryptableException for a sealed value that fails its integrity check
     */
    public List<IBaseResource> containedOf(IBaseResource resource) {
        if (!(resource instanceof DomainResource domain) || !domain.hasContained()) {
            return List.of();
        }
        List<IBaseResource> opened = new java.util.ArrayList<>();
        ResourceEncryptor.Opened outcome = !domain.hasMeta()
                ? ResourceEncryptor.Opened.NOTHING_ENCRYPTED
                : openSealed(
                        domain.getMeta(),
                        domain.fhirType(),
                        CONTAINED,
                        false,
                        false,
                        plain -> opened.addAll(sealedContained(plain)));
        return switch (outcome) {
            case NOTHING_ENCRYPTED -> List.copyOf(domain.getContained());
            case DECRYPTED -> opened;
            case KEY_ERASED -> List.of();
        };
    }

    /** The contained resources of a sealed plaintext (the collection Bundle {@link #sealContained} wrote). */
    private List<Resource> sealedContained(byte[] plain) {
        return fhir
                .newJsonParser()
                .parseResource(Bundle.class, new String(plain, java.nio.charset.StandardCharsets.UTF_8))
                .getEntry()
                .stream()
                .map(Bundle.BundleEntryComponent::getResource)
                .toList();
    }

    /** Puts sealed contained resources back in place; they stay absent when their key was erased. */
    private ResourceEncryptor.Opened openContained(DomainResource resource) {
        if (!resource.hasMeta()) {
            return ResourceEncryptor.Opened.NOTHING_ENCRYPTED;
        }
        return openSealed(resource.getMeta(), resource.fhirType(), CONTAINED, false, plain -> {
            resource.getContained().clear(); // the stubs
            for (Resource contained : sealedContained(plain)) {
                String id = contained.getIdElement().getIdPart();
                if (id != null && !id.startsWith("#")) {
                    contained.setId("#" + id);
                }
                resource.getContained().add(contained);
            }
        });
    }

    /**
     * Opens the values sealed whole in {@code meta} (a Binary's content, contained resources) whose
     * path is {@code path} (every sealed value, whatever its path, when {@code anyPath}: a Binary
     * has no other), removing their extensions; {@link ResourceEncryptor.Opened#KEY_ERASED} when a
     * key was erased (nothing is handed over for it).
     */
    private ResourceEncryptor.Opened openSealed(
            Meta meta, String type, String path, boolean anyPath, java.util.function.Consumer<byte[]> plaintext) {
        return openSealed(meta, type, path, anyPath, true, plaintext);
    }

    private ResourceEncryptor.Opened openSealed(
            Meta meta,
            String type,
            String path,
            boolean anyPath,
            boolean remove,
            java.util.function.Consumer<byte[]> plaintext) {
        ResourceEncryptor.Opened opened = ResourceEncryptor.Opened.NOTHING_ENCRYPTED;
        java.util.Iterator<Extension> extensions = meta.getExtension().iterator();
        while (extensions.hasNext()) {
            Extension extension = extensions.next();
            Extension pathPart = extension.getExtensionByUrl("path");
            if (!ResourceEncryptor.ENCRYPTED_URL.equals(extension.getUrl())
                    || (!anyPath
                            && (pathPart == null
                                    || pathPart.getValue() == null
                                    || !path.equals(pathPart.getValue().primitiveValue())))) {
                continue;
            }
            if (remove) {
                extensions.remove();
            }
            Extension keyPart = extension.getExtensionByUrl("key");
            String keyId = keyPart == null || keyPart.getValue() == null
                    ? null
                    : keyPart.getValue().primitiveValue();
            java.util.Optional<DataKey> key = keyId == null ? java.util.Optional.empty() : keys.forReading(keyId);
            if (key.isEmpty()) {
                opened = ResourceEncryptor.Opened.KEY_ERASED;
                continue;
            }
            byte[] sealed = ResourceEncryptor.sealedBytes(extension)
                    .orElseThrow(
                            () -> new UndecryptableException("a sealed " + type + "." + path + " without a value"));
            plaintext.accept(
                    FieldCipher.decrypt(key.get().key(), sealed, ResourceEncryptor.associatedData(type, path, keyId)));
            opened = ResourceEncryptor.Opened.DECRYPTED;
        }
        return opened;
    }

    /**
     * {@link #openAll} for a response or a stored version about to be compared: a ciphertext that
     * fails authentication (tampered storage) withholds the whole response (500), logged without
     * any value.
     */
    public void openAllOrFail(IBaseResource resource) {
        try {
            openAll(resource);
        } catch (UndecryptableException e) {
            log.error("A stored ciphertext failed its integrity check: {}", e.getMessage());
            throw new InternalErrorException("A stored value failed its integrity check; the response was withheld", e);
        }
    }

    /** Opens every resource of a response in place (bundles, Parameters, contained resources). */
    public void openAll(IBaseResource resource) {
        if (resource == null) {
            return;
        }
        if (resource instanceof Bundle bundle) {
            for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
                openAll(entry.getResource());
            }
        } else if (resource instanceof Parameters parameters) {
            parameters.getParameter().forEach(parameter -> openAll(parameter.getResource()));
        }
        if (resource instanceof Binary binary && openBinary(binary) == ResourceEncryptor.Opened.KEY_ERASED) {
            binary.getMeta().addSecurity(new Coding(REDACTED_SYSTEM, REDACTED_CODE, "redacted"));
        }
        if (resource instanceof DomainResource domain) {
            if (openContained(domain) == ResourceEncryptor.Opened.KEY_ERASED) {
                domain.getMeta().addSecurity(new Coding(REDACTED_SYSTEM, REDACTED_CODE, "redacted"));
            }
            domain.getContained().forEach(this::openAll);
            BlindIndex.strip(domain);
            if (encryptor.decrypt(domain, keys) == ResourceEncryptor.Opened.KEY_ERASED) {
                ((Resource) domain).getMeta().addSecurity(new Coding(REDACTED_SYSTEM, REDACTED_CODE, "redacted"));
            }
        }
    }

    /**
     * A Binary's content (a scan, a letter, a PDF) sealed under its owner's key: a Binary has no
     * element extensions, so the ciphertext is kept in a {@code meta} extension of the same shape
     * as every other element's ({@code path} = {@code data}), and {@code data} is removed. Key
     * rotation re-keys it and crypto-shredding its owner erases it like any other element.
     */
    private void sealBinary(Binary binary) {
        openBinary(binary); // a stored version being replaced, or a ciphertext sent by a client
        if (!binary.hasData()) {
            return;
        }
        byte[] plain = binary.getData();
        binary.setData(null);
        sealInto(binary.getMeta(), "Binary", BINARY_DATA, keys.forWriting(owner(binary)), plain);
    }

    /** Opens a sealed Binary in place; its content stays absent when its key was erased. */
    private ResourceEncryptor.Opened openBinary(Binary binary) {
        ResourceEncryptor.Opened opened = openSealed(binary.getMeta(), "Binary", BINARY_DATA, true, binary::setData);
        if (opened == ResourceEncryptor.Opened.KEY_ERASED) {
            binary.setData(null);
        }
        return opened;
    }

    /** {@code Patient/123}, or {@link DataKey#SHARED_OWNER}. */
    public String owner(IBaseResource resource) {
        if (resource instanceof Patient patient) {
            IIdType id = patient.getIdElement();
            return id.hasIdPart() ? "Patient/" + id.getIdPart() : DataKey.SHARED_OWNER;
        }
        Set<String> owners;
        try {
            owners = ownership.patients(resource);
        } catch (RuntimeException e) {
            return DataKey.SHARED_OWNER;
        }
        if (owners.size() == 1) {
            return "Patient/" + owners.iterator().next();
        }
        return DataKey.SHARED_OWNER;
    }
}
