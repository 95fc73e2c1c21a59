package org.securefhir.interceptors.encryption;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.exceptions.InternalErrorException;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Base64BinaryType;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DomainResource;
import org.hl7.fhir.r4.model.Extension;
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

    private final PatientOwnership ownership;
    private final EncryptedFields fields;
    private final ResourceEncryptor encryptor;
    private final BlindIndex index;
    private final DataKeys keys;

    public ResourceProtection(
            FhirContext fhir, PatientOwnership ownership, EncryptedFields fields, BlindIndex index, DataKeys keys) {
        this.ownership = ownership;
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
        BlindIndex.strip(resource);
        encryptor.decrypt(resource, keys);
        List<Coding> tokens = index.tokens(resource, fields);
        encryptor.encrypt(resource, keys.forWriting(owner(resource)));
        BlindIndex.attach(resource, tokens);
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
        DataKey key = keys.forWriting(owner(binary));
        byte[] sealed = FieldCipher.encrypt(
                key.key(), binary.getData(), ResourceEncryptor.associatedData("Binary", BINARY_DATA, key.id()));
        binary.setData(null);
        Extension extension = new Extension(ResourceEncryptor.ENCRYPTED_URL);
        extension.addExtension("path", new StringType(BINARY_DATA));
        extension.addExtension("key", new StringType(key.id()));
        extension.addExtension("value", new Base64BinaryType(sealed));
        binary.getMeta().addExtension(extension);
    }

    /** Opens a sealed Binary in place; its content stays absent when its key was erased. */
    private ResourceEncryptor.Opened openBinary(Binary binary) {
        ResourceEncryptor.Opened opened = ResourceEncryptor.Opened.NOTHING_ENCRYPTED;
        java.util.Iterator<Extension> extensions =
                binary.getMeta().getExtension().iterator();
        while (extensions.hasNext()) {
            Extension extension = extensions.next();
            if (!ResourceEncryptor.ENCRYPTED_URL.equals(extension.getUrl())) {
                continue;
            }
            extensions.remove();
            Extension keyPart = extension.getExtensionByUrl("key");
            Extension value = extension.getExtensionByUrl("value");
            String keyId = keyPart == null || keyPart.getValue() == null
                    ? null
                    : keyPart.getValue().primitiveValue();
            java.util.Optional<DataKey> key = keyId == null ? java.util.Optional.empty() : keys.forReading(keyId);
            if (key.isEmpty()) {
                opened = ResourceEncryptor.Opened.KEY_ERASED;
                binary.setData(null);
                continue;
            }
            if (value == null || !(value.getValue() instanceof Base64BinaryType sealed)) {
                throw new UndecryptableException("encrypted Binary without a value");
            }
            binary.setData(FieldCipher.decrypt(
                    key.get().key(),
                    sealed.getValue(),
                    ResourceEncryptor.associatedData("Binary", BINARY_DATA, keyId)));
            opened = ResourceEncryptor.Opened.DECRYPTED;
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
