package org.securefhir.consent;

import java.util.List;

/** Where a patient's active Consents come from (the FHIR store, behind a node-local cache). */
@FunctionalInterface
public interface ConsentDirectiveSource {

    /** The patient's Consents with status {@code active} (any period: the policy judges periods). */
    List<ConsentDirective> active(String patient);
}
