package org.securefhir.interceptors.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AuditAlertsTest {

    private final AuditAlerts alerts = new AuditAlerts(
            new AuditAlerts.Settings(3, 2, 2, LocalTime.of(7, 0), LocalTime.of(19, 0), ZoneId.of("UTC")));

    @Test
    void whenUserReadsMorePatientsThanAllowedWithinAnHourThenOneAlert() {
        List<AuditRecord> raised = new ArrayList<>();
        for (int i = 1; i <= 6; i++) {
            raised.addAll(alerts.evaluate(read("u1", "Patient/p" + i, "2026-11-25T10:0" + i + ":00Z", null)));
        }

        assertThat(raised).singleElement().satisfies(alert -> {
            assertThat(alert.category()).isEqualTo("alert");
            assertThat(alert.subtype()).isEqualTo("many-patients");
            assertThat(alert.userId()).isEqualTo("u1");
            assertThat(alert.outcomeDetail()).contains("4 distinct patients");
        });
    }

    @Test
    void whenAnAccountIsLockedOrAccessGrantedThenAnAlertEachTimeOtherSecurityEventsNone() {
        AuditRecord locked = AuditRecord.event(
                "2026-11-25T10:00:00Z",
                "security",
                "account-locked",
                "E",
                AuditRecord.MINOR_FAILURE,
                "second factor failed 5 times",
                "user-1",
                null,
                "10.0.0.9",
                "n1");
        AuditRecord granted = AuditRecord.event(
                "2026-11-25T10:00:00Z",
                "security",
                "access-granted",
                "U",
                AuditRecord.SUCCESS,
                "roles [physician]",
                "admin-1",
                null,
                null,
                "n1");
        AuditRecord login = AuditRecord.event(
                "2026-11-25T10:00:00Z",
                "security",
                "login-success",
                "E",
                AuditRecord.SUCCESS,
                null,
                "u",
                null,
                null,
                "n1");

        assertThat(alerts.evaluate(locked)).singleElement().satisfies(alert -> {
            assertThat(alert.subtype()).isEqualTo("account-locked");
            assertThat(alert.outcomeDetail()).contains("second factor");
            assertThat(alert.sourceIp()).isEqualTo("10.0.0.9");
        });
        assertThat(alerts.evaluate(locked)).hasSize(1);
        assertThat(alerts.evaluate(granted))
                .singleElement()
                .satisfies(alert -> assertThat(alert.subtype()).isEqualTo("access-granted"));
        assertThat(alerts.evaluate(login)).isEmpty();
    }

    @Test
    void whenTheSamePatientIsReadAgainThenNoAlert() {
        List<AuditRecord> raised = new ArrayList<>();
        for (int i = 1; i <= 9; i++) {
            raised.addAll(alerts.evaluate(read("u2", "Patient/same", "2026-11-25T10:0" + i + ":00Z", null)));
        }

        assertThat(raised).isEmpty();
    }

    @Test
    void whenReadsFallOutOfTheHourThenTheyNoLongerCountButARereadPatientDoes() {
        List<AuditRecord> raised = new ArrayList<>();
        raised.addAll(alerts.evaluate(read("u3", "Patient/a", "2026-11-25T09:00:00Z", null)));
        raised.addAll(alerts.evaluate(read("u3", "Patient/b", "2026-11-25T09:10:00Z", null)));
        raised.addAll(alerts.evaluate(read("u3", "Patient/c", "2026-11-25T09:20:00Z", null)));
        raised.addAll(alerts.evaluate(read("u3", "Patient/a", "2026-11-25T09:50:00Z", null))); // a again
        // 10:15: b (09:10) has expired; a (09:50) and c (09:20) remain, d is the third
        raised.addAll(alerts.evaluate(read("u3", "Patient/d", "2026-11-25T10:15:00Z", null)));
        assertThat(raised).isEmpty();

        // a fourth distinct patient within the hour of a, c, d
        raised.addAll(alerts.evaluate(read("u3", "Patient/e", "2026-11-25T10:16:00Z", null)));
        assertThat(raised)
                .singleElement()
                .satisfies(alert -> assertThat(alert.outcomeDetail()).contains("4 distinct patients"));
    }

    @Test
    void whenRepeatedDenialsThenAlertAndWhenSpreadOutThenNone() {
        List<AuditRecord> burst = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            burst.addAll(alerts.evaluate(denied("u3", "2026-11-25T10:0" + i + ":00Z")));
        }
        List<AuditRecord> spread = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            spread.addAll(alerts.evaluate(denied("u4", "2026-11-25T1" + i + ":00:00Z")));
        }

        assertThat(burst).extracting(AuditRecord::subtype).containsExactly("repeated-denials");
        assertThat(spread).isEmpty();
    }

    @Test
    void whenBulkReadsAtNightThenAfterHoursAlertButNotByDay() {
        List<AuditRecord> night = new ArrayList<>();
        List<AuditRecord> day = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            night.addAll(alerts.evaluate(read("u5", "Patient/n" + i, "2026-11-25T23:0" + i + ":00Z", null)));
            day.addAll(alerts.evaluate(read("u6", "Patient/d" + i, "2026-11-25T12:0" + i + ":00Z", null)));
        }

        assertThat(night).extracting(AuditRecord::subtype).containsExactly("after-hours-bulk");
        assertThat(day).isEmpty();
    }

    @Test
    void whenBreakGlassThenAlertNamingThePatient() {
        List<AuditRecord> raised = alerts.evaluate(read("u7", "Patient/e1", "2026-11-25T10:00:00Z", "BTG"));

        assertThat(raised).singleElement().satisfies(alert -> {
            assertThat(alert.subtype()).isEqualTo("break-glass");
            assertThat(alert.patients()).containsExactly("Patient/e1");
        });
    }

    private static AuditRecord read(String user, String patient, String at, String purpose) {
        return record(user, List.of(patient), at, "0", 200, purpose);
    }

    private static AuditRecord denied(String user, String at) {
        return record(user, List.of(), at, "4", 403, null);
    }

    private static AuditRecord record(
            String user, List<String> patients, String at, String outcome, int status, String purpose) {
        Instant.parse(at);
        return new AuditRecord(
                at,
                "rest",
                "read",
                "R",
                outcome,
                status,
                null,
                user,
                null,
                List.of("nurse"),
                "app",
                null,
                "Patient",
                null,
                null,
                null,
                null,
                patients,
                List.of(),
                "10.0.0.1",
                null,
                "n1",
                null,
                purpose,
                null);
    }
}
