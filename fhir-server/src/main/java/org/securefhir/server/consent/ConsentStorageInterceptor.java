package org.securefhir.server.consent;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.util.LinkedHashSet;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.securefhir.consent.ConsentDirectives;
import org.securefhir.consent.ContainedLabels;
import org.securefhir.consent.InvalidConsentException;
import org.securefhir.interceptors.InterceptorOrder;

/**
 * The storage side of consent (registered with the JPA interceptor service, so every write path
 * is covered): a resource takes on the security labels of the resources it contains
 * ({@link ContainedLabels}); a Consent this server could not enforce as written is refused (422) before it is
 * stored; and every committed change to what consent decisions rest on (Consents; CareTeams,
 * Encounters and Patients, which make treatment relationships) is announced to every node.
 */
@Interceptor
public final class ConsentStorageInterceptor {

    private final ConsentDirectives parser;
    private final ConsentChangeFeed feed;

    ConsentStorageInterceptor(ConsentDirectives parser, ConsentChangeFeed feed) {
        this.parser = parser;
        this.feed = feed;
    }

    @Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED, order = InterceptorOrder.VALIDATION)
    public void validateCreated(IBaseResource resource) {
        validate(resource);
    }

    @Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED, order = InterceptorOrder.VALIDATION)
    public void validateUpdated(IBaseResource stored, IBaseResource incoming) {
        validate(incoming);
    }

    @Hook(value = Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED, order = InterceptorOrder.CONSENT)
    public void created(IBaseResource resource) {
        announce(patients(resource, new LinkedHashSet<>()));
    }

    @Hook(value = Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED, order = InterceptorOrder.CONSENT)
    public void updated(IBaseResource previous, IBaseResource current) {
        announce(patients(current, patients(previous, new LinkedHashSet<>())));
    }

    @Hook(value = Pointcut.STORAGE_PRECOMMIT_RESOURCE_DELETED, order = InterceptorOrder.CONSENT)
    public void deleted(IBaseResource resource) {
        announce(patients(resource, new LinkedHashSet<>()));
    }

    private void validate(IBaseResource resource) {
        // a label written on a contained resource would be lost in storage: its container carries it
        ContainedLabels.raise(resource);
        if (resource instanceof Consent consent) {
            try {
                parser.validate(consent);
            } catch (InvalidConsentException e) {
                throw new UnprocessableEntityException("Consent cannot be enforced as written: " + e.getMessage());
            }
        }
    }

    private void announce(Set<String> patients) {
        patients.forEach(patient -> feed.publish("p:" + patient));
    }

    /** The patients whose consent facts a resource bears on. */
    private static Set<String> patients(IBaseResource resource, Set<String> into) {
        if (resource instanceof Consent consent) {
            ConsentDirectives.patientOf(consent).ifPresent(into::add);
        } else if (resource instanceof Patient patient && patient.getIdElement().hasIdPart()) {
            into.add(patient.getIdElement().getIdPart());
        } else if (resource instanceof Encounter encounter) {
            patientOf(encounter.getSubject(), into);
        } else if (resource instanceof CareTeam team) {
            patientOf(team.getSubject(), into);
        }
        return into;
    }

    private static void patientOf(Reference reference, Set<String> into) {
        if ("Patient".equals(reference.getReferenceElement().getResourceType())
                && reference.getReferenceElement().hasIdPart()) {
            into.add(reference.getReferenceElement().getIdPart());
        }
    }
}
