package org.securefhir.server.audit;

import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.securefhir.interceptors.audit.AuditAlerts;
import org.securefhir.interceptors.audit.AuditRecord;
import org.securefhir.interceptors.audit.AuditSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The running audit trail of this node: the durable store, the alert rules fed by its commits, the
 * SIEM forwarders reading from it, and the daily retention purge. Started and stopped as one.
 */
final class AuditPipeline implements AuditSink, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AuditPipeline.class);

    private final JdbcAuditStore store;
    private final AlertDispatcher alerts;
    private final List<AuditForwarder> forwarders = new ArrayList<>();
    private final AuditRetention retention;
    private final JdbcAuditIntents intents;
    private final TransactionTemplate transactions;
    private final Duration intentGrace;
    private final ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "audit-retention");
        thread.setDaemon(true);
        return thread;
    });

    AuditPipeline(
            JdbcTemplate jdbc,
            TransactionTemplate transactions,
            AuditChain chain,
            AuditProperties properties,
            String node,
            Clock clock) {
        AuditProperties.Alerts rules = properties.alerts();
        AtomicReference<AuditSink> sink = new AtomicReference<>();
        Optional<URI> webhook =
                rules.webhookUrl().isBlank() ? Optional.empty() : Optional.of(https(rules.webhookUrl()));
        this.alerts = new AlertDispatcher(
                new AuditAlerts(new AuditAlerts.Settings(
                        rules.maxPatientsPerHour(),
                        rules.maxDenialsPerTenMinutes(),
                        rules.maxPatientsAfterHours(),
                        rules.workdayStart(),
                        rules.workdayEnd(),
                        ZoneId.of(rules.zone()))),
                record -> sink.get().append(record),
                webhook);
        this.store = new JdbcAuditStore(jdbc, chain, node, properties.commitTimeout(), clock, alerts);
        sink.set(store);
        this.transactions = transactions;
        this.intents = new JdbcAuditIntents(jdbc, node);
        // a request settles its intents within its commit timeout of the change's commit; later
        // than this grace, an intent of any node is orphaned
        this.intentGrace = Duration.ofMinutes(1).plus(properties.commitTimeout().multipliedBy(4));
        int recovered = store.recoverIntents(Duration.ZERO, transactions);
        if (recovered > 0) {
            log.warn("Recovered {} audit records of changes committed before this node last stopped", recovered);
        }
        housekeeping.scheduleWithFixedDelay(this::recoverOrphanedIntents, 1, 1, TimeUnit.MINUTES);
        AuditProperties.Forward forward = properties.forward();
        if (!forward.syslog().isBlank()) {
            String[] hostPort = forward.syslog().split(":");
            forwarders.add(new AuditForwarder(
                    jdbc,
                    transactions,
                    "syslog:" + forward.syslog(),
                    new SyslogDestination(hostPort[0], Integer.parseInt(hostPort[1]), forward.syslogTls(), node)));
        }
        if (!forward.file().isBlank()) {
            forwarders.add(new AuditForwarder(
                    jdbc, transactions, "file:" + forward.file(), new JsonLinesDestination(Path.of(forward.file()))));
        }
        forwarders.forEach(AuditForwarder::start);
        this.retention = new AuditRetention(jdbc, chain, store, node, clock);
        Duration keep = properties.retention();
        if (!keep.isZero()) {
            housekeeping.scheduleWithFixedDelay(
                    () -> {
                        try {
                            long removed = retention.purgeBefore(clock.instant().minus(keep));
                            if (removed > 0) {
                                log.info("Audit retention removed {} records older than {}", removed, keep);
                            }
                        } catch (RuntimeException e) {
                            log.error("Audit retention failed: {}", e.toString());
                        }
                    },
                    1,
                    24 * 60,
                    TimeUnit.MINUTES);
        }
    }

    private void recoverOrphanedIntents() {
        try {
            int recovered = recoverIntents(intentGrace);
            if (recovered > 0) {
                log.warn("Recovered {} audit records of changes whose requests did not record them", recovered);
            }
        } catch (RuntimeException e) {
            log.error("Audit intent recovery failed: {}", e.toString());
        }
    }

    /** Moves unsettled write intents older than {@code olderThan} into the trail (see the store). */
    int recoverIntents(Duration olderThan) {
        return store.recoverIntents(olderThan, transactions);
    }

    /** Where the interceptor keeps each change's record in the change's own transaction. */
    JdbcAuditIntents intents() {
        return intents;
    }

    private static URI https(String url) {
        URI uri = URI.create(url);
        if (!"https".equals(uri.getScheme())) {
            throw new IllegalArgumentException("audit.alerts.webhook-url must be https");
        }
        return uri;
    }

    @Override
    public void append(AuditRecord record) {
        store.append(record);
    }

    @Override
    public void appendAll(List<AuditRecord> records) {
        store.appendAll(records);
    }

    @Override
    public void appendAll(List<AuditRecord> records, java.util.Collection<java.util.UUID> settledIntents) {
        store.appendAll(records, settledIntents);
    }

    /** This node's last committed sequence number (for the chain verification). */
    java.util.Map<String, Long> liveHead() {
        return store.liveHead();
    }

    AuditRetention retention() {
        return retention;
    }

    @Override
    public void close() throws InterruptedException {
        housekeeping.shutdownNow();
        for (AuditForwarder forwarder : forwarders) {
            forwarder.close();
        }
        store.close();
        alerts.close();
    }
}
