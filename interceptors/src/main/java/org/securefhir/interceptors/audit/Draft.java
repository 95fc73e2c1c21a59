package org.securefhir.interceptors.audit;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/** A record being assembled (a request's facts arrive at several hooks). */
final class Draft {

    String recorded;
    String category = "rest";
    String subtype;
    String action;
    String outcome = AuditRecord.SUCCESS;
    Integer status;
    String outcomeDetail;
    String userId;
    String fhirUser;
    List<String> roles = List.of();
    String clientId;
    String tokenId;
    String resourceType;
    String resourceId;
    String versionId;
    String operation;
    String query;
    final TreeSet<String> patients = new TreeSet<>();
    final List<String> entities = new ArrayList<>();
    String sourceIp;
    String userAgent;
    String node;
    String requestId;
    String purposeOfUse;
    List<String> consent = List.of();

    void entity(String reference) {
        if (entities.size() < AuditRecords.MAX_ENTITIES && !entities.contains(reference)) {
            entities.add(reference);
        }
    }

    AuditRecord build() {
        return new AuditRecord(
                recorded,
                category,
                subtype,
                action,
                outcome,
                status,
                outcomeDetail,
                userId,
                fhirUser,
                roles,
                clientId,
                tokenId,
                resourceType,
                resourceId,
                versionId,
                operation,
                query,
                List.copyOf(patients),
                entities,
                sourceIp,
                userAgent,
                node,
                requestId,
                purposeOfUse,
                consent);
    }
}
