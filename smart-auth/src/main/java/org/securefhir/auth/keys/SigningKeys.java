package org.securefhir.auth.keys;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.securefhir.auth.mfa.SecretCipher;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Token signing keys (RSA 2048, RS256), stored in PostgreSQL with the private key encrypted, so all
 * nodes sign with the same key and keys survive restarts. The newest unretired key signs; every
 * unretired key is published, so tokens signed before a rotation still verify.
 */
public final class SigningKeys {

    private final JdbcTemplate jdbc;
    private final SecretCipher cipher;
    private final SecureRandom random;
    private final Clock clock;

    public SigningKeys(JdbcTemplate jdbc, SecretCipher cipher, SecureRandom random, Clock clock) {
        this.jdbc = jdbc;
        this.cipher = cipher;
        this.random = random;
        this.clock = clock;
    }

    /** Creates the first key if there is none. */
    public void ensureSigningKey() {
        Integer active = jdbc.queryForObject(
                "SELECT count(*) FROM smart_auth.signing_key WHERE retired_at IS NULL", Integer.class);
        if (active == null || active == 0) {
            rotate();
        }
    }

    /**
     * Key rotation, run at start-up and on a schedule by every node ({@link SigningKeyRing}): a new
     * signing key when the newest one is older than {@code
     * lifetime}; a superseded key stays published for {@code publishedAfterSuccessor} after its
     * successor appeared (longer than any token it signed lives), then it is retired (no longer
     * published, never used again).
     *
     * @return whether a new key was created
     */
    public boolean rotateIfDue(Duration lifetime, Duration publishedAfterSuccessor) {
        Instant now = clock.instant();
        Timestamp newest = jdbc.queryForObject(
                "SELECT max(created_at) FROM smart_auth.signing_key WHERE retired_at IS NULL", Timestamp.class);
        boolean rotated = false;
        if (newest == null || newest.toInstant().plus(lifetime).isBefore(now)) {
            rotate();
            rotated = true;
        }
        jdbc.update(
                "UPDATE smart_auth.signing_key k SET retired_at = ? WHERE k.retired_at IS NULL AND EXISTS"
                        + " (SELECT 1 FROM smart_auth.signing_key n WHERE n.retired_at IS NULL"
                        + " AND n.created_at > k.created_at AND n.created_at < ?)",
                Timestamp.from(now),
                Timestamp.from(now.minus(publishedAfterSuccessor)));
        return rotated;
    }

    /** Adds a new signing key; older keys stay published until retired. */
    public String rotate() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048, random);
            KeyPair pair = generator.generateKeyPair();
            String kid = UUID.randomUUID().toString();
            jdbc.update(
                    "INSERT INTO smart_auth.signing_key (kid, algorithm, public_key, private_key_encrypted, created_at)"
                            + " VALUES (?, 'RS256', ?, ?, ?)",
                    kid,
                    pair.getPublic().getEncoded(),
                    cipher.encrypt(pair.getPrivate().getEncoded(), kid),
                    Timestamp.from(clock.instant()));
            return kid;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Cannot generate a signing key", e);
        }
    }

    /** Every unretired key, newest first, with private parts. */
    public JWKSet load() {
        List<JWK> keys = new ArrayList<>();
        jdbc.query(
                "SELECT kid, public_key, private_key_encrypted, created_at FROM smart_auth.signing_key"
                        + " WHERE retired_at IS NULL ORDER BY created_at DESC",
                row -> {
                    String kid = row.getString(1);
                    keys.add(rsaKey(
                            kid,
                            row.getBytes(2),
                            cipher.decrypt(row.getBytes(3), kid),
                            row.getTimestamp(4).toInstant()));
                });
        return new JWKSet(keys);
    }

    private static RSAKey rsaKey(String kid, byte[] publicKey, byte[] privateKey, Instant created) {
        try {
            KeyFactory factory = KeyFactory.getInstance("RSA");
            return new RSAKey.Builder((RSAPublicKey) factory.generatePublic(new X509EncodedKeySpec(publicKey)))
                    .privateKey((RSAPrivateKey) factory.generatePrivate(new PKCS8EncodedKeySpec(privateKey)))
                    .keyID(kid)
                    .keyUse(KeyUse.SIGNATURE)
                    .algorithm(JWSAlgorithm.RS256)
                    .issueTime(java.util.Date.from(created))
                    .build();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Stored signing key " + kid + " is unreadable", e);
        }
    }
}
