package org.securefhir.server.demo;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.HumanName;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Reference;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.stereotype.Component;

/**
 * DEMO DATA for the default embedded run only (never in {@code prod}, which refuses
 * {@code smart.auth.demo=true}): the Practitioner and Patient resources that the demo users'
 * {@code fhirUser} point at (docs/demo-accounts.md), and the care team that gives the demo
 * clinicians a treatment relationship with the demo patient. Written with fixed ids, so restarts do not
 * duplicate them; fictitious people only.
 */
@Component
@ConditionalOnProperty(name = "smart.auth.demo", havingValue = "true")
final class DemoFhirResources implements ApplicationListener<ApplicationReadyEvent> {

    private final DaoRegistry daos;

    DemoFhirResources(DaoRegistry daos) {
        this.daos = daos;
    }

    /** In the background: a first write warms up HAPI's write path, about a second not worth delaying readiness for. */
    @Override
    public void onApplicationEvent(ApplicationReadyEvent event) {
        Thread writer = new Thread(this::write, "demo-fhir-resources");
        writer.setDaemon(true);
        writer.start();
    }

    void write() {
        SystemRequestDetails system = new SystemRequestDetails();
        Practitioner physician = practitioner("demo-physician", "Demo", "Physician");
        daos.getResourceDao(Practitioner.class).update(physician, system);
        daos.getResourceDao(Practitioner.class).update(practitioner("demo-nurse", "Demo", "Nurse"), system);
        Patient patient = new Patient();
        patient.setId("demo-patient");
        patient.addName(new HumanName().setFamily("Patient").addGiven("Demo"));
        patient.setGender(Enumerations.AdministrativeGender.UNKNOWN);
        patient.setBirthDateElement(new DateType("1970-01-01"));
        patient.addGeneralPractitioner(new Reference("Practitioner/demo-physician"));
        daos.getResourceDao(Patient.class).update(patient, system);
        // the demo clinicians treat the demo patient (consent's treatment relationship)
        CareTeam team = new CareTeam();
        team.setId("demo-care-team");
        team.setStatus(CareTeam.CareTeamStatus.ACTIVE);
        team.setName("Demo care team");
        team.setSubject(new Reference("Patient/demo-patient"));
        team.addParticipant().setMember(new Reference("Practitioner/demo-physician"));
        team.addParticipant().setMember(new Reference("Practitioner/demo-nurse"));
        daos.getResourceDao(CareTeam.class).update(team, system);
    }

    private static Practitioner practitioner(String id, String given, String family) {
        Practitioner practitioner = new Practitioner();
        practitioner.setId(id);
        practitioner.addName(new HumanName().setFamily(family).addGiven(given));
        return practitioner;
    }
}
