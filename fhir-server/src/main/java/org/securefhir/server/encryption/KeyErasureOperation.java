package org.securefhir.server.encryption;

import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.StringType;
import org.securefhir.interceptors.encryption.BlindIndex;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * {@code POST Patient/{id}/$erase-keys}: crypto-shredding of one patient (admin role). Erases every
 * data key of the patient, so every element encrypted for them, in every version and in every
 * backup taken from now on, is unreadable; and removes the patient's blind-index tokens (index rows
 * and the tokens kept in every stored version), so the pseudonymous tokens no longer link them.
 * The resources themselves remain (their unencrypted elements, and the label {@code REDACTED} when
 * read); deleting them is a separate decision. Requires {@code confirm=Patient/{id}}, since it
 * cannot be undone.
 */
public final class KeyErasureOperation {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final JdbcDataKeys keys;
    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;

    KeyErasureOperation(JdbcDataKeys keys, JdbcTemplate jdbc, TransactionTemplate transactions) {
        this.keys = keys;
        this.jdbc = jdbc;
        this.transactions = transactions;
    }

    @Operation(name = "$erase-keys", type = org.hl7.fhir.r4.model.Patient.class, idempotent = false)
    public Parameters eraseKeys(
            @IdParam IdType id, @OperationParam(name = "confirm", min = 1, max = 1) StringType confirm) {
        return transactions.execute(status -> erase(id, confirm));
    }

    private Parameters erase(IdType id, StringType confirm) {
        String owner = "Patient/" + id.getIdPart();
        if (confirm == null || !owner.equals(confirm.getValue())) {
            throw new InvalidRequestException(
                    "$erase-keys cannot be undone: repeat the patient's reference in the parameter confirm");
        }
        List<Long> patient = jdbc.queryForList(
                "SELECT res_id FROM hfj_resource WHERE res_type = 'Patient' AND fhir_id = ?",
                Long.class,
                id.getIdPart());
        if (patient.isEmpty()) {
            throw new ResourceNotFoundException(id);
        }
        long pid = patient.get(0);
        String related = "SELECT ? UNION SELECT src_resource_id FROM hfj_res_link WHERE target_resource_id = ?";
        int indexRows = jdbc.update(
                "DELETE FROM hfj_spidx_token WHERE sp_name = ? AND res_id IN (" + related + ")",
                BlindIndex.SEARCH_PARAMETER,
                pid,
                pid);
        int versions = 0;
        List<Map<String, Object>> rows = jdbc.queryForList(
                "SELECT pid, res_text_vc FROM hfj_res_ver WHERE res_text_vc LIKE ? AND res_id IN (" + related + ")",
                "%" + BlindIndex.URL + "%",
                pid,
                pid);
        for (Map<String, Object> row : rows) {
            String stripped = stripTokens((String) row.get("res_text_vc"));
            versions += jdbc.update(
                    "UPDATE hfj_res_ver SET res_text_vc = ? WHERE pid = ?",
                    stripped,
                    ((Number) row.get("pid")).longValue());
        }
        int erased = keys.erase(owner);
        jdbc.update(
                "INSERT INTO encryption.erasure (owner, erased_at, keys_erased, blind_index_rows) VALUES (?, ?, ?, ?)",
                owner,
                Timestamp.from(Instant.now()),
                erased,
                indexRows);
        Parameters result = new Parameters();
        result.addParameter("keysErased", new IntegerType(erased));
        result.addParameter("blindIndexRowsRemoved", new IntegerType(indexRows));
        result.addParameter("versionsRewritten", new IntegerType(versions));
        return result;
    }

    static String stripTokens(String json) {
        try {
            JsonNode root = JSON.readTree(json);
            if (root instanceof ObjectNode object && object.get("extension") instanceof ArrayNode extensions) {
                Iterator<JsonNode> iterator = extensions.iterator();
                while (iterator.hasNext()) {
                    if (BlindIndex.URL.equals(iterator.next().path("url").asText())) {
                        iterator.remove();
                    }
                }
                if (extensions.isEmpty()) {
                    object.remove("extension");
                }
            }
            return JSON.writeValueAsString(root);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("A stored resource is not JSON", e);
        }
    }
}
