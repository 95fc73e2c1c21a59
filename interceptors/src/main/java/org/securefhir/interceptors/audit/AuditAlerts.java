package org.securefhir.interceptors.audit;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Rules over the audit stream for unusual access, each raising an alert (itself an audit record,
 * category {@code alert}, so alerts are as tamper-evident and queryable as the rest):
 *
 * <ul>
 *   <li>{@code many-patients}: one user read more than N distinct patients within an hour;
 *   <li>{@code repeated-denials}: more than M refusals (401/403) for one user or address within ten
 *       minutes;
 *   <li>{@code after-hours-bulk}: one user read more than K distinct patients outside working hours;
 *   <li>{@code break-glass}: a break-glass declaration, or access under one (purpose of use
 *       {@code BTG}, HL7 v3 ActReason break-the-glass), once per user and patient per hour;
 *   <li>{@code no-treatment-relationship}: a clinician reached, or tried to reach, a patient they
 *       have no treatment relationship with (refused by the consent engine, or let through by
 *       break-glass), once per user and patient per hour;
 *   <li>{@code self-made-relationship}: a clinician tried to make themself a patient's treating
 *       practitioner (refused), once per user and patient per hour;
 *   <li>{@code account-locked}: a login name was locked after failed passwords or failed second
 *       factors (every lock);
 *   <li>{@code access-granted}: an administrator granted access (a user created or given roles, a
 *       patient user pointed at a Patient, a backend client registered), every time.
 * </ul>
 * Each rule raises at most once per user (or address) per window. Not thread-safe: one evaluator.
 */
public final class AuditAlerts {

    /** Thresholds. Working hours are [start, end) in {@code zone}. */
    public record Settings(
            int maxPatientsPerHour,
            int maxDenialsPerTenMinutes,
            int maxPatientsAfterHours,
            LocalTime workdayStart,
            LocalTime workdayEnd,
            ZoneId zone) {}

    private static final Duration HOUR = Duration.ofHours(1);
    private static final Duration TEN_MINUTES = Duration.ofMinutes(10);

    private final Settings settings;
    private final Map<String, LinkedHashMap<String, Instant>> reads = new HashMap<>();
    private final Map<String, Deque<Instant>> denials = new HashMap<>();
    private final Map<String, LinkedHashMap<String, Instant>> afterHours = new HashMap<>();
    private final Map<String, Instant> raised = new HashMap<>();

    public AuditAlerts(Settings settings) {
        this.settings = settings;
    }

    /** The alerts this record raises (usually none). */
    public List<AuditRecord> evaluate(AuditRecord record) {
        if ("security".equals(record.category())) {
            return securityAlerts(record);
        }
        if (!"rest".equals(record.category())) {
            return List.of();
        }
        Instant at = Instant.parse(record.recorded());
        List<AuditRecord> alerts = new ArrayList<>();
        String who = record.userId() != null ? record.userId() : record.clientId();
        String patients = String.join(" ", record.patients());
        if (hasPurpose(record, "BTG") && once("break-glass", who + "|" + patients, at, HOUR)) {
            alerts.add(alert(record, "break-glass", "emergency access (break-the-glass) to " + patients));
        }
        consentAlert(
                        record,
                        who,
                        patients,
                        at,
                        "no-treatment-relationship",
                        "access to patients the user has no" + " treatment relationship with")
                .ifPresent(alerts::add);
        consentAlert(
                        record,
                        who,
                        patients,
                        at,
                        "self-made-relationship",
                        "a clinician tried to register a" + " treatment relationship for themself")
                .ifPresent(alerts::add);
        if (record.status() != null && (record.status() == 401 || record.status() == 403)) {
            String key = who != null ? who : "ip:" + record.sourceIp();
            Deque<Instant> window = denials.computeIfAbsent(key, k -> new ArrayDeque<>());
            window.addLast(at);
            while (!window.isEmpty() && window.peekFirst().isBefore(at.minus(TEN_MINUTES))) {
                window.removeFirst();
            }
            if (window.size() > settings.maxDenialsPerTenMinutes() && once("repeated-denials", key, at, TEN_MINUTES)) {
                alerts.add(alert(
                        record,
                        "repeated-denials",
                        window.size() + " refused requests within 10 minutes"
                                + (who == null ? " from " + record.sourceIp() : "")));
            }
        }
        if (who != null
                && "R".equals(record.action())
                && AuditRecord.SUCCESS.equals(record.outcome())
                && !record.patients().isEmpty()) {
            int distinct = distinctPatients(reads, who, record, at, HOUR);
            if (distinct > settings.maxPatientsPerHour() && once("many-patients", who, at, HOUR)) {
                alerts.add(alert(record, "many-patients", distinct + " distinct patients read within an hour"));
            }
            if (isAfterHours(at)) {
                int night = distinctPatients(afterHours, who, record, at, Duration.ofHours(12));
                if (night > settings.maxPatientsAfterHours()
                        && once("after-hours-bulk", who, at, Duration.ofHours(12))) {
                    alerts.add(
                            alert(record, "after-hours-bulk", night + " distinct patients read outside working hours"));
                }
            }
        }
        return alerts;
    }

    /**
     * Adds the record's patients to the user's window and returns how many distinct patients it holds.
     * The window keeps each patient once, at its latest access, in access order, so adding and
     * expiring are O(1) per patient and its size is the distinct count (a bulk reader's window does
     * not grow with every repeated read).
     */
    private static int distinctPatients(
            Map<String, LinkedHashMap<String, Instant>> windows,
            String who,
            AuditRecord record,
            Instant at,
            Duration length) {
        LinkedHashMap<String, Instant> window = windows.computeIfAbsent(who, k -> new LinkedHashMap<>(16, 0.75f, true));
        record.patients().forEach(patient -> window.put(patient, at));
        Instant oldest = at.minus(length);
        Iterator<Instant> accesses = window.values().iterator();
        while (accesses.hasNext() && accesses.next().isBefore(oldest)) {
            accesses.remove();
        }
        return window.size();
    }

    private boolean isAfterHours(Instant at) {
        LocalTime time = at.atZone(settings.zone()).toLocalTime();
        return time.isBefore(settings.workdayStart()) || !time.isBefore(settings.workdayEnd());
    }

    private static boolean hasPurpose(AuditRecord record, String code) {
        return record.purposeOfUse() != null
                && java.util.Arrays.stream(record.purposeOfUse().split(" ")).anyMatch(code::equalsIgnoreCase);
    }

    private boolean once(String rule, String key, Instant at, Duration window) {
        Instant last = raised.get(rule + "|" + key);
        if (last != null && last.isAfter(at.minus(window))) {
            return false;
        }
        raised.put(rule + "|" + key, at);
        return true;
    }

    /** An alert for a consent decision of this kind in the record, once per user and patients per hour. */
    private java.util.Optional<AuditRecord> consentAlert(
            AuditRecord record, String who, String patients, Instant at, String rule, String description) {
        if (record.consent() == null
                || who == null
                || record.consent().stream().noneMatch(decision -> decision.contains(rule))
                || !once(rule, who + "|" + patients, at, HOUR)) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(alert(record, rule, description + (patients.isEmpty() ? "" : ": " + patients)));
    }

    /**
     * Security events that are alerts by themselves: an account locked (by failed passwords: maybe
     * someone locking a colleague out, visible here with the source address; by failed second
     * factors: someone has the password), and an administrator granting access.
     */
    private static List<AuditRecord> securityAlerts(AuditRecord record) {
        String detail = record.outcomeDetail() == null ? "" : record.outcomeDetail();
        return switch (record.subtype()) {
            case "account-locked" -> List.of(alert(record, "account-locked", "account locked: " + detail));
            case "access-granted" -> List.of(alert(record, "access-granted", "access granted: " + detail));
            default -> List.of();
        };
    }

    private static AuditRecord alert(AuditRecord cause, String rule, String detail) {
        Draft alert = new Draft();
        alert.recorded = Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
        alert.category = "alert";
        alert.subtype = rule;
        alert.action = "E";
        alert.outcome = AuditRecord.SERIOUS_FAILURE;
        alert.outcomeDetail = detail;
        alert.userId = cause.userId();
        alert.fhirUser = cause.fhirUser();
        alert.roles = cause.roles();
        alert.clientId = cause.clientId();
        alert.tokenId = cause.tokenId();
        alert.patients.addAll(cause.patients());
        alert.sourceIp = cause.sourceIp();
        alert.userAgent = cause.userAgent();
        alert.node = cause.node();
        alert.requestId = cause.requestId();
        alert.purposeOfUse = cause.purposeOfUse();
        alert.consent = cause.consent() == null ? List.of() : cause.consent();
        return alert.build();
    }
}
