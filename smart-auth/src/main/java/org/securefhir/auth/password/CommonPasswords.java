package org.securefhir.auth.password;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * The bundled list of commonly used and breached passwords (NIST SP 800-63B §5.1.1.2: verifiers
 * compare new passwords against such a list). Matching ignores case and also catches a common
 * password padded with digits and symbols ({@code Password2024!!!}).
 */
public final class CommonPasswords {

    private static final String RESOURCE = "common-passwords.txt";
    private static final int MIN_CORE_LENGTH = 4;

    private final Set<String> passwords;

    private CommonPasswords(Set<String> passwords) {
        this.passwords = passwords;
    }

    /** Loads the bundled list (about 49,000 entries). */
    public static CommonPasswords bundled() {
        try (InputStream in = CommonPasswords.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("Missing resource " + RESOURCE);
            }
            Set<String> passwords = new HashSet<>(65_536);
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            while ((line = reader.readLine()) != null) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    passwords.add(line.trim().toLowerCase(Locale.ROOT));
                }
            }
            return new CommonPasswords(Set.copyOf(passwords));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public boolean contains(CharSequence password) {
        String lower = password.toString().toLowerCase(Locale.ROOT);
        if (passwords.contains(lower)) {
            return true;
        }
        String core = lower.replaceAll("[^a-z]+$", "").replaceAll("^[^a-z]+", "");
        return core.length() >= MIN_CORE_LENGTH && passwords.contains(core);
    }
}
