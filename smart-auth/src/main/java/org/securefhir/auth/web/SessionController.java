package org.securefhir.auth.web;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;
import java.security.Principal;
import java.time.Clock;
import java.util.Optional;
import org.securefhir.auth.event.SecurityEvent;
import org.securefhir.auth.event.SecurityEventSink;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The login session as seen by a first-party browser app on this origin (the clinician app): it keeps
 * the session alive while its user is active ({@code GET}: 204, or 401 once the session has ended),
 * and ends it when the user signs out or is logged off for inactivity ({@code DELETE}), which also
 * revokes the user's {@code online_access} refresh tokens. The {@code DELETE} carries no CSRF token;
 * it must carry {@code X-Requested-With}, a header no other origin can send here without a CORS
 * preflight, which this chain never grants.
 */
@RestController
final class SessionController {

    static final String APP_HEADER = "X-Requested-With";

    private final SecurityEventSink events;
    private final Clock clock;

    SessionController(SecurityEventSink events, Clock clock) {
        this.events = events;
        this.clock = clock;
    }

    @GetMapping("/auth/session")
    ResponseEntity<Void> touch() {
        return ResponseEntity.noContent().cacheControl(CacheControl.noStore()).build();
    }

    @DeleteMapping("/auth/session")
    ResponseEntity<Void> end(HttpServletRequest request, Principal principal) {
        String header = request.getHeader(APP_HEADER);
        if (header == null || header.isBlank()) {
            return ResponseEntity.status(HttpStatus.FORBIDDEN).build();
        }
        events.record(new SecurityEvent(
                clock.instant(),
                SecurityEvent.Type.LOGOUT,
                Optional.of(principal.getName()),
                Optional.empty(),
                Optional.empty(),
                Optional.ofNullable(request.getRemoteAddr()),
                "session ended by the app"));
        HttpSession session = request.getSession(false);
        if (session != null) {
            session.invalidate();
        }
        SecurityContextHolder.clearContext();
        return ResponseEntity.noContent().cacheControl(CacheControl.noStore()).build();
    }
}
