package org.securefhir.server.fhir;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.StringParam;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;
import org.securefhir.auth.smart.PatientDirectory;
import org.springframework.stereotype.Component;

/**
 * The authorization server's patient picker reads the FHIR server's own Patient records through
 * HAPI's storage (co-hosted mode). Searches are by name, like {@code Patient?name=}, and limited.
 */
@Component
final class HapiPatientDirectory implements PatientDirectory {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9\\-.]{1,64}");

    private final DaoRegistry daos;

    HapiPatientDirectory(DaoRegistry daos) {
        this.daos = daos;
    }

    @Override
    public List<PatientChoice> search(String name, int limit) {
        SearchParameterMap query = SearchParameterMap.newSynchronous("name", new StringParam(name));
        query.setCount(limit);
        IBundleProvider results = patients().search(query, new SystemRequestDetails());
        return results.getResources(0, limit).stream()
                .map(Patient.class::cast)
                .map(HapiPatientDirectory::choice)
                .toList();
    }

    @Override
    public Optional<PatientChoice> find(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(choice(patients().read(new IdType("Patient", id), new SystemRequestDetails())));
        } catch (ResourceNotFoundException | ResourceGoneException e) {
            return Optional.empty();
        }
    }

    private IFhirResourceDao<Patient> patients() {
        return daos.getResourceDao(Patient.class);
    }

    private static PatientChoice choice(Patient patient) {
        String name = patient.hasName() ? patient.getNameFirstRep().getNameAsSingleString() : "(no name)";
        return new PatientChoice(
                patient.getIdElement().getIdPart(),
                name,
                patient.hasBirthDate() ? patient.getBirthDateElement().getValueAsString() : "");
    }
}
