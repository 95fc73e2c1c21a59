package org.securefhir.auth.event;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes security events to the {@code security} log, one line each, ids and outcomes only. */
public final class LoggingSecurityEventSink implements SecurityEventSink {

    private static final Logger log = LoggerFactory.getLogger("security");

    @Override
    public void record(SecurityEvent event) {
        log.info(
                "event={} user={} subject={} client={} source={} detail={}",
                event.type(),
                clean(event.userId().orElse("-")),
                clean(event.subjectKey().orElse("-")),
                clean(event.clientId().orElse("-")),
                clean(event.sourceAddress().orElse("-")),
                clean(event.detail()));
    }

    /** Fields may hold text a client sent (a client_id): no line breaks or other control characters. */
    static String clean(String value) {
        return value.replaceAll("\\p{Cntrl}", "?");
    }
}
