package org.securefhir.interceptors.encryption;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.securefhir.interceptors.InterceptorOrder;

/**
 * The request side of field-level encryption at rest (registered on the FHIR endpoint; the storage
 * side is {@link EncryptionStorageInterceptor}), as HAPI hooks over {@link ResourceEncryptor} (the ciphers),
 * {@link BlindIndex} (search tokens) and {@link BlindSearch} (search rewriting):
 *
 * <ul>
 *   <li>searches (also conditional URLs and bundle entries) on encrypted elements are rewritten
 *       onto the blind indexes before they run, are cached or audited, or refused with 400;
 *   <li>a resource is encrypted last before it is stored and indexed, after authorization and
 *       validation saw it in the clear, and its blind-index tokens are attached;
 *   <li>responses are decrypted after authorization decided what may be returned and before
 *       element masking and audit.
 * </ul>
 */
@Interceptor
public final class EncryptionInterceptor {

    private final ResourceProtection protection;
    private final SearchProtection searches;

    public EncryptionInterceptor(ResourceProtection protection, SearchProtection searches) {
        this.protection = protection;
        this.searches = searches;
    }

    @Hook(value = Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED, order = InterceptorOrder.ENCRYPTED_SEARCH)
    public void incoming(RequestDetails request) {
        searches.protect(request, request.getRestOperationType());
        PatchScope.set(request.getRestOperationType() == RestOperationTypeEnum.PATCH);
    }

    @Hook(value = Pointcut.SERVER_PROCESSING_COMPLETED, order = InterceptorOrder.ENCRYPTED_SEARCH)
    public void completed() {
        PatchScope.set(false);
    }

    /**
     * Again once HAPI has parsed the body (the entries of a batch or transaction) and for the
     * sub-requests of batch entries; a search already rewritten is left as it is.
     */
    @Hook(value = Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED, order = InterceptorOrder.ENCRYPTED_SEARCH)
    public void handled(RequestDetails request) {
        searches.protect(request, request.getRestOperationType());
    }

    @Hook(value = Pointcut.SERVER_OUTGOING_RESPONSE, order = InterceptorOrder.DECRYPTION)
    public void outgoing(IBaseResource responseResource) {
        protection.openAllOrFail(responseResource);
    }
}
