package org.securefhir.auth.event;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LoggingSecurityEventSinkTest {

    @Test
    void cleanWhenClientSentLineBreaksThenNoForgedLogLine() {
        String forged = "evil\r\n2026-01-01 INFO security : event=LOGIN_SUCCESS user=admin";

        String logged = LoggingSecurityEventSink.clean(forged);

        assertThat(logged).doesNotContain("\n").doesNotContain("\r").startsWith("evil??");
    }
}
