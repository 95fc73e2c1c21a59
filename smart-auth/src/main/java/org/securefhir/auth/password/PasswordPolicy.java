package org.securefhir.auth.password;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.springframework.security.crypto.password.PasswordEncoder;

/**
 * Rules for a new password, after NIST SP 800-63B §5.1.1.2: a minimum length (12 by default), no
 * password from the common/breached list, none that contains the user name, none of the user's
 * last passwords, and optional composition rules for sites whose policy demands them.
 */
public final class PasswordPolicy {

    private final PasswordPolicySettings settings;
    private final CommonPasswords commonPasswords;
    private final PasswordEncoder encoder;

    public PasswordPolicy(PasswordPolicySettings settings, CommonPasswords commonPasswords, PasswordEncoder encoder) {
        this.settings = settings;
        this.commonPasswords = commonPasswords;
        this.encoder = encoder;
    }

    /**
     * @param previousHashes the user's most recent password hashes, newest first
     * @return the rules the password breaks, empty when it is acceptable
     */
    public List<String> violations(CharSequence password, String username, List<String> previousHashes) {
        List<String> violations = new ArrayList<>();
        int length = password.codePoints().toArray().length;
        if (length < settings.minLength()) {
            violations.add("must be at least " + settings.minLength() + " characters long");
        }
        if (length > settings.maxLength()) {
            violations.add("must be at most " + settings.maxLength() + " characters long");
        }
        if (commonPasswords.contains(password)) {
            violations.add("is a commonly used or breached password");
        }
        if (username != null
                && username.length() >= 3
                && password.toString().toLowerCase(Locale.ROOT).contains(username.toLowerCase(Locale.ROOT))) {
            violations.add("must not contain the user name");
        }
        if (settings.requireMixedCase()
                && (password.chars().noneMatch(Character::isUpperCase)
                        || password.chars().noneMatch(Character::isLowerCase))) {
            violations.add("must contain upper- and lower-case letters");
        }
        if (settings.requireDigit() && password.chars().noneMatch(Character::isDigit)) {
            violations.add("must contain a digit");
        }
        if (settings.requireSymbol() && password.chars().allMatch(Character::isLetterOrDigit)) {
            violations.add("must contain a symbol");
        }
        previousHashes.stream()
                .limit(settings.history())
                .filter(hash -> encoder.matches(password, hash))
                .findFirst()
                .ifPresent(reused -> violations.add("must differ from the last " + settings.history() + " passwords"));
        return violations;
    }
}
