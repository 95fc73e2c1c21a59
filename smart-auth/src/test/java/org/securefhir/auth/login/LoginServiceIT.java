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
            accounts, totp, TestDatabase.jdbc(), LockoutSettings.DEFAULTS, TestUsers.ENCODER, events::add, clock);
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
    void checkTotpWhenWrongCodesAndPasswordFailuresAddUpThenLocked() {
        TotpService.Enrollment enrollment = totp.begin(user.id(), user.username());
        totp.confirm(user.id(), code(enrollment));
        for (int i = 0; i < 3; i++) {
            login.checkPassword(user.username(), "wrong passphrase " + i, null);
        }
        assertThat(login.checkTotp(user, "000000", null)).isInstanceOf(LoginService.Outcome.Failure.class);

        assertThat(login.checkTotp(user, "000001", null)).isInstanceOf(LoginService.Outcome.Locked.class);
        clock.advance(Duration.ofSeconds(30));
        assertThat(login.checkTotp(user, code(enrollment), null)).isInstanceOf(LoginService.Outcome.Locked.class);
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
