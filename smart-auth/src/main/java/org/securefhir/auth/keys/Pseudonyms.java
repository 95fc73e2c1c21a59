package org.securefhir.auth.keys;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.Locale;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * Keyed stand-ins (HMAC-SHA256) for what people type as a user name: the login-failure tables and
 * the security events of the audit trail keep these, never the typed text (often a mistyped
 * password). Without the key a pseudonym cannot be reversed by hashing candidate names, as an
 * unsalted hash could; the same name always gives the same pseudonym, so failures still add up.
 * The HMAC key is derived from smart-auth's secret key for this purpose only.
 */
public final class Pseudonyms {

    private static final String ALGORITHM = "HmacSHA256";
    private static final int MAX_NAME = 128;

    private final SecretKeySpec key;

    public Pseudonyms(SecretKey secret) {
        try {
            Mac derive = Mac.getInstance(ALGORITHM);
            derive.init(new SecretKeySpec(secret.getEncoded(), ALGORITHM));
            this.key = new SecretKeySpec(
                    derive.doFinal("securefhir user-name pseudonym v1".getBytes(StandardCharsets.UTF_8)), ALGORITHM);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable", e);
        }
    }

    /** The pseudonym of a typed user name (case-insensitive, trimmed): 64 hex digits. */
    public String of(String typedName) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return HexFormat.of().formatHex(mac.doFinal(normalised(typedName).getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable", e);
        }
    }

    /** The shorter form shown in security events (128 bits). */
    public String shortOf(String typedName) {
        return of(typedName).substring(0, 32);
    }

    private static String normalised(String typedName) {
        String trimmed = typedName == null ? "" : typedName.trim().toLowerCase(Locale.ROOT);
        return trimmed.length() > MAX_NAME ? trimmed.substring(0, MAX_NAME) : trimmed;
    }
}
