package org.securefhir.consent;

import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;

/** Consent could not be evaluated (e.g. the store is unreachable): the request fails closed with 503. */
public final class ConsentUnavailableException extends BaseServerResponseException {

    private static final long serialVersionUID = 1L;

    public ConsentUnavailableException(Throwable cause) {
        super(503, "Consent could not be evaluated; nothing is returned. Try again later.", cause);
    }
}
