package org.securefhir.auth.web;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.securefhir.auth.event.SecurityEvent;
import org.securefhir.auth.event.SecurityEventSink;
import org.securefhir.auth.smart.EhrLaunch;
import org.securefhir.auth.smart.EhrLaunches;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.oauth2.core.OAuth2AccessToken;
import org.springframework.security.oauth2.server.authorization.OAuth2Authorization;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * The EHR side of an EHR launch (SMART App Launch 2.2 "launch-ehr"): an EHR system, holding an access
 * token of a backend-service client with the {@value #SCOPE} scope, mints a launch id bound to the
 * patient (and encounter, further context) on its screen, and opens the app with {@code
 * ?iss=<fhir base>&launch=<id>}. Also serves this server's default SMART style sheet.
 */
@RestController
final class EhrLaunchController {

    static final String SCOPE = "ehr_launch";

    /** SMART App Launch "Styling" (§2.0.10): the look of the host, for apps to blend in. */
    static final Map<String, String> STYLE = Map.ofEntries(
            Map.entry("color_background", "#f7f7f5"),
            Map.entry("color_error", "#9e2d2d"),
            Map.entry("color_highlight", "#1f5f8b"),
            Map.entry("color_modal_backdrop", "rgba(0, 0, 0, 0.4)"),
            Map.entry("color_success", "#2f7d32"),
            Map.entry("color_text", "#222222"),
            Map.entry("dim_border_radius", "4px"),
            Map.entry("dim_font_size", "15px"),
            Map.entry("dim_spacing_size", "16px"),
            Map.entry("font_family_body", "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"),
            Map.entry("font_family_heading", "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"));

    private final OAuth2AuthorizationService authorizations;
    private final RegisteredClientRepository clients;
    private final EhrLaunches launches;
    private final SecurityEventSink events;
    private final Clock clock;

    EhrLaunchController(
            OAuth2AuthorizationService authorizations,
            RegisteredClientRepository clients,
            EhrLaunches launches,
            SecurityEventSink events,
            Clock clock) {
        this.authorizations = authorizations;
        this.clients = clients;
        this.launches = launches;
        this.events = events;
        this.clock = clock;
    }

    record LaunchRequest(
            String patient,
            String encounter,
            @JsonProperty("client_id") String clientId,
            @JsonProperty("need_patient_banner") Boolean needPatientBanner,
            @JsonProperty("smart_style_url") String smartStyleUrl,
            List<String> fhirContext) {}

    @PostMapping(path = "/auth/launch", produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Map<String, Object>> mint(@RequestBody LaunchRequest request, HttpServletRequest http) {
        Optional<RegisteredClient> ehr = ehr(http.getHeader(HttpHeaders.AUTHORIZATION));
        if (ehr.isEmpty()) {
            return ResponseEntity.status(HttpStatus.UNAUTHORIZED)
                    .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer error=\"invalid_token\", scope=\"" + SCOPE + "\"")
                    .body(error("invalid_token", "a valid access token with the " + SCOPE + " scope is required"));
        }
        EhrLaunch launch;
        try {
            if (request.clientId() != null && clients.findByClientId(request.clientId()) == null) {
                throw new IllegalArgumentException("client_id is not a registered app");
            }
            launch = new EhrLaunch(
                    request.patient(),
                    Optional.ofNullable(request.encounter()),
                    Optional.ofNullable(request.clientId()),
                    Boolean.TRUE.equals(request.needPatientBanner()),
                    Optional.ofNullable(request.smartStyleUrl()),
                    request.fhirContext() == null ? List.of() : request.fhirContext());
        } catch (IllegalArgumentException e) {
            return ResponseEntity.badRequest().body(error("invalid_request", e.getMessage()));
        }
        String id = launches.create(launch, ehr.get().getClientId());
        events.record(new SecurityEvent(
                clock.instant(),
                SecurityEvent.Type.LAUNCH_CREATED,
                Optional.empty(),
                Optional.empty(),
                Optional.of(ehr.get().getClientId()),
                Optional.of(http.getRemoteAddr()),
                "EHR launch context created"
                        + launch.clientId().map(app -> " for " + app).orElse("")));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("launch", id);
        body.put("expires_in", EhrLaunches.LIFETIME.toSeconds());
        return ResponseEntity.status(HttpStatus.CREATED)
                .header(HttpHeaders.CACHE_CONTROL, "no-store")
                .body(body);
    }

    @GetMapping(path = "/auth/smart-style.json", produces = MediaType.APPLICATION_JSON_VALUE)
    Map<String, String> style() {
        return STYLE;
    }

    /** The EHR's client, when the bearer token is one of ours, active, and carries the scope. */
    private Optional<RegisteredClient> ehr(String header) {
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        OAuth2Authorization authorization =
                authorizations.findByToken(header.substring(7).trim(), OAuth2TokenType.ACCESS_TOKEN);
        if (authorization == null) {
            return Optional.empty();
        }
        OAuth2Authorization.Token<OAuth2AccessToken> token = authorization.getAccessToken();
        if (token == null || !token.isActive() || !token.getToken().getScopes().contains(SCOPE)) {
            return Optional.empty();
        }
        return Optional.ofNullable(clients.findById(authorization.getRegisteredClientId()));
    }

    private static Map<String, Object> error(String error, String description) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", error);
        body.put("error_description", description);
        return body;
    }
}
