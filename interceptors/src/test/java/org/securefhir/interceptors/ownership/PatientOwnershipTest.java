package org.securefhir.interceptors.ownership;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.Device;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Task;
import org.junit.jupiter.api.Test;
import org.securefhir.interceptors.ownership.PatientOwnership.Kind;

class PatientOwnershipTest {

    private final PatientOwnership ownership = new PatientOwnership(FhirContext.forR4Cached());

    @Test
    void whenTaskNamesAPatientThenItBelongsToThemAlthoughR4LeavesTaskOutOfTheCompartment() {
        Task task = new Task();
        task.setFor(new Reference("Patient/a"));
        task.setOwner(new Reference("Practitioner/p"));

        assertThat(ownership.kind("Task")).isEqualTo(Kind.PATIENT_DATA);
        assertThat(ownership.owners(task)).isEqualTo(new PatientOwnership.Owners(true, Set.of("a")));
        assertThat(ownership.narrowingParameter("Task")).contains("patient");
    }

    @Test
    void whenDeviceIsImplantedThenItBelongsToThePatient() {
        Device device = new Device();
        device.setPatient(new Reference("Patient/b"));

        assertThat(ownership.patients(device)).containsExactly("b");
        assertThat(ownership.patients(new Device())).isEmpty();
    }

    @Test
    void whenBinaryHasPatientSecurityContextThenItsOwnerElseUndecided() {
        Binary own = new Binary();
        own.setSecurityContext(new Reference("Patient/c"));
        Binary other = new Binary();
        other.setSecurityContext(new Reference("DocumentReference/d"));

        assertThat(ownership.owners(own)).isEqualTo(new PatientOwnership.Owners(true, Set.of("c")));
        assertThat(ownership.owners(other).decided()).isFalse();
        assertThat(ownership.owners(new Binary()).decided()).isFalse();
    }

    @Test
    void whenTheOnlyPatientIsContainedThenTheOwnerIsUndecided() {
        Observation apgar =
                (Observation) FhirContext.forR4Cached().newJsonParser().parseResource("""
                        {"resourceType":"Observation","id":"apgar","status":"final",
                         "contained":[{"resourceType":"Patient","id":"newborn"}],
                         "code":{"text":"Apgar score"},"subject":{"reference":"#newborn"}}""");
        Observation alsoIdentified = apgar.copy();
        alsoIdentified.addPerformer(new Reference("Patient/mother"));

        assertThat(ownership.owners(apgar)).isEqualTo(new PatientOwnership.Owners(false, Set.of()));
        assertThat(ownership.owners(alsoIdentified)).isEqualTo(new PatientOwnership.Owners(true, Set.of("mother")));
    }

    @Test
    void whenResourceNamesSeveralPatientsThenAllOwnIt() {
        Provenance provenance = new Provenance();
        provenance.addTarget(new Reference("Patient/a"));
        provenance.addTarget(new Reference("Observation/o"));
        provenance.addTarget(new Reference("Patient/b"));
        DocumentReference document = new DocumentReference();
        document.setSubject(new Reference("Patient/a"));
        document.addAuthor(new Reference("Patient/b"));

        assertThat(ownership.patients(provenance)).containsExactlyInAnyOrder("a", "b");
        assertThat(ownership.patients(document)).containsExactlyInAnyOrder("a", "b");
    }

    @Test
    void whenPatientOrDirectoryThenItselfOrNobody() {
        Patient patient = new Patient();
        patient.setId("p1");
        Observation byPractitioner = new Observation();
        byPractitioner.addPerformer(new Reference("Practitioner/x"));

        assertThat(ownership.patients(patient)).containsExactly("p1");
        assertThat(ownership.owners(new Practitioner())).isEqualTo(new PatientOwnership.Owners(true, Set.of()));
        assertThat(ownership.patients(byPractitioner)).isEmpty();
        assertThat(ownership.kind("Basic")).isEqualTo(Kind.PATIENT_DATA);
        assertThat(ownership.kind("Linkage")).isEqualTo(Kind.UNDECIDED);
    }

    @Test
    void whenTypeIsServedByTheShippedPolicyThenTheTableDecidesIt() throws Exception {
        Map<?, ?> policy;
        try (InputStream in = getClass().getResourceAsStream("/access-policy.yaml")) {
            policy = new com.fasterxml.jackson.databind.ObjectMapper(
                            new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
                    .readValue(in, Map.class);
        }
        Map<?, ?> groups = new java.util.HashMap<>((Map<?, ?>) policy.get("groups"));
        // the one group no role is granted: only a role granted every type reaches it
        assertThat(groups.remove("integration-only")).isNotNull();
        for (Object members : groups.values()) {
            for (Object type : (List<?>) members) {
                assertThat(ownership.kind((String) type)).as((String) type).isNotEqualTo(Kind.UNDECIDED);
            }
        }
    }
}
