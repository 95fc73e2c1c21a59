package org.securefhir.consent;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.securefhir.interceptors.InterceptorOrder;
import org.securefhir.interceptors.audit.AuditNotes;

/**
 * The treatment relationship comes from real care registered by someone else: a clinician bound by
 * the relationship may not make themself a participant of a patient's Encounter, a member of a
 * patient's CareTeam or a patient's general practitioner unless they already treat the patient
 * (front desk, the EHR's interface or a colleague registers care). Such a write is refused (403),
 * recorded in the audit trail as {@code deny self-made-relationship} and raises the {@code
 * self-made-relationship} alert.
 */
@Interceptor
public final class CareRegistration {

    private final ConsentEngine engine;

    public CareRegistration(ConsentEngine engine) {
        this.engine = engine;
    }

    @Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED, order = InterceptorOrder.VALIDATION)
    public void created(RequestDetails request, IBaseResource resource) {
        check(request, Optional.empty(), resource);
    }

    @Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED, order = InterceptorOrder.VALIDATION)
    public void updated(RequestDetails request, IBaseResource stored, IBaseResource incoming) {
        check(request, Optional.ofNullable(stored), incoming);
    }

    private void check(RequestDetails request, Optional<IBaseResource> stored, IBaseResource incoming) {
        if (request == null) {
            return;
        }
        Optional<CareNaming> naming = CareNaming.of(incoming);
        if (naming.isEmpty()) {
            return;
        }
        Optional<String> practitioner = engine.relationshipBoundPractitioner(request);
        if (practitioner.isEmpty() || !naming.get().practitioners().contains(practitioner.get())) {
            return;
        }
        boolean namedBefore = stored.flatMap(CareNaming::of)
                .map(before -> before.practitioners().contains(practitioner.get())
                        && before.patient().equals(naming.get().patient()))
                .orElse(false);
        if (namedBefore || engine.treats(practitioner.get(), naming.get().patient())) {
            return;
        }
        AuditNotes.of(request).consentDecision("deny self-made-relationship " + practitioner.get());
        throw new ForbiddenOperationException("Access denied: a treatment relationship is registered by someone"
                + " else (front desk, the EHR, a colleague who treats the patient), not by the clinician it"
                + " would let in");
    }

    /** The patient a care record is about and the practitioners it names as treating them. */
    record CareNaming(String patient, Set<String> practitioners) {

        static Optional<CareNaming> of(IBaseResource resource) {
            Set<String> practitioners = new LinkedHashSet<>();
            Reference subject;
            if (resource instanceof Encounter encounter) {
                subject = encounter.getSubject();
                encounter.getParticipant().forEach(p -> add(practitioners, p.getIndividual()));
            } else if (resource instanceof CareTeam team) {
                subject = team.getSubject();
                team.getParticipant().forEach(p -> add(practitioners, p.getMember()));
            } else if (resource instanceof Patient patient) {
                if (!patient.getIdElement().hasIdPart()) {
                    return Optional.empty();
                }
                subject = new Reference("Patient/" + patient.getIdElement().getIdPart());
                patient.getGeneralPractitioner().forEach(gp -> add(practitioners, gp));
            } else {
                return Optional.empty();
            }
            String reference = subject.getReferenceElement().getValue();
            if (reference == null
                    || !"Patient".equals(subject.getReferenceElement().getResourceType())
                    || practitioners.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(new CareNaming(subject.getReferenceElement().getIdPart(), practitioners));
        }

        private static void add(Set<String> practitioners, Reference reference) {
            if (reference != null
                    && "Practitioner".equals(reference.getReferenceElement().getResourceType())
                    && reference.getReferenceElement().hasIdPart()) {
                practitioners.add(
                        "Practitioner/" + reference.getReferenceElement().getIdPart());
            }
        }
    }
}
