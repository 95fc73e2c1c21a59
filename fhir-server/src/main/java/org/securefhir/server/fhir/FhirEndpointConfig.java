package org.securefhir.server.fhir;

import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.provider.IJpaSystemProvider;
import ca.uhn.fhir.jpa.provider.JpaCapabilityStatementProvider;
import ca.uhn.fhir.jpa.search.DatabaseBackedPagingProvider;
import ca.uhn.fhir.parser.StrictErrorHandler;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.server.HardcodedServerAddressStrategy;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.IncomingRequestAddressStrategy;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.provider.ResourceProviderFactory;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import java.util.HashSet;
import java.util.Set;
import org.hl7.fhir.r4.model.AuditEvent;
import org.securefhir.auth.config.SmartAuthProperties;
import org.securefhir.interceptors.authorization.RequestPermissions;
import org.securefhir.server.audit.AuditConfig.FhirAudit;
import org.securefhir.server.authorization.AuthorizationConfig.FhirAuthorization;
import org.securefhir.server.consent.ConsentConfig.FhirConsent;
import org.securefhir.server.encryption.EncryptionConfig.FhirEncryption;
import org.securefhir.server.export.BulkExportConfig.FhirBulkExport;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The FHIR REST endpoint: HAPI's {@link RestfulServer} mounted at {@code /fhir}. */
@Configuration(proxyBeanMethods = false)
public final class FhirEndpointConfig {

    /** Servlet path of the FHIR base. */
    public static final String FHIR_PATH = "/fhir";

    static final String SOFTWARE_NAME = "Secure FHIR Server";

    @Bean
    RestfulServer restfulServer(
            IFhirSystemDao<?, ?> systemDao,
            ResourceProviderFactory resourceProviders,
            IJpaSystemProvider systemProvider,
            JpaStorageSettings storageSettings,
            ISearchParamRegistry searchParamRegistry,
            IValidationSupport validationSupport,
            DatabaseBackedPagingProvider pagingProvider,
            FhirServerProperties properties,
            SmartAuthProperties smart,
            DaoRegistry daoRegistry,
            FhirAuthorization authorization,
            FhirAudit audit,
            FhirEncryption encryption,
            FhirConsent consent,
            RequestPermissions permissions,
            FhirBulkExport bulkExport,
            IInterceptorService storageInterceptors) {
        // Structural validation on input: malformed content, unknown elements and invalid primitive
        // values are errors (400), not warnings.
        systemDao.getContext().setParserErrorHandler(new StrictErrorHandler());
        RestfulServer server = new RestfulServer(systemDao.getContext());
        // Our name in CapabilityStatement.software, not HAPI's name and exact version.
        server.setServerName(SOFTWARE_NAME);
        server.setServerVersion(FhirEndpointConfig.class.getPackage().getImplementationVersion());
        // Deny by default: only the configured resource types are served (HAPI needs SearchParameter).
        Set<String> types = new HashSet<>(properties.resourceTypes());
        types.add("SearchParameter");
        daoRegistry.setSupportedResourceTypes(types);
        // AuditEvent is served by the audit trail (read-only, rendered from its own store), not by JPA.
        server.registerProviders(resourceProviders.createProviders().stream()
                .filter(provider -> !(provider instanceof IResourceProvider resource
                        && resource.getResourceType() == AuditEvent.class))
                .toList());
        server.registerProvider(systemProvider);

        JpaCapabilityStatementProvider capabilityStatement = new JpaCapabilityStatementProvider(
                server, systemDao, storageSettings, searchParamRegistry, validationSupport);
        capabilityStatement.setImplementationDescription("Secure FHIR R4 server");
        // Only the CapabilityStatement: HAPI's provider would also answer OperationDefinition reads
        // for its generated definitions and hide every OperationDefinition stored here.
        server.setServerConformanceProvider(new CapabilityStatementEndpoint(capabilityStatement));

        pagingProvider.setDefaultPageSize(properties.defaultPageSize());
        pagingProvider.setMaximumPageSize(properties.maxPageSize());
        server.setPagingProvider(audit.paging(pagingProvider));

        server.setDefaultResponseEncoding(EncodingEnum.JSON);
        server.setDefaultPrettyPrint(false);
        server.setServerAddressStrategy(
                properties.serverAddress().isBlank()
                        ? new IncomingRequestAddressStrategy()
                        : new HardcodedServerAddressStrategy(properties.serverAddress()));

        // Operations of the safeguards.
        server.registerProvider(audit.provider());
        server.registerProvider(audit.operations());
        server.registerProvider(consent.operations());
        server.registerProvider(bulkExport.operations());
        if (encryption.enabled()) {
            server.registerProvider(encryption.erasure());
            server.registerProvider(encryption.operations());
        }
        FhirInterceptors.register(
                server,
                storageInterceptors,
                properties,
                permissions,
                authorization,
                consent,
                audit,
                encryption,
                smart.issuer());
        return server;
    }

    @Bean
    ServletRegistrationBean<RestfulServer> fhirServlet(RestfulServer restfulServer) {
        ServletRegistrationBean<RestfulServer> registration =
                new ServletRegistrationBean<>(restfulServer, FHIR_PATH + "/*");
        registration.setName("fhir");
        // Initialise HAPI during start-up, so readiness means "ready to serve FHIR".
        registration.setLoadOnStartup(1);
        return registration;
    }
}
