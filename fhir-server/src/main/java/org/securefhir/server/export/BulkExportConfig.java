package org.securefhir.server.export;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.RestfulServer;
import java.time.Clock;
import org.securefhir.interceptors.authorization.AccessTokens;
import org.securefhir.interceptors.authorization.RequestPermissions;
import org.securefhir.server.encryption.KeyProvider;
import org.securefhir.server.fhir.FhirServerProperties;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

/** FHIR Bulk Data export (docs/bulk-export.md): its store, its runner and its operations. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(BulkExportProperties.class)
public class BulkExportConfig {

    /** The export operations, for the FHIR endpoint to register. */
    public record FhirBulkExport(Object operations) {}

    @Bean
    ExportJobs exportJobs(JdbcTemplate jdbc, KeyProvider keys) {
        return new ExportJobs(jdbc, keys, Clock.systemUTC());
    }

    @Bean(destroyMethod = "close")
    ExportRunner exportRunner(
            ExportJobs jobs,
            ObjectProvider<RestfulServer> server,
            FhirContext fhir,
            RequestPermissions permissions,
            BulkExportProperties properties,
            FhirServerProperties fhirServer) {
        return new ExportRunner(
                jobs,
                new InternalSearches(server),
                fhir,
                permissions.ownership(),
                properties,
                fhirServer.maxPageSize(),
                Clock.systemUTC());
    }

    @Bean
    FhirBulkExport fhirBulkExport(
            ExportJobs jobs,
            ExportRunner runner,
            RequestPermissions permissions,
            AccessTokens tokens,
            BulkExportProperties properties,
            FhirServerProperties fhirServer) {
        return new FhirBulkExport(new BulkExportOperations(
                jobs, runner, permissions, tokens, properties, fhirServer.resourceTypes(), Clock.systemUTC()));
    }
}
