package org.securefhir.server.fhir;

import java.util.regex.Pattern;

/**
 * The syntax of a FHIR logical id and version id: 1 to 64 characters of {@code A-Z a-z 0-9 - .}
 * (<a href="https://hl7.org/fhir/R4/datatypes.html#id">FHIR R4 §2.24.0.1 id</a>).
 */
public final class ResourceIdSyntax {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9\\-.]{1,64}");

    private ResourceIdSyntax() {}

    public static boolean isValid(String id) {
        return id != null && ID.matcher(id).matches();
    }
}
