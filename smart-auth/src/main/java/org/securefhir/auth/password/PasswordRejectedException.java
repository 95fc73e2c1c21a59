package org.securefhir.auth.password;

import java.util.List;

/** A new password broke the {@link PasswordPolicy}; the message lists every rule it broke. */
public final class PasswordRejectedException extends RuntimeException {

    private final List<String> violations;

    public PasswordRejectedException(List<String> violations) {
        super("Password " + String.join("; ", violations));
        this.violations = List.copyOf(violations);
    }

    public List<String> violations() {
        return violations;
    }
}
