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

    /** Set at the start of every request (so a thread never carries it over) and cleared at its end. */
    static void set(boolean patch) {
        if (patch) {
            ACTIVE.set(Boolean.TRUE);
        } else {
            ACTIVE.remove();
        }
    }

    public static boolean active() {
        return ACTIVE.get() != null;
    }
}
