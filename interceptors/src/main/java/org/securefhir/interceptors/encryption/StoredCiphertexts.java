package org.securefhir.interceptors.encryption;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Base64;
import java.util.Optional;

/**
 * Re-keying of stored resource bodies (JSON as HAPI stores them), without HAPI: every encrypted
 * element whose key is not its owner's current key is opened with its old key and sealed again
 * under the current one. Used by key rotation, for every stored version.
 */
public final class StoredCiphertexts {

    private static final ObjectMapper JSON = new ObjectMapper();

    private StoredCiphertexts() {}

    /** What re-keying one body did. */
    public record Rekeyed(Optional<String> json, int rekeyed, int unreadable) {}

    public static Rekeyed rekey(String json, String resourceType, DataKeys keys) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException("A stored resource is not JSON", e);
        }
        int[] counts = new int[2];
        walk(root, resourceType, keys, counts);
        if (counts[0] == 0) {
            return new Rekeyed(Optional.empty(), 0, counts[1]);
        }
        try {
            return new Rekeyed(Optional.of(JSON.writeValueAsString(root)), counts[0], counts[1]);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void walk(JsonNode node, String resourceType, DataKeys keys, int[] counts) {
        if (node.isArray()) {
            node.forEach(child -> walk(child, resourceType, keys, counts));
            return;
        }
        if (!node.isObject()) {
            return;
        }
        if (ResourceEncryptor.ENCRYPTED_URL.equals(node.path("url").asText())) {
            rekeyOne((ObjectNode) node, resourceType, keys, counts);
            return;
        }
        node.forEach(child -> walk(child, resourceType, keys, counts));
    }

    private static void rekeyOne(ObjectNode extension, String resourceType, DataKeys keys, int[] counts) {
        ObjectNode path = part(extension, "path");
        ObjectNode key = part(extension, "key");
        ObjectNode value = part(extension, "value");
        if (path == null || key == null || value == null) {
            return;
        }
        String keyId = key.path("valueString").asText();
        String owner = keyId.substring(0, Math.max(0, keyId.lastIndexOf('#')));
        DataKey current = keys.forWriting(owner);
        if (current.id().equals(keyId)) {
            return;
        }
        Optional<DataKey> old = keys.forReading(keyId);
        if (old.isEmpty()) {
            counts[1]++; // erased: nothing can open it, nothing to do
            return;
        }
        String relative = path.path("valueString").asText();
        // valueString since 2026-12, valueBase64Binary before (ResourceEncryptor.sealedValue)
        String encoded = value.has("valueString")
                ? value.path("valueString").asText()
                : value.path("valueBase64Binary").asText();
        byte[] plain = FieldCipher.decrypt(
                old.get().key(),
                Base64.getDecoder().decode(encoded),
                ResourceEncryptor.associatedData(resourceType, relative, keyId));
        byte[] sealed = FieldCipher.encrypt(
                current.key(), plain, ResourceEncryptor.associatedData(resourceType, relative, current.id()));
        key.put("valueString", current.id());
        value.remove("valueBase64Binary");
        value.put("valueString", Base64.getEncoder().encodeToString(sealed));
        counts[0]++;
    }

    private static ObjectNode part(ObjectNode extension, String url) {
        for (JsonNode part : extension.path("extension")) {
            if (url.equals(part.path("url").asText()) && part instanceof ObjectNode object) {
                return object;
            }
        }
        return null;
    }
}
