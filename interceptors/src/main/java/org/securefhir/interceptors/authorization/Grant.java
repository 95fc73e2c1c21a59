package org.securefhir.interceptors.authorization;

import java.util.Optional;

/**
 * One effective permission of a request: an interaction on a resource type ({@code *} = every
 * type), possibly pinned to one patient's compartment and restricted by a granular-scope filter.
 *
 * @param compartment the id of the patient whose compartment the grant is limited to
 * @param filter a FHIR search expression the resources must match (from a granular SMART scope,
 *     e.g. {@code category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory})
 */
public record Grant(
        String resourceType, Interaction interaction, Optional<String> compartment, Optional<String> filter) {

    boolean appliesTo(String type) {
        return resourceType.equals("*") || resourceType.equals(type);
    }
}
