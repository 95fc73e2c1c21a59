package org.securefhir.auth.password;

/**
 * Tunable parts of the {@link PasswordPolicy}. NIST SP 800-63B advises against composition rules,
 * so they are off by default; some hospital policies still require them.
 *
 * @param minLength minimum length in characters (at least 8; 12 by default)
 * @param maxLength maximum length, to bound hashing cost (at least 64)
 * @param history how many previous passwords may not be reused
 */
public record PasswordPolicySettings(
        int minLength,
        int maxLength,
        int history,
        boolean requireMixedCase,
        boolean requireDigit,
        boolean requireSymbol) {

    public static final PasswordPolicySettings DEFAULTS = new PasswordPolicySettings(12, 128, 5, false, false, false);

    public PasswordPolicySettings {
        if (minLength < 8) {
            throw new IllegalArgumentException("minLength must be at least 8");
        }
        if (maxLength < 64 || maxLength < minLength) {
            throw new IllegalArgumentException("maxLength must be at least 64 and at least minLength");
        }
        if (history < 0) {
            throw new IllegalArgumentException("history must not be negative");
        }
    }
}
