package org.securefhir.consent;

import ca.uhn.fhir.rest.api.server.IPreResourceAccessDetails;
import java.util.List;
import java.util.Optional;

/**
 * What the storage's indexes tell about the resources a search has found, before they are loaded.
 * A search is judged when its matches are found, so that withheld resources are left out of the
 * result set itself (full pages, nothing to infer from a short one); judging the loaded resources
 * there instead makes HAPI load and parse every match twice. The loaded resources are judged
 * again, from their content, before they are shown.
 */
public interface FoundResources {

    /**
     * The facts of each found resource, in the order of {@code details}; empty when they cannot all
     * be told from the indexes (the resources are then loaded and judged from their content).
     */
    Optional<List<Found>> facts(IPreResourceAccessDetails details);

    /**
     * A found resource: its facts and its current version.
     *
     * @param facts type, id, security labels, the patients whose compartment holds it, its references
     * @param version the version found (the one that will be shown)
     */
    record Found(ResourceFacts facts, String version) {}
}
