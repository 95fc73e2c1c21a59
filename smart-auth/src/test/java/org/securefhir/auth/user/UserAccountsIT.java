package org.securefhir.auth.user;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.securefhir.auth.password.PasswordRejectedException;
import org.securefhir.auth.support.TestDatabase;
import org.securefhir.auth.support.TestUsers;

class UserAccountsIT {

    private final UserAccounts accounts = TestUsers.accounts(Clock.systemUTC());

    @Test
    void createWhenValidThenFindableByIdAndCaseInsensitiveName() {
        NewUser nurse = TestUsers.nurse();

        UserAccount created = accounts.create(nurse, TestUsers.PASSWORD);

        assertThat(created.roles()).containsExactly(Role.NURSE);
        assertThat(created.fhirUser()).isEqualTo(nurse.fhirUser());
        assertThat(accounts.findById(created.id())).contains(created);
        assertThat(accounts.findByUsername(nurse.username().toUpperCase(java.util.Locale.ROOT)))
                .contains(created);
    }

    @Test
    void createWhenPasswordStoredThenOnlyArgon2idHashIsKept() {
        UserAccount created = accounts.create(TestUsers.nurse(), TestUsers.PASSWORD);

        String stored = accounts.passwordHash(created.id()).orElseThrow();

        assertThat(stored).startsWith("$argon2id$").doesNotContain(TestUsers.PASSWORD);
        Integer plaintextRows = TestDatabase.jdbc()
                .queryForObject(
                        "SELECT count(*) FROM smart_auth.user_account WHERE password_hash LIKE ?",
                        Integer.class,
                        "%" + TestUsers.PASSWORD + "%");
        assertThat(plaintextRows).isZero();
    }

    @Test
    void createWhenNameTakenIgnoringCaseThenRefused() {
        NewUser nurse = TestUsers.nurse();
        accounts.create(nurse, TestUsers.PASSWORD);
        NewUser twin = new NewUser(
                nurse.username().toUpperCase(java.util.Locale.ROOT), "Twin", nurse.fhirUser(), nurse.roles());

        assertThatThrownBy(() -> accounts.create(twin, TestUsers.PASSWORD))
                .isInstanceOf(DuplicateUsernameException.class);
    }

    @Test
    void createWhenPasswordWeakThenRefusedWithReasons() {
        assertThatThrownBy(() -> accounts.create(TestUsers.nurse(), "password123"))
                .isInstanceOf(PasswordRejectedException.class)
                .hasMessageContaining("at least 12 characters")
                .hasMessageContaining("commonly used");
    }

    @Test
    void newUserWhenClinicalWithoutPractitionerThenRefused() {
        assertThatThrownBy(() -> new NewUser("dr.who", "Dr Who", Optional.empty(), Set.of(Role.PHYSICIAN)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Practitioner");
        assertThatThrownBy(() -> new NewUser("pat", "Pat", Optional.of("Practitioner/1"), Set.of(Role.PATIENT)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Patient");
    }

    @Test
    void changePasswordWhenOneOfLastFiveThenRefused() {
        UserAccount user = accounts.create(TestUsers.nurse(), TestUsers.PASSWORD);
        accounts.changePassword(user.id(), "a second good passphrase");

        assertThatThrownBy(() -> accounts.changePassword(user.id(), TestUsers.PASSWORD))
                .isInstanceOf(PasswordRejectedException.class)
                .hasMessageContaining("last 5 passwords");
    }

    @Test
    void setEnabledWhenDisabledThenAccountShowsIt() {
        UserAccount user = accounts.create(TestUsers.nurse(), TestUsers.PASSWORD);

        accounts.setEnabled(user.id(), false);

        assertThat(accounts.findById(user.id()).orElseThrow().enabled()).isFalse();
    }
}
