package org.securefhir.auth.admin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.Set;
import org.securefhir.auth.config.SmartAuthProperties;
import org.securefhir.auth.event.SecurityEvent;
import org.securefhir.auth.event.SecurityEventSink;
import org.securefhir.auth.user.NewUser;
import org.securefhir.auth.user.Role;
import org.securefhir.auth.user.UserAccount;
import org.securefhir.auth.user.UserAccounts;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the first administrator of a new installation: when {@code
 * smart.auth.bootstrap-admin.username} and {@code .password-file} are set and no enabled
 * administrator exists yet. The password is read from a file (not a command-line argument or an
 * environment variable, which other processes can read) and goes through the password policy; the
 * administrator enrolls a second factor at the first login like everyone else. Once an
 * administrator exists the settings are ignored, so they can stay in place.
 */
public final class BootstrapAdmin {

    private static final Logger log = LoggerFactory.getLogger(BootstrapAdmin.class);

    private final UserAccounts users;
    private final SecurityEventSink events;
    private final Clock clock;

    public BootstrapAdmin(UserAccounts users, SecurityEventSink events, Clock clock) {
        this.users = users;
        this.events = events;
        this.clock = clock;
    }

    /** @return the created administrator, or empty when nothing was to be done */
    public Optional<UserAccount> run(SmartAuthProperties.BootstrapAdmin settings) {
        if (settings.username().isBlank() || settings.passwordFile().isBlank()) {
            return Optional.empty();
        }
        if (users.anyEnabledWithRole(Role.ADMIN)) {
            return Optional.empty();
        }
        String password;
        try {
            password = Files.readString(Path.of(settings.passwordFile()), StandardCharsets.UTF_8)
                    .strip();
        } catch (IOException e) {
            throw new IllegalStateException(
                    "smart.auth.bootstrap-admin.password-file cannot be read: " + settings.passwordFile(), e);
        }
        UserAccount admin = users.findByUsername(settings.username())
                .orElseGet(() -> users.create(
                        new NewUser(settings.username(), "Administrator", Optional.empty(), Set.of(Role.ADMIN)),
                        password));
        events.record(new SecurityEvent(
                clock.instant(),
                SecurityEvent.Type.USER_CREATED,
                Optional.of(admin.id()),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                "bootstrap administrator"));
        log.warn("Created the first administrator account from smart.auth.bootstrap-admin; it enrolls a second"
                + " factor at its first login. Remove the password file.");
        return Optional.of(admin);
    }
}
