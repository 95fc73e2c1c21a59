package org.securefhir.auth.user;

import java.util.Arrays;
import java.util.Locale;

/** The roles a user can hold; access rights per role are defined by the authorization policy. */
public enum Role {
    PHYSICIAN("physician"),
    NURSE("nurse"),
    FRONT_DESK("front-desk"),
    BILLING("billing"),
    AUDITOR("auditor"),
    ADMIN("admin"),
    PATIENT("patient");

    private final String code;

    Role(String code) {
        this.code = code;
    }

    /** The code used in storage, tokens and policy files, e.g. {@code front-desk}. */
    public String code() {
        return code;
    }

    public static Role fromCode(String code) {
        String normalized = code.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values())
                .filter(role -> role.code.equals(normalized))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("Unknown role: " + code));
    }
}
