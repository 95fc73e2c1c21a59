package org.securefhir.auth.admin;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.security.Principal;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.securefhir.auth.event.SecurityEvent;
import org.securefhir.auth.event.SecurityEventSink;
import org.securefhir.auth.mfa.TotpService;
import org.securefhir.auth.password.PasswordRejectedException;
import org.securefhir.auth.token.UserTokens;
import org.securefhir.auth.user.DuplicateUsernameException;
import org.securefhir.auth.user.NewUser;
import org.securefhir.auth.user.Role;
import org.securefhir.auth.user.UserAccount;
import org.securefhir.auth.user.UserAccounts;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * The administration API under {@code /auth/admin}: user accounts (create, disable, enable, reset
 * the second factor) and client registration (RFC 7591 style). Only for a signed-in user with the
 * {@code admin} role whose session passed the second factor (LoginSecurityConfig); state-changing
 * calls need the session's CSRF token in {@code X-CSRF-TOKEN} (from {@code GET /auth/admin/session}).
 * Every change is a security event naming the administrator.
 */
@RestController
final class AdminController {

    private final UserAccounts users;
    private final TotpService totp;
    private final ClientRegistrations registrations;
    private final RegisteredClientRepository clients;
    private final SecurityEventSink events;
    private final Clock clock;
    private final UserTokens tokens;

    AdminController(
            UserAccounts users,
            TotpService totp,
            ClientRegistrations registrations,
            RegisteredClientRepository clients,
            SecurityEventSink events,
            Clock clock,
            UserTokens tokens) {
        this.tokens = tokens;
        this.users = users;
        this.totp = totp;
        this.registrations = registrations;
        this.clients = clients;
        this.events = events;
        this.clock = clock;
    }

    /** Who is signed in, and the CSRF token to send with changes. */
    @GetMapping("/auth/admin/session")
    Map<String, Object> session(Principal principal, CsrfToken csrf) {
        UserAccount admin = users.findById(principal.getName()).orElseThrow();
        Map<String, Object> session = new LinkedHashMap<>();
        session.put("user", describe(admin));
        session.put("csrf", Map.of("header", csrf.getHeaderName(), "token", csrf.getToken()));
        return session;
    }

    record NewUserRequest(
            String username,
            @JsonProperty("display_name") String displayName,
            List<String> roles,
            @JsonProperty("fhir_user") String fhirUser,
            String password) {}

    @PostMapping("/auth/admin/users")
    ResponseEntity<Map<String, Object>> createUser(@RequestBody NewUserRequest request, Principal admin) {
        if (request.username() == null || request.password() == null || request.roles() == null) {
            return error(HttpStatus.BAD_REQUEST, "invalid_request", "username, password and roles are required");
        }
        Optional<Set<Role>> parsed = roles(request.roles());
        if (parsed.isEmpty()) {
            return error(HttpStatus.BAD_REQUEST, "invalid_request", "unknown role");
        }
        Set<Role> roles = parsed.get();
        UserAccount created = users.create(
                new NewUser(
                        request.username(),
                        request.displayName() == null ? request.username() : request.displayName(),
                        Optional.ofNullable(request.fhirUser()),
                        roles),
                request.password());
        record(SecurityEvent.Type.USER_CREATED, admin, created.id(), "roles=" + roleCodes(created));
        record(SecurityEvent.Type.ACCESS_GRANTED, admin, created.id(), grants(created) + " (new user)");
        return ResponseEntity.status(HttpStatus.CREATED).body(describe(created));
    }

    @GetMapping("/auth/admin/users/{id}")
    ResponseEntity<Map<String, Object>> user(@PathVariable String id) {
        return users.findById(id)
                .map(user -> ResponseEntity.ok(describe(user)))
                .orElseGet(() -> error(HttpStatus.NOT_FOUND, "not_found", "no such user"));
    }

    /** Access ends at once: the user's login sessions and every token, on every node. */
    @PostMapping("/auth/admin/users/{id}/disable")
    ResponseEntity<Map<String, Object>> disable(@PathVariable String id, Principal admin) {
        return change(id, admin, user -> users.setEnabled(user.id(), false), "disabled");
    }

    @PostMapping("/auth/admin/users/{id}/enable")
    ResponseEntity<Map<String, Object>> enable(@PathVariable String id, Principal admin) {
        ResponseEntity<Map<String, Object>> answer =
                change(id, admin, user -> users.setEnabled(user.id(), true), "enabled");
        users.findById(id)
                .ifPresent(user -> record(SecurityEvent.Type.ACCESS_GRANTED, admin, id, grants(user) + " (enabled)"));
        return answer;
    }

    /** The user enrolls a new second factor at their next login; sessions and tokens end now. */
    @PostMapping("/auth/admin/users/{id}/reset-mfa")
    ResponseEntity<Map<String, Object>> resetMfa(@PathVariable String id, Principal admin) {
        return change(
                id,
                admin,
                user -> {
                    totp.reset(user.id());
                    users.endSessions(user.id());
                },
                "second factor reset");
    }

    record RolesRequest(
            List<String> roles, @JsonProperty("fhir_user") String fhirUser) {}

    /** Replaces the user's roles and FHIR user; what they held before ends at once. */
    @PostMapping("/auth/admin/users/{id}/roles")
    ResponseEntity<Map<String, Object>> setRoles(
            @PathVariable String id, @RequestBody RolesRequest request, Principal admin) {
        if (request.roles() == null || request.roles().isEmpty()) {
            return error(HttpStatus.BAD_REQUEST, "invalid_request", "roles are required");
        }
        Optional<Set<Role>> parsed = roles(request.roles());
        if (parsed.isEmpty()) {
            return error(HttpStatus.BAD_REQUEST, "invalid_request", "unknown role");
        }
        Set<Role> roles = parsed.get();
        if (users.findById(id).isEmpty()) {
            return error(HttpStatus.NOT_FOUND, "not_found", "no such user");
        }
        UserAccount changed = users.setRoles(id, roles, Optional.ofNullable(request.fhirUser()));
        tokens.revokeAll(id, "roles changed by an administrator");
        record(SecurityEvent.Type.USER_CHANGED, admin, id, "roles=" + roleCodes(changed));
        record(SecurityEvent.Type.ACCESS_GRANTED, admin, id, grants(changed) + " (roles changed)");
        return ResponseEntity.ok(describe(changed));
    }

    /** RFC 7591 client registration (by an administrator, no initial access token). */
    @PostMapping("/auth/admin/clients")
    ResponseEntity<Map<String, Object>> register(@RequestBody ClientRegistrationRequest request, Principal admin) {
        Map<String, Object> registered = registrations.register(request);
        events.record(new SecurityEvent(
                clock.instant(),
                SecurityEvent.Type.CLIENT_REGISTERED,
                Optional.of(admin.getName()),
                Optional.empty(),
                Optional.of((String) registered.get("client_id")),
                Optional.empty(),
                "token_endpoint_auth_method=" + registered.get("token_endpoint_auth_method")));
        events.record(new SecurityEvent(
                clock.instant(),
                SecurityEvent.Type.ACCESS_GRANTED,
                Optional.of(admin.getName()),
                Optional.empty(),
                Optional.of((String) registered.get("client_id")),
                Optional.empty(),
                "client " + registered.get("client_id") + " roles=" + registered.getOrDefault("roles", List.of())
                        + " scope=" + registered.get("scope") + " by administrator " + admin.getName()));
        return ResponseEntity.status(HttpStatus.CREATED).body(registered);
    }

    @GetMapping("/auth/admin/clients/{clientId}")
    ResponseEntity<Map<String, Object>> client(@PathVariable String clientId) {
        RegisteredClient client = clients.findByClientId(clientId);
        return client == null
                ? error(HttpStatus.NOT_FOUND, "not_found", "no such client")
                : ResponseEntity.ok(ClientRegistrations.describe(client));
    }

    @ExceptionHandler(ClientRegistrations.RegistrationException.class)
    ResponseEntity<Map<String, Object>> refused(ClientRegistrations.RegistrationException e) {
        return error(HttpStatus.BAD_REQUEST, e.error(), e.getMessage());
    }

    @ExceptionHandler(PasswordRejectedException.class)
    ResponseEntity<Map<String, Object>> weakPassword(PasswordRejectedException e) {
        return error(HttpStatus.BAD_REQUEST, "invalid_password", String.join("; ", e.violations()));
    }

    @ExceptionHandler(DuplicateUsernameException.class)
    ResponseEntity<Map<String, Object>> duplicate(DuplicateUsernameException e) {
        return error(HttpStatus.CONFLICT, "username_taken", "a user with this name exists");
    }

    @ExceptionHandler(IllegalArgumentException.class)
    ResponseEntity<Map<String, Object>> invalid(IllegalArgumentException e) {
        return error(HttpStatus.BAD_REQUEST, "invalid_request", e.getMessage());
    }

    private ResponseEntity<Map<String, Object>> change(
            String id, Principal admin, java.util.function.Consumer<UserAccount> action, String what) {
        Optional<UserAccount> user = users.findById(id);
        if (user.isEmpty()) {
            return error(HttpStatus.NOT_FOUND, "not_found", "no such user");
        }
        action.accept(user.get());
        tokens.revokeAll(id, what + " by an administrator");
        record(
                what.startsWith("second factor") ? SecurityEvent.Type.MFA_RESET : SecurityEvent.Type.USER_CHANGED,
                admin,
                id,
                what);
        return ResponseEntity.noContent().build();
    }

    private void record(SecurityEvent.Type type, Principal admin, String userId, String detail) {
        events.record(new SecurityEvent(
                clock.instant(),
                type,
                Optional.of(userId),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                detail + " by administrator " + admin.getName()));
    }

    /** The roles named by their codes; empty if one is unknown. */
    private static Optional<Set<Role>> roles(List<String> codes) {
        try {
            return Optional.of(codes.stream().map(Role::fromCode).collect(Collectors.toSet()));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** What a user may do: roles and the FHIR resource they act as (a patient user: whose record). */
    private static String grants(UserAccount user) {
        return "roles=" + roleCodes(user) + " fhirUser=" + user.fhirUser().orElse("-");
    }

    private static Map<String, Object> describe(UserAccount user) {
        Map<String, Object> description = new LinkedHashMap<>();
        description.put("id", user.id());
        description.put("username", user.username());
        description.put("display_name", user.displayName());
        description.put("roles", roleCodes(user));
        description.put("fhir_user", user.fhirUser().orElse(null));
        description.put("enabled", user.enabled());
        return description;
    }

    private static List<String> roleCodes(UserAccount user) {
        return user.roles().stream().map(Role::code).sorted().toList();
    }

    private static ResponseEntity<Map<String, Object>> error(HttpStatus status, String error, String description) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", error);
        body.put("error_description", description);
        return ResponseEntity.status(status).body(body);
    }
}
