package org.securefhir.interceptors.audit;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What other defences add to a request's audit record: the purpose of use in force (e.g. {@code
 * ETREAT BTG} under break-glass) and the consent decisions that shaped the response (BALP {@code
 * AuthZconsent}: {@code deny consent Consent/123}, with how many resources each decided), the
 * patients of a response that is not FHIR resources (an export file). One per
 * request, kept with the request.
 */
public final class AuditNotes {

    private static final String KEY = AuditNotes.class.getName();
    static final int MAX_DECISIONS = 50;

    private String purposeOfUse;
    private final Map<String, Integer> decisions = new LinkedHashMap<>();
    private final java.util.TreeSet<String> patients = new java.util.TreeSet<>();

    private AuditNotes() {}

    /** The request's notes, created on first use. */
    public static AuditNotes of(RequestDetails request) {
        Object existing = request.getUserData().get(KEY);
        if (existing instanceof AuditNotes notes) {
            return notes;
        }
        AuditNotes notes = new AuditNotes();
        request.getUserData().put(KEY, notes);
        return notes;
    }

    static Optional<AuditNotes> find(RequestDetails request) {
        return request.getUserData().get(KEY) instanceof AuditNotes notes ? Optional.of(notes) : Optional.empty();
    }

    /** The purpose of use the request is served for (space-separated v3 ActReason codes). */
    public synchronized void purposeOfUse(String codes) {
        this.purposeOfUse = codes;
    }

    /** A consent decision (no PHI: reason codes and resource ids only), counted per distinct text. */
    public synchronized void consentDecision(String text) {
        if (decisions.containsKey(text) || decisions.size() < MAX_DECISIONS) {
            decisions.merge(text, 1, Integer::sum);
        }
    }

    /**
     * Patients whose data the response carries although no FHIR resource of the response names
     * them (a Bulk Data file served as raw NDJSON): {@code Patient/<id>} each.
     */
    public synchronized void patients(java.util.Collection<String> references) {
        patients.addAll(references);
    }

    synchronized java.util.Set<String> patients() {
        return java.util.Set.copyOf(patients);
    }

    synchronized Optional<String> purposeOfUse() {
        return Optional.ofNullable(purposeOfUse);
    }

    /** The decisions as recorded: {@code deny consent Consent/1 ×3} when one decided several resources. */
    synchronized List<String> decisions() {
        List<String> texts = new ArrayList<>();
        decisions.forEach((text, count) -> texts.add(count == 1 ? text : text + " ×" + count));
        return texts;
    }
}
