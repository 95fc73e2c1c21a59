package org.securefhir.server.encryption;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.spec.SecretKeySpec;
import org.securefhir.interceptors.encryption.DataKey;
import org.securefhir.interceptors.encryption.DataKeys;
import org.securefhir.interceptors.encryption.FieldCipher;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Data keys in PostgreSQL ({@code encryption.data_key}), each stored only wrapped by a
 * key-encryption key of the {@link KeyProvider}, one version per owner and KEK version. Unwrapped
 * keys are cached per node for {@code crypto.key-cache-seconds}; an erasure removes the rows (and
 * this node's cache at once), so from then on, and in every backup taken afterwards, the owner's
 * ciphertexts cannot be opened.
 *
 * <p>A new data key is created on connections of its own ({@code creating}), committed at once,
 * never inside the transaction of the write that needs it: a key created in a transaction that
 * then rolled back would stay cached while its row was gone, and what another write sealed under it
 * meanwhile would be committed without a key (unreadable, or failing its integrity check once the
 * version was given to new key material). Creating it outside also keeps concurrent writers of the
 * same new owner from waiting for each other's transactions. An unused key row is harmless.
 */
final class JdbcDataKeys implements DataKeys {

    static final String BLIND_INDEX_OWNER = "blind-index";

    private final JdbcTemplate jdbc;
    private final JdbcTemplate creating;
    private final KeyProvider provider;
    private final SecureRandom random;
    private final Clock clock;
    private final Duration cacheFor;
    private final Map<String, Cached> writing = new ConcurrentHashMap<>();
    private final Map<String, Cached> reading = new ConcurrentHashMap<>();
    private volatile byte[] blindIndexKey;

    private record Cached(DataKey key, Instant until) {}

    /**
     * @param jdbc the server's connections (reads, erasure, rotation)
     * @param creating connections outside any caller's transaction, each statement committed at
     *     once, for creating keys
     */
    JdbcDataKeys(
            JdbcTemplate jdbc,
            JdbcTemplate creating,
            KeyProvider provider,
            SecureRandom random,
            Clock clock,
            Duration cacheFor) {
        this.jdbc = jdbc;
        this.creating = creating;
        this.provider = provider;
        this.random = random;
        this.clock = clock;
        this.cacheFor = cacheFor;
    }

    @Override
    public DataKey forWriting(String owner) {
        Instant now = clock.instant();
        Cached cached = writing.get(owner);
        if (cached != null && cached.until().isAfter(now)) {
            return cached.key();
        }
        DataKey key = current(owner);
        writing.put(owner, new Cached(key, now.plus(cacheFor)));
        return key;
    }

    /** The owner's newest key row; {@code usable} = neither retired nor erased. */
    private record Latest(int version, String kek, byte[] wrapped, boolean usable) {}

    private static Optional<Latest> latest(JdbcTemplate jdbc, String owner) {
        return jdbc
                .query(
                        "SELECT version, kek_version, wrapped, NOT retired AND wrapped IS NOT NULL"
                                + " FROM encryption.data_key WHERE owner = ? ORDER BY version DESC LIMIT 1",
                        (row, n) -> new Latest(row.getInt(1), row.getString(2), row.getBytes(3), row.getBoolean(4)),
                        owner)
                .stream()
                .findFirst();
    }

    /** Stores a key as the owner's {@code version} under the current KEK; false if that version exists. */
    private boolean store(JdbcTemplate jdbc, String owner, int version, byte[] key) {
        String kek = provider.currentVersion();
        return jdbc.update(
                        "INSERT INTO encryption.data_key (owner, version, kek_version, wrapped, created)"
                                + " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                        owner,
                        version,
                        kek,
                        provider.wrap(kek, key, context(owner + "#" + version)),
                        Timestamp.from(clock.instant()))
                == 1;
    }

    /** The owner's newest committed key under the current KEK, created (and committed) if there is none. */
    private DataKey current(String owner) {
        for (int attempt = 0; attempt < 3; attempt++) {
            Optional<Latest> latest = latest(creating, owner);
            if (latest.isPresent()
                    && latest.get().usable()
                    && provider.currentVersion().equals(latest.get().kek())) {
                return unwrap(
                        owner,
                        latest.get().version(),
                        latest.get().kek(),
                        latest.get().wrapped());
            }
            int version = latest.map(row -> row.version() + 1).orElse(1);
            byte[] key = new byte[FieldCipher.KEY_BYTES];
            random.nextBytes(key);
            if (store(creating, owner, version, key)) {
                return new DataKey(owner + "#" + version, new SecretKeySpec(key, "AES"));
            }
            // another thread or node created it first: read theirs
        }
        throw new IllegalStateException("Could not create a data key");
    }

    @Override
    public Optional<DataKey> forReading(String keyId) {
        Instant now = clock.instant();
        Cached cached = reading.get(keyId);
        if (cached != null && cached.until().isAfter(now)) {
            return Optional.of(cached.key());
        }
        int hash = keyId.lastIndexOf('#');
        if (hash <= 0) {
            return Optional.empty();
        }
        String owner = keyId.substring(0, hash);
        int version;
        try {
            version = Integer.parseInt(keyId.substring(hash + 1));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        List<DataKey> keys = jdbc.query(
                "SELECT kek_version, wrapped FROM encryption.data_key WHERE owner = ? AND version = ?"
                        + " AND wrapped IS NOT NULL",
                (row, n) -> unwrap(owner, version, row.getString(1), row.getBytes(2)),
                owner,
                version);
        if (keys.isEmpty()) {
            reading.remove(keyId);
            return Optional.empty();
        }
        reading.put(keyId, new Cached(keys.get(0), now.plus(cacheFor)));
        return Optional.of(keys.get(0));
    }

    /**
     * The blind-index key never changes (every token in the indexes depends on it): created once,
     * and on a KEK rotation the same key is stored again wrapped under the new KEK.
     */
    @Override
    public byte[] blindIndexKey() {
        byte[] key = blindIndexKey;
        if (key == null) {
            key = loadBlindIndexKey();
            blindIndexKey = key;
        }
        return key.clone();
    }

    private synchronized byte[] loadBlindIndexKey() {
        Optional<Latest> latest = latest(jdbc, BLIND_INDEX_OWNER);
        if (latest.isEmpty()) {
            return current(BLIND_INDEX_OWNER).key().getEncoded();
        }
        Latest row = latest.get();
        byte[] key = unwrap(BLIND_INDEX_OWNER, row.version(), row.kek(), row.wrapped())
                .key()
                .getEncoded();
        if (!provider.currentVersion().equals(row.kek())) {
            store(jdbc, BLIND_INDEX_OWNER, row.version() + 1, key);
            jdbc.update(
                    "DELETE FROM encryption.data_key WHERE owner = ? AND version <= ?",
                    BLIND_INDEX_OWNER,
                    row.version());
        }
        return key;
    }

    /** Erases every key of an owner (crypto-shredding); returns how many there were. */
    int erase(String owner) {
        int erased = jdbc.update(
                "UPDATE encryption.data_key SET wrapped = NULL, erased = now() WHERE owner = ? AND wrapped IS NOT NULL",
                owner);
        writing.remove(owner);
        reading.keySet().removeIf(id -> id.startsWith(owner + "#"));
        return erased;
    }

    /** How many data keys are superseded: retired, or wrapped under a KEK that is not current. */
    int superseded() {
        return jdbc.queryForObject(
                "SELECT count(*) FROM encryption.data_key WHERE (retired OR kek_version <> ?) AND owner <> ?"
                        + " AND wrapped IS NOT NULL",
                Integer.class,
                provider.currentVersion(),
                BLIND_INDEX_OWNER);
    }

    /** Retires every owner's current data key: new writes get new keys (rotation). */
    int retireAll() {
        int retired = jdbc.update(
                "UPDATE encryption.data_key SET retired = true WHERE NOT retired AND owner <> ?", BLIND_INDEX_OWNER);
        writing.clear();
        return retired;
    }

    /** Erases the superseded keys, once nothing readable is sealed under them any more. */
    int eraseSuperseded() {
        List<String> ids = jdbc.queryForList(
                "UPDATE encryption.data_key SET wrapped = NULL, erased = now()"
                        + " WHERE (retired OR kek_version <> ?) AND owner <> ? AND wrapped IS NOT NULL"
                        + " RETURNING owner || '#' || version",
                String.class,
                provider.currentVersion(),
                BLIND_INDEX_OWNER);
        ids.forEach(reading::remove);
        writing.clear();
        return ids.size();
    }

    private DataKey unwrap(String owner, int version, String kek, byte[] wrapped) {
        String id = owner + "#" + version;
        return new DataKey(id, new SecretKeySpec(provider.unwrap(kek, wrapped, context(id)), "AES"));
    }

    private static byte[] context(String keyId) {
        return ("data-key|" + keyId).getBytes(StandardCharsets.UTF_8);
    }
}
