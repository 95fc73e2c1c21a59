package org.securefhir.server.fhir;

import ca.uhn.fhir.rest.annotation.Metadata;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.provider.ServerCapabilityStatementProvider;
import jakarta.servlet.http.HttpServletRequest;
import org.hl7.fhir.instance.model.api.IBaseConformance;

/**
 * {@code /fhir/metadata}, from HAPI's CapabilityStatement provider, and nothing else of it: that
 * provider also answers {@code OperationDefinition/{id}} reads with the definitions it generates
 * for the server's operations, which hid every OperationDefinition stored on this server (stored,
 * then 404 on read; found by the HL7 example sweep, docs/conformance.md).
 */
final class CapabilityStatementEndpoint {

    private final ServerCapabilityStatementProvider statement;

    CapabilityStatementEndpoint(ServerCapabilityStatementProvider statement) {
        this.statement = statement;
    }

    @Metadata
    public IBaseConformance capabilityStatement(HttpServletRequest request, RequestDetails details) {
        return statement.getServerConformance(request, details);
    }
}
