package org.securefhir.auth.mfa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.securefhir.auth.support.TestClock;
import org.securefhir.auth.support.TestDatabase;
import org.securefhir.auth.support.TestUsers;
import org.securefhir.auth.user.UserAccount;

class TotpServiceIT {

    private final TestClock clock = new TestClock(Instant.parse("2026-11-25T10:00:00Z"));
    private final TotpService totp = TestUsers.totp(clock);
    private final UserAccount user = TestUsers.accounts(clock).create(TestUsers.nurse(), TestUsers.PASSWORD);

    @Test
    void confirmWhenFirstCodeCorrectThenEnrolledWithTenRecoveryCodes() {
        TotpService.Enrollment enrollment = totp.begin(user.id(), user.username());

        List<String> recovery = totp.confirm(user.id(), currentCode(enrollment)).orElseThrow();

        assertThat(totp.isEnrolled(user.id())).isTrue();
        assertThat(recovery).hasSize(10);
        assertThat(enrollment.otpauthUri()).contains("secret=" + enrollment.base32Secret());
        assertThat(enrollment.qrCodePng()).startsWith(new byte[] {(byte) 0x89, 'P', 'N', 'G'});
    }

    @Test
    void confirmWhenCodeWrongThenNotEnrolled() {
        totp.begin(user.id(), user.username());

        assertThat(totp.confirm(user.id(), "000000")).isEmpty();
        assertThat(totp.isEnrolled(user.id())).isFalse();
    }

    @Test
    void secretWhenStoredThenEncrypted() {
        TotpService.Enrollment enrollment = totp.begin(user.id(), user.username());

        byte[] stored = TestDatabase.jdbc()
                .queryForObject(
                        "SELECT secret_encrypted FROM smart_auth.mfa_totp WHERE user_id = ?", byte[].class, user.id());

        assertThat(stored).isNotEqualTo(Base32.decode(enrollment.base32Secret()));
        assertThat(new String(stored, java.nio.charset.StandardCharsets.ISO_8859_1))
                .doesNotContain(enrollment.base32Secret());
    }

    @Test
    void verifyWhenCodeReplayedThenRefused() {
        TotpService.Enrollment enrollment = enrolled();
        clock.advance(Duration.ofSeconds(30));
        String code = currentCode(enrollment);

        assertThat(totp.verify(user.id(), code)).isTrue();
        assertThat(totp.verify(user.id(), code)).isFalse();
    }

    @Test
    void verifyWhenCodeUsedForEnrollmentThenRefused() {
        TotpService.Enrollment enrollment = totp.begin(user.id(), user.username());
        String code = currentCode(enrollment);
        totp.confirm(user.id(), code);

        assertThat(totp.verify(user.id(), code)).isFalse();
    }

    @Test
    void verifyWhenNextStepCodeThenAccepted() {
        TotpService.Enrollment enrollment = enrolled();
        clock.advance(Duration.ofSeconds(60));

        assertThat(totp.verify(user.id(), currentCode(enrollment))).isTrue();
    }

    @Test
    void useRecoveryCodeWhenUsedTwiceThenSecondRefused() {
        TotpService.Enrollment enrollment = totp.begin(user.id(), user.username());
        List<String> recovery = totp.confirm(user.id(), currentCode(enrollment)).orElseThrow();

        assertThat(totp.useRecoveryCode(user.id(), recovery.get(3))).isTrue();
        assertThat(totp.useRecoveryCode(user.id(), recovery.get(3))).isFalse();
        assertThat(totp.remainingRecoveryCodes(user.id())).isEqualTo(9);
    }

    @Test
    void beginWhenAlreadyEnrolledThenRefusedUntilReset() {
        enrolled();

        assertThatThrownBy(() -> totp.begin(user.id(), user.username())).isInstanceOf(IllegalStateException.class);
        totp.reset(user.id());
        assertThat(totp.isEnrolled(user.id())).isFalse();
        assertThat(totp.begin(user.id(), user.username()).base32Secret()).isNotBlank();
    }

    private TotpService.Enrollment enrolled() {
        TotpService.Enrollment enrollment = totp.begin(user.id(), user.username());
        assertThat(totp.confirm(user.id(), currentCode(enrollment))).isPresent();
        return enrollment;
    }

    private String currentCode(TotpService.Enrollment enrollment) {
        return Totp.code(Base32.decode(enrollment.base32Secret()), Totp.timeStep(clock.instant()));
    }
}
