package org.securefhir.consent;

/** A Consent this server cannot enforce as written; the message says which element and why. */
public final class InvalidConsentException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public InvalidConsentException(String message) {
        super(message);
    }
}
