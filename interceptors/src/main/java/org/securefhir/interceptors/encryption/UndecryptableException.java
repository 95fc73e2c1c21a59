package org.securefhir.interceptors.encryption;

/** A stored ciphertext that cannot be opened: tampered with, or its key is gone (crypto-shredded). */
public final class UndecryptableException extends RuntimeException {

    public UndecryptableException(String message) {
        super(message);
    }
}
