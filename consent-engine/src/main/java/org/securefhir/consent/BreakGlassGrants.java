package org.securefhir.consent;

import java.time.Instant;
import java.util.Set;

/** The break-glass declarations in force, as the consent engine asks for them. */
@FunctionalInterface
public interface BreakGlassGrants {

    /** The ids of the patients the user has declared break-glass for and that have not expired at {@code now}. */
    Set<String> patients(String userId, Instant now);
}
