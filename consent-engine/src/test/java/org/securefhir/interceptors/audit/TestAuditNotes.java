package org.securefhir.interceptors.audit;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.util.List;
import java.util.Optional;

/**
 * What a request's audit record will say of consent, as the consent engine's tests read it
 * ({@link AuditNotes} shows it only to the audit package).
 */
public final class TestAuditNotes {

    private TestAuditNotes() {}

    /** The consent decisions noted for the request, as recorded ({@code deny consent Consent/1 ×2}). */
    public static List<String> consentDecisions(RequestDetails request) {
        return AuditNotes.find(request).map(AuditNotes::decisions).orElse(List.of());
    }

    /** The purpose of use noted for the request ({@code ETREAT BTG} under break-glass). */
    public static Optional<String> purposeOfUse(RequestDetails request) {
        return AuditNotes.find(request).flatMap(AuditNotes::purposeOfUse);
    }
}
