package org.securefhir.auth.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.mock.web.MockHttpSession;

class SessionLifetimeFilterTest {

    private final Instant created = Instant.parse("2026-11-25T06:00:00Z");

    @Test
    void filterWhenSessionOlderThanLifetimeThenInvalidated() throws Exception {
        MockHttpSession session = sessionCreatedAt(created);

        filterAt(created.plus(Duration.ofHours(12)).plusSeconds(1), session);

        assertThat(session.isInvalid()).isTrue();
    }

    @Test
    void filterWhenSessionYoungerThanLifetimeThenKept() throws Exception {
        MockHttpSession session = sessionCreatedAt(created);

        filterAt(created.plus(Duration.ofHours(11)), session);

        assertThat(session.isInvalid()).isFalse();
    }

    private void filterAt(Instant now, MockHttpSession session) throws Exception {
        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/auth/account");
        request.setSession(session);
        new SessionLifetimeFilter(Duration.ofHours(12), Clock.fixed(now, ZoneOffset.UTC))
                .doFilter(request, new MockHttpServletResponse(), new MockFilterChain());
    }

    private static MockHttpSession sessionCreatedAt(Instant created) {
        return new MockHttpSession() {
            @Override
            public long getCreationTime() {
                return created.toEpochMilli();
            }
        };
    }
}
