package org.securefhir.auth.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.securefhir.auth.config.SmartAuthProperties;
import org.securefhir.auth.event.SecurityEvent;
import org.securefhir.auth.password.PasswordRejectedException;
import org.securefhir.auth.support.TestDatabase;
import org.securefhir.auth.support.TestUsers;
import org.securefhir.auth.user.Role;
import org.securefhir.auth.user.UserAccount;
import org.securefhir.auth.user.UserAccounts;

class BootstrapAdminIT {

    private final UserAccounts accounts = TestUsers.accounts(Clock.systemUTC());
    private final List<SecurityEvent> events = new ArrayList<>();
    private final BootstrapAdmin bootstrap = new BootstrapAdmin(accounts, events::add, Clock.systemUTC());

    @TempDir
    Path dir;

    @Test
    void runWhenNoAdministratorYetThenCreatedOnceFromThePasswordFile() throws Exception {
        noEnabledAdministrators();
        Path passwordFile = Files.writeString(dir.resolve("admin-password"), "the first administrator's passphrase\n");
        String username = "root-" + UUID.randomUUID().toString().substring(0, 8);

        UserAccount admin = bootstrap
                .run(new SmartAuthProperties.BootstrapAdmin(username, passwordFile.toString()))
                .orElseThrow();

        assertThat(admin.roles()).containsExactly(Role.ADMIN);
        assertThat(accounts.anyEnabledWithRole(Role.ADMIN)).isTrue();
        assertThat(events).extracting(SecurityEvent::type).containsExactly(SecurityEvent.Type.USER_CREATED);
        // an administrator exists now: a second start does nothing
        assertThat(bootstrap.run(new SmartAuthProperties.BootstrapAdmin("someone-else", passwordFile.toString())))
                .isEmpty();
    }

    @Test
    void runWhenPasswordWeakThenRefused() throws Exception {
        noEnabledAdministrators();
        Path passwordFile = Files.writeString(dir.resolve("admin-password"), "password1");

        assertThatThrownBy(() -> bootstrap.run(new SmartAuthProperties.BootstrapAdmin(
                        "root-" + UUID.randomUUID().toString().substring(0, 8), passwordFile.toString())))
                .isInstanceOf(PasswordRejectedException.class);
    }

    @Test
    void runWhenNotConfiguredThenNothing() {
        assertThat(bootstrap.run(new SmartAuthProperties.BootstrapAdmin("", "")))
                .isEmpty();
    }

    private static void noEnabledAdministrators() {
        TestDatabase.jdbc()
                .update("UPDATE smart_auth.user_account SET enabled = false"
                        + " WHERE id IN (SELECT user_id FROM smart_auth.user_role WHERE role = 'admin')");
    }
}
