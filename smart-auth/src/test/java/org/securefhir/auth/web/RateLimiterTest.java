package org.securefhir.auth.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.securefhir.auth.support.TestClock;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

class RateLimiterTest {

    private final TestClock clock = new TestClock(Instant.parse("2026-11-25T10:00:00Z"));

    @Test
    void tryAcquireWhenBurstSpentThenRefusedUntilRefilled() {
        RateLimiter limiter = new RateLimiter(60, 3, clock);

        assertThat(limiter.tryAcquire("10.0.0.1")).isTrue();
        assertThat(limiter.tryAcquire("10.0.0.1")).isTrue();
        assertThat(limiter.tryAcquire("10.0.0.1")).isTrue();
        assertThat(limiter.tryAcquire("10.0.0.1")).isFalse();

        clock.advance(java.time.Duration.ofSeconds(1));
        assertThat(limiter.tryAcquire("10.0.0.1")).isTrue();
        assertThat(limiter.tryAcquire("10.0.0.1")).isFalse();
    }

    @Test
    void tryAcquireWhenOtherAddressThenOwnBucket() {
        RateLimiter limiter = new RateLimiter(60, 1, clock);

        assertThat(limiter.tryAcquire("10.0.0.1")).isTrue();
        assertThat(limiter.tryAcquire("10.0.0.2")).isTrue();
        assertThat(limiter.tryAcquire("10.0.0.1")).isFalse();
    }

    @Test
    void filterWhenOverLimitThen429WithRetryAfterAndChainNotCalled() throws Exception {
        RateLimitFilter filter = new RateLimitFilter(new RateLimiter(60, 1, clock), java.util.Set.of("/auth/login"));
        filter.doFilter(post("/auth/login"), new MockHttpServletResponse(), new MockFilterChain());

        MockHttpServletResponse response = new MockHttpServletResponse();
        MockFilterChain chain = new MockFilterChain();
        filter.doFilter(post("/auth/login"), response, chain);

        assertThat(response.getStatus()).isEqualTo(429);
        assertThat(response.getHeader("Retry-After")).isEqualTo("60");
        assertThat(chain.getRequest()).isNull();
    }

    @Test
    void filterWhenOtherPathOrGetThenNotLimited() throws Exception {
        RateLimitFilter filter = new RateLimitFilter(new RateLimiter(60, 1, clock), java.util.Set.of("/auth/login"));

        for (int i = 0; i < 3; i++) {
            MockHttpServletResponse response = new MockHttpServletResponse();
            filter.doFilter(new MockHttpServletRequest("GET", "/auth/login"), response, new MockFilterChain());
            assertThat(response.getStatus()).isEqualTo(200);
        }
    }

    private static MockHttpServletRequest post(String path) {
        MockHttpServletRequest request = new MockHttpServletRequest("POST", path);
        request.setRemoteAddr("10.0.0.9");
        return request;
    }
}
