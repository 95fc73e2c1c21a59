package org.securefhir.interceptors.encryption;

/**
 * Marks the thread that handles a PATCH: HAPI applies a patch to the stored version it loads
 * itself, without any hook in between, so while a patch is handled the storage layer decrypts the
 * versions it loads (a patch can then address encrypted elements; the result is sealed again
 * before it is stored). Nothing else loads decrypted: index rebuilds, for one, must see only
 * ciphertext.
 */
public final class PatchScope {

    private static final ThreadLocal<Boolean> ACTIVE = new ThreadLocal<>();

    private PatchScope() {}

    static void enter() {
        ACTIVE.set(Boolean.TRUE);
    }

    static void leave() {
        ACTIVE.remove();
    }

    public static boolean active() {
        return ACTIVE.get() != null;
    }
}
