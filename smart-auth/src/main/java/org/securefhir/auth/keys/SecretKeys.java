package org.securefhir.auth.keys;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The AES-256 key that protects smart-auth's secrets at rest: configured (production), or generated
 * once into a development key file readable by its owner only. Key material is never logged.
 */
public final class SecretKeys {

    private static final Logger log = LoggerFactory.getLogger(SecretKeys.class);

    private SecretKeys() {}

    public static SecretKey fromBase64(String base64) {
        byte[] key;
        try {
            key = Base64.getDecoder().decode(base64.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("smart.auth.secret-key-base64 is not valid base64");
        }
        if (key.length != 32) {
            throw new IllegalStateException("smart.auth.secret-key-base64 must decode to 32 bytes (AES-256)");
        }
        return new SecretKeySpec(key, "AES");
    }

    /** Reads the development key file, creating it on first use. */
    public static SecretKey developmentKey(Path file, SecureRandom random) {
        try {
            if (!Files.exists(file)) {
                Files.createDirectories(file.getParent());
                byte[] key = new byte[32];
                random.nextBytes(key);
                Path temporary = Files.createTempFile(file.getParent(), "key", ".tmp");
                try {
                    Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-------"));
                } catch (UnsupportedOperationException notPosix) {
                    // rely on the directory's ACLs
                }
                Files.write(temporary, Base64.getEncoder().encode(key), StandardOpenOption.TRUNCATE_EXISTING);
                Files.move(temporary, file);
                log.warn(
                        "Generated a DEVELOPMENT secret key in {} (not for production: set smart.auth.secret-key-base64)",
                        file);
            }
            return fromBase64(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read or create " + file, e);
        }
    }
}
