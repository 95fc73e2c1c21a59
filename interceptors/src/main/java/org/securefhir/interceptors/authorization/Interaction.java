package org.securefhir.interceptors.authorization;

import java.util.Arrays;
import java.util.Set;
import org.securefhir.smart.SmartScope.Permission;

/**
 * The FHIR RESTful interactions an access policy grants per resource type (<a
 * href="https://hl7.org/fhir/R4/http.html">FHIR R4 §3.1</a>), and the SMART v2 permission that
 * must also be granted for each (<a
 * href="https://hl7.org/fhir/smart-app-launch/STU2.2/scopes-and-launch-context.html#scopes-for-requesting-fhir-resources">SMART
 * App Launch 2.2 §3.1</a>): {@code r} read and vread, {@code s} search, {@code r} or {@code s}
 * history, {@code c} create, {@code u} update and patch, {@code d} delete.
 */
public enum Interaction {
    READ("read", Permission.READ),
    VREAD("vread", Permission.READ),
    SEARCH("search", Permission.SEARCH),
    HISTORY("history", Permission.READ, Permission.SEARCH),
    CREATE("create", Permission.CREATE),
    UPDATE("update", Permission.UPDATE),
    PATCH("patch", Permission.UPDATE),
    DELETE("delete", Permission.DELETE);

    private final String code;
    private final Set<Permission> coveredBy;

    Interaction(String code, Permission... coveredBy) {
        this.code = code;
        this.coveredBy = Set.of(coveredBy);
    }

    /** The code used in policy files, e.g. {@code vread}. */
    public String code() {
        return code;
    }

    /** Whether a scope with these permissions covers this interaction. */
    boolean coveredBy(Set<Permission> permissions) {
        return permissions.stream().anyMatch(coveredBy::contains);
    }

    /** Whether the interaction only reads (and so is also checked on what a response shows). */
    boolean isRead() {
        return this == READ || this == VREAD || this == SEARCH || this == HISTORY;
    }

    static Interaction fromCode(String code) {
        return Arrays.stream(values())
                .filter(interaction -> interaction.code.equals(code))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown interaction '" + code + "' (one of "
                        + Arrays.stream(values()).map(Interaction::code).toList() + ")"));
    }
}
