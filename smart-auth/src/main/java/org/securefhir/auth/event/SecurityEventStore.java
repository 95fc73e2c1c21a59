package org.securefhir.auth.event;

/**
 * A durable destination of security events (the audit trail), written after the log; a failure
 * propagates, so an event that cannot be recorded fails its operation (fail closed).
 */
@FunctionalInterface
public interface SecurityEventStore {

    void store(SecurityEvent event);
}
