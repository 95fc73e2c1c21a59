package org.securefhir.server.fhir;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.StringParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;
import org.securefhir.auth.smart.PatientDirectory;
import org.securefhir.interceptors.encryption.BlindIndex;
import org.securefhir.server.consent.LaunchablePatients;
import org.securefhir.server.encryption.EncryptionConfig.FhirEncryption;
import org.springframework.stereotype.Component;

/**
 * The authorization server's patient picker reads the FHIR server's own Patient records through
 * HAPI's storage (co-hosted mode). Searches are by name, like {@code Patient?name=}, and limited.
 */
@Component
final class HapiPatientDirectory implements PatientDirectory {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9\\-.]{1,64}");

    private final DaoRegistry daos;
    private final FhirEncryption encryption;
    private final LaunchablePatients launchable;

    HapiPatientDirectory(DaoRegistry daos, FhirEncryption encryption, LaunchablePatients launchable) {
        this.daos = daos;
        this.encryption = encryption;
        this.launchable = launchable;
    }

    @Override
    public boolean offers(String userId, Optional<String> fhirUser, Set<String> roles, String patientId) {
        return launchable.offers(userId, fhirUser, roles, patientId);
    }

    /** By name; with field encryption, an exact match of a name part through the blind index. */
    @Override
    public List<PatientChoice> search(String name, int limit) {
        Map<String, String[]> parameters = encryption.searchParameters("Patient", Map.of("name", new String[] {name}));
        SearchParameterMap query = new SearchParameterMap();
        query.setLoadSynchronous(true);
        String[] blind = parameters.get(BlindIndex.SEARCH_PARAMETER);
        if (blind != null) {
            String[] token = blind[0].split("\\|", 2);
            query.add(BlindIndex.SEARCH_PARAMETER, new TokenParam(token[0], token[1]));
        } else {
            query.add("name", new StringParam(name));
        }
        query.setCount(limit);
        IBundleProvider results = patients().search(query, new SystemRequestDetails());
        return results.getResources(0, limit).stream()
                .map(Patient.class::cast)
                .peek(encryption::open)
                .map(HapiPatientDirectory::choice)
                .toList();
    }

    @Override
    public Optional<PatientChoice> find(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            return Optional.empty();
        }
        try {
            Patient patient = patients().read(new IdType("Patient", id), new SystemRequestDetails());
            encryption.open(patient);
            return Optional.of(choice(patient));
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
