package org.securefhir.auth.event;

/** Where security events go. The audit module persists them; until then they are logged. */
@FunctionalInterface
public interface SecurityEventSink {

    void record(SecurityEvent event);
}
