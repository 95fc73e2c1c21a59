package org.securefhir.consent;

import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * The contained resources of a resource as they were written, which consent judges with their
 * container: the store may keep them sealed until the response is decrypted, after consent has
 * judged it (the server's field encryption opens copies of them here).
 */
@FunctionalInterface
public interface ContainedResources {

    List<? extends IBaseResource> of(IBaseResource resource);
}
