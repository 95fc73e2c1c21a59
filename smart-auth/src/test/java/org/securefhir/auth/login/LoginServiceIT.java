package org.securefhir.auth.login;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.securefhir.auth.event.SecurityEvent;
import org.securefhir.auth.mfa.Base32;
import org.securefhir.auth.mfa.Totp;
import org.securefhir.auth.mfa.TotpService;
import org.securefhir.auth.support.TestClock;
import org.securefhir.auth.support.TestDatabase;
import org.securefhir.auth.support.TestUsers;
import org.securefhir.auth.user.UserAccount;
import org.securefhir.auth.user.UserAccounts;

class LoginServiceIT {

    private final TestClock clock = new TestClock(Instant.parse("2026-11-25T10:00:00Z"));
    private final UserAccounts accounts = TestUsers.accounts(clock);
    private final TotpService totp = TestUsers.totp(clock);
    private final List<SecurityEvent> events = new ArrayList<>();
    private final LoginService login = new LoginService(
            accounts,
            totp,
            TestDatabase.jdbc(),
            LockoutSettings.DEFAULTS,
            TestUsers.ENCODER,
            events::add,
            clock,
            TestUsers.PSEUDONYMS);
    private final UserAccount user = accounts.create(TestUsers.nurse(), TestUsers.PASSWORD);

    @Test
    void checkPasswordWhenCorrectThenSuccessAndEvent() {
        LoginService.Outcome outcome = login.checkPassword(user.username(), TestUsers.PASSWORD, "10.0.0.1");

        assertThat(outcome).isEqualTo(new LoginService.Outcome.Success(user));
        assertThat(events).extracting(SecurityEvent::type).containsExactly(SecurityEvent.Type.LOGIN_SUCCESS);
        assertThat(events.get(0).userId()).contains(user.id());
    }

    @Test
    void checkPasswordWhenWrongOrUnknownOrDisabledThenSameFailure() {
        UserAccount disabled = accounts.create(TestUsers.nurse(), TestUsers.PASSWORD);
        accounts.setEnabled(disabled.id(), false);

        assertThat(login.checkPassword(user.username(), "wrong passphrase entirely", null))
                .isInstanceOf(LoginService.Outcome.Failure.class);
        assertThat(login.checkPassword(TestUsers.uniqueName("nobody"), TestUsers.PASSWORD, null))
                .isInstanceOf(LoginService.Outcome.Failure.class);
        assertThat(login.checkPassword(disabled.username(), TestUsers.PASSWORD, null))
                .isInstanceOf(LoginService.Outcome.Failure.class);
    }

    @Test
    void checkPasswordWhenFiveFailuresThenLockedEvenWithRightPasswordUntilLockExpires() {
        for (int i = 0; i < 4; i++) {
            assertThat(login.checkPassword(user.username(), "wrong passphrase " + i, null))
                    .isInstanceOf(LoginService.Outcome.Failure.class);
        }
        assertThat(login.checkPassword(user.username(), "wrong passphrase 5", null))
                .isInstanceOf(LoginService.Outcome.Locked.class);

        assertThat(login.checkPassword(user.username(), TestUsers.PASSWORD, null))
                .isInstanceOf(LoginService.Outcome.Locked.class);
        assertThat(events).extracting(SecurityEvent::type).contains(SecurityEvent.Type.ACCOUNT_LOCKED);

        clock.advance(Duration.ofMinutes(15).plusSeconds(1));
        assertThat(login.checkPassword(user.username(), TestUsers.PASSWORD, null))
                .isInstanceOf(LoginService.Outcome.Success.class);
    }

    @Test
    void checkPasswordWhenUnknownNameFailsFiveTimesThenLockedLikeARealAccount() {
        String nobody = TestUsers.uniqueName("nobody");
        for (int i = 0; i < 4; i++) {
            login.checkPassword(nobody, "guess " + i + " passphrase", null);
        }

        assertThat(login.checkPassword(nobody, "guess 5 passphrase", null))
                .isInstanceOf(LoginService.Outcome.Locked.class);
    }

    @Test
    void checkPasswordWhenFailuresAreSpreadBeyondTheWindowThenNotLocked() {
        for (int i = 0; i < 8; i++) {
            assertThat(login.checkPassword(user.username(), "wrong passphrase " + i, null))
                    .isInstanceOf(LoginService.Outcome.Failure.class);
            clock.advance(Duration.ofMinutes(4));
        }
    }

    @Test
    void checkTotpWhenWrongCodesAreTriedInGroupsOfFourBetweenCorrectPasswordsThenLockedAtTheFifth() {
        TotpService.Enrollment enrollment = totp.begin(user.id(), user.username());
        totp.confirm(user.id(), code(enrollment));

        // an attacker who knows the password: four wrong codes, the password again, the fifth code
        assertThat(login.checkPassword(user.username(), TestUsers.PASSWORD, null))
                .isInstanceOf(LoginService.Outcome.Success.class);
        for (int i = 0; i < 4; i++) {
            assertThat(login.checkTotp(user, "00000" + i, null)).isInstanceOf(LoginService.Outcome.Failure.class);
        }
        assertThat(login.checkPassword(user.username(), TestUsers.PASSWORD, null))
                .isInstanceOf(LoginService.Outcome.Success.class);

        assertThat(login.checkTotp(user, "000009", null)).isInstanceOf(LoginService.Outcome.Locked.class);
        // locked as an account: the password step too, and a right code
        assertThat(login.checkPassword(user.username(), TestUsers.PASSWORD, null))
                .isInstanceOf(LoginService.Outcome.Locked.class);
        clock.advance(Duration.ofSeconds(30));
        assertThat(login.checkTotp(user, code(enrollment), null)).isInstanceOf(LoginService.Outcome.Locked.class);
        assertThat(events)
                .filteredOn(event -> event.type() == SecurityEvent.Type.ACCOUNT_LOCKED)
                .singleElement()
                .satisfies(event -> assertThat(event.detail()).contains("second factor"));
    }

    @Test
    void checkRecoveryCodeWhenWrongCodesAddUpWithWrongTotpCodesThenLocked() {
        TotpService.Enrollment enrollment = totp.begin(user.id(), user.username());
        totp.confirm(user.id(), code(enrollment));
        for (int i = 0; i < 2; i++) {
            login.checkTotp(user, "00000" + i, null);
            login.checkPassword(user.username(), TestUsers.PASSWORD, null);
        }
        login.checkRecoveryCode(user, "not-a-code-1", null);
        login.checkRecoveryCode(user, "not-a-code-2", null);

        assertThat(login.checkRecoveryCode(user, "not-a-code-3", null)).isInstanceOf(LoginService.Outcome.Locked.class);
    }

    @Test
    void checkTotpWhenPasswordFailuresCameFirstThenTheyAreCountedApart() {
        TotpService.Enrollment enrollment = totp.begin(user.id(), user.username());
        totp.confirm(user.id(), code(enrollment));
        for (int i = 0; i < 3; i++) {
            login.checkPassword(user.username(), "wrong passphrase " + i, null);
        }
        assertThat(login.checkTotp(user, "000000", null)).isInstanceOf(LoginService.Outcome.Failure.class);
        assertThat(login.checkTotp(user, "000001", null)).isInstanceOf(LoginService.Outcome.Failure.class);

        clock.advance(Duration.ofSeconds(30));
        assertThat(login.checkTotp(user, code(enrollment), null)).isInstanceOf(LoginService.Outcome.Success.class);
    }

    @Test
    void failuresWhenStoredThenKeyedByAKeyedPseudonymNotTheTypedName() {
        String typed = "  " + user.username().toUpperCase(java.util.Locale.ROOT) + " ";
        login.checkPassword(typed, "wrong passphrase", null);

        List<String> keys =
                TestDatabase.jdbc().queryForList("SELECT username_key FROM smart_auth.login_failure", String.class);
        assertThat(keys).noneMatch(key -> key.toLowerCase(java.util.Locale.ROOT).contains(user.username()));
        assertThat(keys).contains(TestUsers.PSEUDONYMS.of(user.username()));
        // keyed: another key gives another pseudonym (a plain hash of the name would be the same)
        assertThat(new org.securefhir.auth.keys.Pseudonyms(new javax.crypto.spec.SecretKeySpec(new byte[32], "AES"))
                        .of(user.username()))
                .isNotEqualTo(TestUsers.PSEUDONYMS.of(user.username()));
    }

    @Test
    void checkTotpWhenCodeReplayedThenFailure() {
        TotpService.Enrollment enrollment = totp.begin(user.id(), user.username());
        totp.confirm(user.id(), code(enrollment));
        clock.advance(Duration.ofSeconds(30));
        String code = code(enrollment);

        assertThat(login.checkTotp(user, code, null)).isInstanceOf(LoginService.Outcome.Success.class);
        assertThat(login.checkTotp(user, code, null)).isInstanceOf(LoginService.Outcome.Failure.class);
    }

    @Test
    void checkRecoveryCodeWhenReusedThenFailure() {
        TotpService.Enrollment enrollment = totp.begin(user.id(), user.username());
        String recovery =
                totp.confirm(user.id(), code(enrollment)).orElseThrow().get(0);

        assertThat(login.checkRecoveryCode(user, recovery, null)).isInstanceOf(LoginService.Outcome.Success.class);
        assertThat(login.checkRecoveryCode(user, recovery, null)).isInstanceOf(LoginService.Outcome.Failure.class);
        assertThat(events).extracting(SecurityEvent::type).contains(SecurityEvent.Type.RECOVERY_CODE_USED);
    }

    @Test
    void eventsWhenRecordedThenCarryNoSecrets() {
        login.checkPassword(user.username(), TestUsers.PASSWORD, null);
        login.checkPassword(user.username(), "typo " + TestUsers.PASSWORD, null);

        assertThat(events)
                .allSatisfy(event -> assertThat(event.toString())
                        .doesNotContain(TestUsers.PASSWORD)
                        .doesNotContain(user.username()));
    }

    private String code(TotpService.Enrollment enrollment) {
        return Totp.code(Base32.decode(enrollment.base32Secret()), Totp.timeStep(clock.instant()));
    }
}
