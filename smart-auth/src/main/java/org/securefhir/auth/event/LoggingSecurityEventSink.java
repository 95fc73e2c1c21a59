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
                event.userId().orElse("-"),
                event.subjectKey().orElse("-"),
                event.clientId().orElse("-"),
                event.sourceAddress().orElse("-"),
                event.detail());
    }
}
