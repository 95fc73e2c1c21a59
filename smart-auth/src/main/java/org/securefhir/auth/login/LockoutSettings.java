package org.securefhir.auth.login;

import java.time.Duration;

/**
 * @param maxFailures failed password or code attempts allowed within {@code window}
 * @param window the sliding window in which failures are counted
 * @param lockDuration how long the name is locked once {@code maxFailures} is reached
 */
public record LockoutSettings(int maxFailures, Duration window, Duration lockDuration) {

    public static final LockoutSettings DEFAULTS =
            new LockoutSettings(5, Duration.ofMinutes(15), Duration.ofMinutes(15));

    public LockoutSettings {
        if (maxFailures < 1 || window.isNegative() || window.isZero() || lockDuration.isNegative()) {
            throw new IllegalArgumentException("Invalid lockout settings");
        }
    }
}
