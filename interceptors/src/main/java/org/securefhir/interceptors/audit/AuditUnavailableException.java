package org.securefhir.interceptors.audit;

import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;

/** The audit store could not commit a record: the request fails closed with 503. */
public final class AuditUnavailableException extends BaseServerResponseException {

    private static final long serialVersionUID = 1L;

    public AuditUnavailableException(String message, Throwable cause) {
        super(503, message, cause);
    }
}
