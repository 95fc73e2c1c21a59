package org.securefhir.server.fhir;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import org.hl7.fhir.instance.model.api.IBaseConformance;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.UriType;
import org.securefhir.interceptors.InterceptorOrder;

/**
 * Declares SMART on FHIR in the CapabilityStatement ({@code rest.security}, SMART App Launch 2.2
 * §2.0.3.2): the service code and the {@code oauth-uris} extension with the authorization server's
 * endpoints; and that it serves FHIR Bulk Data export ({@code instantiates}), when {@code $export}
 * is served.
 */
@Interceptor
final class SmartCapabilityInterceptor {

    static final String OAUTH_URIS = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris";

    /** FHIR Bulk Data Access: the server declares it instantiates its CapabilityStatement. */
    static final String BULK_DATA = "http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data";

    private final String issuer;
    private final boolean bulkExport;

    SmartCapabilityInterceptor(String issuer, boolean bulkExport) {
        this.issuer = issuer;
        this.bulkExport = bulkExport;
    }

    @Hook(value = Pointcut.SERVER_CAPABILITY_STATEMENT_GENERATED, order = InterceptorOrder.CAPABILITY_STATEMENT)
    public void declareSmart(IBaseConformance capabilityStatement) {
        if (!(capabilityStatement instanceof CapabilityStatement r4)) {
            return;
        }
        if (bulkExport && r4.getInstantiates().stream().noneMatch(uri -> BULK_DATA.equals(uri.getValue()))) {
            r4.addInstantiates(BULK_DATA);
        }
        Extension uris = new Extension(OAUTH_URIS);
        uris.addExtension("authorize", new UriType(issuer + "/oauth2/authorize"));
        uris.addExtension("token", new UriType(issuer + "/oauth2/token"));
        uris.addExtension("revoke", new UriType(issuer + "/oauth2/revoke"));
        uris.addExtension("introspect", new UriType(issuer + "/oauth2/introspect"));
        for (CapabilityStatement.CapabilityStatementRestComponent rest : r4.getRest()) {
            CapabilityStatement.CapabilityStatementRestSecurityComponent security = rest.getSecurity();
            security.setCors(true);
            security.getService().clear();
            security.addService(new CodeableConcept(new Coding(
                            "http://terminology.hl7.org/CodeSystem/restful-security-service",
                            "SMART-on-FHIR",
                            "SMART-on-FHIR"))
                    .setText("OAuth2 using SMART-on-FHIR profile (see http://docs.smarthealthit.org)"));
            security.getExtension().removeIf(extension -> OAUTH_URIS.equals(extension.getUrl()));
            security.addExtension(uris.copy());
        }
    }
}
