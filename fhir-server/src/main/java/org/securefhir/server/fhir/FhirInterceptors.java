package org.securefhir.server.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.rest.server.RestfulServer;
import org.securefhir.interceptors.authorization.RequestPermissions;
import org.securefhir.server.audit.AuditConfig.FhirAudit;
import org.securefhir.server.authorization.AuthorizationConfig.FhirAuthorization;
import org.securefhir.server.consent.ConsentConfig.FhirConsent;
import org.securefhir.server.encryption.EncryptionConfig.FhirEncryption;
import org.securefhir.server.validation.StructuralValidationInterceptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every interceptor of the server, registered here and nowhere else: on the FHIR endpoint (request
 * hooks, and the hooks HAPI calls for each batch or transaction entry) and on the JPA storage's
 * interceptor service (hooks of every write, whatever its path). Each safeguard builds its
 * interceptors in its own configuration; the order in which HAPI calls them is their
 * {@code @Hook(order = InterceptorOrder.…)}, not this list, and {@code InterceptorRegistryIT} reads
 * both live registries and pins the effective order per pointcut. A safeguard switched off for a
 * benchmark (refused in {@code prod}) is left out here, with a warning.
 */
final class FhirInterceptors {

    private static final Logger log = LoggerFactory.getLogger(FhirInterceptors.class);

    private FhirInterceptors() {}

    static void register(
            RestfulServer endpoint,
            IInterceptorService storage,
            FhirServerProperties properties,
            RequestPermissions permissions,
            FhirAuthorization authorization,
            FhirConsent consent,
            FhirAudit audit,
            FhirEncryption encryption,
            String issuer) {
        FhirContext fhir = endpoint.getFhirContext();
        // malformed ids, operations not on the allow-list: rejected first, at no cost
        endpoint.registerInterceptor(
                new RequestGuardInterceptor(new OperationAllowList(properties.allowedOperations())));
        // a refused read answered exactly like an unknown id
        endpoint.registerInterceptor(new NotFoundAnswers(permissions));
        endpoint.registerInterceptor(new ClientFaultAnswers());
        // HAPI's own failure logs quote request values: ours do not
        endpoint.registerInterceptor(new ServerErrorLog());

        // deny by default: role policy ∩ SMART scopes ∩ patient context
        if (authorization.enforced()) {
            endpoint.registerInterceptor(authorization.rolePolicy());
            endpoint.registerInterceptor(authorization.narrowing());
            endpoint.registerInterceptor(authorization.authorization());
        }
        // patients' Consents, sensitive labels, treatment relationship, break-glass
        if (consent.enforced()) {
            endpoint.registerInterceptor(consent.enforcement());
            endpoint.registerInterceptor(consent.registration());
        } else {
            log.warn("consent.enabled=false: PATIENT CONSENTS ARE NOT ENFORCED (benchmarks only)");
        }
        storage.registerInterceptor(consent.storage());
        // every interaction recorded, committed before its response leaves
        if (audit.enabled()) {
            endpoint.registerInterceptor(audit.interceptor());
        } else {
            log.warn("audit.enabled=false: FHIR REQUESTS ARE NOT AUDITED (benchmarks only)");
        }
        // PHI encrypted at rest: searches onto blind indexes, responses decrypted after
        // authorization; every write sealed last, whatever its path
        if (encryption.enabled()) {
            endpoint.registerInterceptor(encryption.interceptor());
            storage.registerInterceptor(encryption.storage());
        } else {
            log.warn("crypto.enabled=false: PHI IS STORED UNENCRYPTED (benchmarks only)");
        }

        // required elements of what is written (422 before storage)
        endpoint.registerInterceptor(new StructuralValidationInterceptor(fhir));
        // the SMART endpoints in the CapabilityStatement
        endpoint.registerInterceptor(new SmartCapabilityInterceptor(
                issuer, new OperationAllowList(properties.allowedOperations()).allows("export")));
    }
}
