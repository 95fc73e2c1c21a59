package org.securefhir.interceptors.encryption;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.securefhir.interceptors.InterceptorOrder;

/**
 * The storage side of field-level encryption, registered with the JPA layer's own interceptor
 * service so that every write is sealed, whichever way it reaches storage (the FHIR endpoint,
 * transactions, start-up data, batch jobs).
 */
@Interceptor
public final class EncryptionStorageInterceptor {

    private final ResourceProtection protection;

    public EncryptionStorageInterceptor(ResourceProtection protection) {
        this.protection = protection;
    }

    /** The stored version in the clear, for whoever compares with it or keeps values from it. */
    @Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED, order = InterceptorOrder.DECRYPT_STORED)
    public void storedVersion(IBaseResource oldResource) {
        protection.openAllOrFail(oldResource);
    }

    @Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED, order = InterceptorOrder.ENCRYPTION)
    public void created(IBaseResource resource) {
        seal(resource);
    }

    @Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED, order = InterceptorOrder.ENCRYPTION)
    public void updated(IBaseResource oldResource, IBaseResource newResource) {
        seal(newResource);
    }

    private void seal(IBaseResource resource) {
        try {
            protection.seal(resource);
        } catch (UndecryptableException e) {
            throw new InvalidRequestException("The resource carries an encrypted-element extension that does not"
                    + " open; the extensions " + ResourceEncryptor.ENCRYPTED_URL + " and " + BlindIndex.URL
                    + " are reserved to the server");
        }
    }
}
