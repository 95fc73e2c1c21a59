package org.securefhir.server.identity;

import jakarta.servlet.http.HttpServletRequest;

/** Where FHIR requests refused for want of a valid token are reported (the audit trail). */
@FunctionalInterface
public interface RejectedRequests {

    void unauthenticated(HttpServletRequest request, String reason);
}
