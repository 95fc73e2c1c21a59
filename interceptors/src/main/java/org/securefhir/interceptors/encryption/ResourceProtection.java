package org.securefhir.interceptors.encryption;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.exceptions.InternalErrorException;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DomainResource;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Resource;
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
        if (resource instanceof DomainResource domain) {
            domain.getContained().forEach(this::openAll);
            BlindIndex.strip(domain);
            if (encryptor.decrypt(domain, keys) == ResourceEncryptor.Opened.KEY_ERASED) {
                ((Resource) domain).getMeta().addSecurity(new Coding(REDACTED_SYSTEM, REDACTED_CODE, "redacted"));
            }
        }
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
