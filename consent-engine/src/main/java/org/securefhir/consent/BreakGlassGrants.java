package org.securefhir.consent;

import java.time.Instant;
import java.util.Map;

/** The break-glass declarations in force, as the consent engine asks for them. */
@FunctionalInterface
public interface BreakGlassGrants {

    /**
     * The user's declarations in force at {@code now}: per patient id, how the audit trail names
     * the declaration ({@code declaration <id> <reason-code>}).
     */
    Map<String, String> declarations(String userId, Instant now);
}
