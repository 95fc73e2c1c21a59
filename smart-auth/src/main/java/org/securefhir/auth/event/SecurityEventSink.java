package org.securefhir.auth.event;

/** Where security events go: the log and the durable audit trail ({@link SecurityEventStore}). */
@FunctionalInterface
public interface SecurityEventSink {

    void record(SecurityEvent event);
}
