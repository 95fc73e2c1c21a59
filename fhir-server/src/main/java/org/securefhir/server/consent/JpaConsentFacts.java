package org.securefhir.server.consent;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.param.TokenParam;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Period;
import org.securefhir.consent.ConsentDirective;
import org.securefhir.consent.ConsentDirectiveSource;
import org.securefhir.consent.ConsentDirectives;
import org.securefhir.consent.TreatmentRelationships;

/**
 * Consent facts read from the FHIR store (as the system, below every REST interceptor): a
 * patient's active Consents, and whether a practitioner treats a patient through real care
 * (see {@link #treats}).
 */
final class JpaConsentFacts implements ConsentDirectiveSource, TreatmentRelationships {

    /** How many candidate encounters or care teams of one practitioner and patient are looked at. */
    private static final int MAX_CANDIDATES = 50;

    private final DaoRegistry daos;
    private final ConsentDirectives parser;
    private final Clock clock;

    JpaConsentFacts(DaoRegistry daos, ConsentDirectives parser, Clock clock) {
        this.daos = daos;
        this.parser = parser;
        this.clock = clock;
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

    /** How long after an encounter ended its participants still treat the patient. */
    static final Duration AFTER_ENCOUNTER = Duration.ofDays(30);

    /** Encounter statuses of care that is under way (or, for finished, recently was). */
    private static final Set<String> ENCOUNTER_STATUSES =
            Set.of("arrived", "triaged", "in-progress", "onleave", "finished");

    /**
     * Whether the practitioner treats the patient through real care: a participant of one of the
     * patient's Encounters that is under way or finished within {@link #AFTER_ENCOUNTER} (by its
     * period's end, else when it was last changed), a member of one of the patient's active
     * CareTeams within the team's period, or the patient's general practitioner. Planned, cancelled
     * and entered-in-error encounters, and inactive or expired care teams, do not count.
     */
    @Override
    public boolean treats(String practitioner, String patient) {
        ReferenceParam who = new ReferenceParam(practitioner);
        ReferenceParam whom = new ReferenceParam("Patient/" + patient);
        Instant now = clock.instant();
        if (exists(
                "Patient",
                SearchParameterMap.newSynchronous()
                        .add("_id", new TokenParam(patient))
                        .add("general-practitioner", who))) {
            return true;
        }
        TokenOrListParam active = new TokenOrListParam();
        active.addOr(new TokenParam("active"));
        for (IBaseResource found : find(
                "CareTeam",
                SearchParameterMap.newSynchronous()
                        .add("patient", whom)
                        .add("participant", who)
                        .add("status", active))) {
            if (found instanceof CareTeam team && within(team.getPeriod(), now)) {
                return true;
            }
        }
        TokenOrListParam statuses = new TokenOrListParam();
        ENCOUNTER_STATUSES.forEach(status -> statuses.addOr(new TokenParam(status)));
        for (IBaseResource found : find(
                "Encounter",
                SearchParameterMap.newSynchronous()
                        .add("patient", whom)
                        .add("participant", who)
                        .add("status", statuses))) {
            if (found instanceof Encounter encounter && current(encounter, now)) {
                return true;
            }
        }
        return false;
    }

    private static boolean within(Period period, Instant now) {
        return (!period.hasStart() || !period.getStart().toInstant().isAfter(now))
                && (!period.hasEnd() || !period.getEnd().toInstant().isBefore(now));
    }

    private static boolean current(Encounter encounter, Instant now) {
        if (encounter.getStatus() != Encounter.EncounterStatus.FINISHED) {
            return !encounter.getPeriod().hasStart()
                    || !encounter.getPeriod().getStart().toInstant().isAfter(now);
        }
        java.util.Date ended = encounter.getPeriod().hasEnd()
                ? encounter.getPeriod().getEnd()
                : encounter.getMeta().getLastUpdated();
        return ended != null && !ended.toInstant().plus(AFTER_ENCOUNTER).isBefore(now);
    }

    private List<IBaseResource> find(String type, SearchParameterMap search) {
        search.setLoadSynchronousUpTo(MAX_CANDIDATES);
        search.setCount(MAX_CANDIDATES);
        return daos.getResourceDao(type)
                .search(search, new SystemRequestDetails())
                .getResources(0, MAX_CANDIDATES);
    }

    private boolean exists(String type, SearchParameterMap search) {
        search.setLoadSynchronousUpTo(1);
        IFhirResourceDao<?> dao = daos.getResourceDao(type);
        return !dao.searchForIds(search, new SystemRequestDetails()).isEmpty();
    }
}
