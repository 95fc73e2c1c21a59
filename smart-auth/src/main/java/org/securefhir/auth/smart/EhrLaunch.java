package org.securefhir.auth.smart;

import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The context an EHR binds to a launch id: the patient on its screen, optionally the encounter and
 * other resources ({@code fhirContext}), whether the app must show a patient banner, its style sheet,
 * and the app it is meant for.
 */
public record EhrLaunch(
        String patient,
        Optional<String> encounter,
        Optional<String> clientId,
        boolean needPatientBanner,
        Optional<String> smartStyleUrl,
        List<String> fhirContext) {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9\\-.]{1,64}");
    private static final Pattern REFERENCE = Pattern.compile("[A-Z][A-Za-z]{1,63}/[A-Za-z0-9\\-.]{1,64}");

    /** @throws IllegalArgumentException naming what is wrong */
    public EhrLaunch {
        if (patient == null || !ID.matcher(patient).matches()) {
            throw new IllegalArgumentException("patient must be a FHIR id");
        }
        if (encounter.isPresent() && !ID.matcher(encounter.get()).matches()) {
            throw new IllegalArgumentException("encounter must be a FHIR id");
        }
        smartStyleUrl.ifPresent(url -> {
            URI uri;
            try {
                uri = URI.create(url);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("smart_style_url is not a URL");
            }
            if (!"https".equals(uri.getScheme()) || uri.getHost() == null || url.length() > 500) {
                throw new IllegalArgumentException("smart_style_url must be an https URL");
            }
        });
        fhirContext = List.copyOf(fhirContext);
        if (fhirContext.size() > 20) {
            throw new IllegalArgumentException("at most 20 fhirContext references");
        }
        for (String reference : fhirContext) {
            if (!REFERENCE.matcher(reference).matches()) {
                throw new IllegalArgumentException("fhirContext entries must be relative references (Type/id)");
            }
        }
    }
}
