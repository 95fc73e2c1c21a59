package org.securefhir.interceptors.encryption;

import javax.crypto.SecretKey;

/**
 * An AES-256 data key, unwrapped. {@code id} is {@code owner#version}, where the owner is the
 * patient whose data it protects ({@code Patient/123}) or {@code shared} for data in no patient's
 * compartment; it is stored beside each ciphertext and bound into its associated data.
 */
public record DataKey(String id, SecretKey key) {

    public static final String SHARED_OWNER = "shared";

    @Override
    public String toString() {
        return "DataKey[" + id + "]"; // never the key
    }
}
