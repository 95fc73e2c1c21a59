package org.securefhir.server.audit;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import javax.crypto.Mac;
import javax.crypto.SecretKey;

/**
 * The hash chain of a node's audit records and the MAC of its checkpoints: {@code hash(n) =
 * SHA-256(hash(n-1) ‖ node ‖ n ‖ content(n))}, starting from 32 zero bytes; a checkpoint is {@code
 * HMAC-SHA256(key, node ‖ n ‖ hash(n))} with a key the database does not hold, so rows rewritten
 * together with their hashes are still detected.
 */
final class AuditChain {

    static final byte[] GENESIS = new byte[32];

    private final SecretKey checkpointKey;

    AuditChain(SecretKey checkpointKey) {
        this.checkpointKey = checkpointKey;
    }

    static byte[] hash(byte[] previous, String node, long seq, String content) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(previous);
            digest.update(node.getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0);
            digest.update(ByteBuffer.allocate(Long.BYTES).putLong(seq).array());
            digest.update(content.getBytes(StandardCharsets.UTF_8));
            return digest.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The MAC of a purge watermark: {@code HMAC-SHA256(key, "purge" ‖ node ‖ n ‖ cutoff ‖ hash(n))},
     * so that a watermark written by anyone but this trail's server (to hide a removed head) is
     * reported.
     */
    byte[] watermarkMac(String node, long upTo, java.time.Instant purgedBefore, byte[] lastHash) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(checkpointKey);
            mac.update("purge".getBytes(StandardCharsets.UTF_8));
            mac.update((byte) 0);
            mac.update(node.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) 0);
            mac.update(ByteBuffer.allocate(Long.BYTES * 2)
                    .putLong(upTo)
                    .putLong(purgedBefore.toEpochMilli())
                    .array());
            return mac.doFinal(lastHash);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }

    byte[] checkpointMac(String node, long seq, byte[] hash) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(checkpointKey);
            mac.update(node.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) 0);
            mac.update(ByteBuffer.allocate(Long.BYTES).putLong(seq).array());
            return mac.doFinal(hash);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }
}
