package org.securefhir.server.consent;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenParam;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Consent;
import org.securefhir.consent.ConsentDirective;
import org.securefhir.consent.ConsentDirectiveSource;
import org.securefhir.consent.ConsentDirectives;
import org.securefhir.consent.TreatmentRelationships;

/**
 * Consent facts read from the FHIR store (as the system, below every REST interceptor): a
 * patient's active Consents, and whether a practitioner treats a patient (CareTeam member,
 * Encounter participant or general practitioner).
 */
final class JpaConsentFacts implements ConsentDirectiveSource, TreatmentRelationships {

    private final DaoRegistry daos;
    private final ConsentDirectives parser;

    JpaConsentFacts(DaoRegistry daos, ConsentDirectives parser) {
        this.daos = daos;
        this.parser = parser;
    }

    @Override
    public List<ConsentDirective> active(String patient) {
        SearchParameterMap search = SearchParameterMap.newSynchronous()
                .add(Consent.SP_PATIENT, new ReferenceParam("Patient/" + patient))
                .add(Consent.SP_STATUS, new TokenParam("active"));
        List<IBaseResource> found = daos.getResourceDao("Consent")
                .search(search, new SystemRequestDetails())
                .getAllResources();
        List<ConsentDirective> directives = new ArrayList<>(found.size());
        for (IBaseResource resource : found) {
            directives.add(parser.enforceable((Consent) resource, patient));
        }
        return List.copyOf(directives);
    }

    @Override
    public boolean treats(String practitioner, String patient) {
        ReferenceParam who = new ReferenceParam(practitioner);
        ReferenceParam whom = new ReferenceParam("Patient/" + patient);
        return exists(
                        "Patient",
                        SearchParameterMap.newSynchronous()
                                .add("_id", new TokenParam(patient))
                                .add("general-practitioner", who))
                || exists(
                        "CareTeam",
                        SearchParameterMap.newSynchronous().add("patient", whom).add("participant", who))
                || exists(
                        "Encounter",
                        SearchParameterMap.newSynchronous().add("patient", whom).add("participant", who));
    }

    private boolean exists(String type, SearchParameterMap search) {
        search.setLoadSynchronousUpTo(1);
        IFhirResourceDao<?> dao = daos.getResourceDao(type);
        return !dao.searchForIds(search, new SystemRequestDetails()).isEmpty();
    }
}
