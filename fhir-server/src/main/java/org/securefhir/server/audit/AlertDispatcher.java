package org.securefhir.server.audit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.securefhir.interceptors.audit.AuditAlerts;
import org.securefhir.interceptors.audit.AuditRecord;
import org.securefhir.interceptors.audit.AuditSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the alert rules over every committed audit record, off the request path (one thread, in
 * commit order): an alert is appended to the audit trail itself (category {@code alert}, queryable
 * as AuditEvent with type Security Alert) and, when configured, POSTed as JSON to a webhook.
 */
final class AlertDispatcher implements Consumer<List<AuditRecord>>, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AlertDispatcher.class);

    private final AuditAlerts rules;
    private final AuditSink sink;
    private final Optional<URI> webhook;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ExecutorService worker = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "audit-alerts");
        thread.setDaemon(true);
        return thread;
    });

    AlertDispatcher(AuditAlerts rules, AuditSink sink, Optional<URI> webhook) {
        this.rules = rules;
        this.sink = sink;
        this.webhook = webhook;
    }

    @Override
    public void accept(List<AuditRecord> committed) {
        List<AuditRecord> copy = List.copyOf(committed);
        worker.execute(() -> copy.forEach(this::evaluate));
    }

    private void evaluate(AuditRecord record) {
        for (AuditRecord alert : rules.evaluate(record)) {
            // the rule and the user only: the detail may name patients, which stay in the audit store
            log.warn("Audit alert {} for user {}", alert.subtype(), alert.userId());
            try {
                sink.append(alert);
            } catch (RuntimeException e) {
                log.error("Audit alert {} could not be stored: {}", alert.subtype(), e.toString());
            }
            webhook.ifPresent(uri -> post(uri, alert));
        }
    }

    private void post(URI uri, AuditRecord alert) {
        ObjectNode body = JdbcAuditStore.CANONICAL
                .createObjectNode()
                .put("rule", alert.subtype())
                .put("recorded", alert.recorded())
                .put("detail", alert.outcomeDetail())
                .put("userId", alert.userId())
                .put("clientId", alert.clientId())
                .put("sourceIp", alert.sourceIp())
                .put("node", alert.node());
        body.putArray("patients")
                .addAll(alert.patients().stream()
                        .map(JdbcAuditStore.CANONICAL.getNodeFactory()::textNode)
                        .toList());
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                .build();
        http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, error) -> {
            if (error != null || response.statusCode() >= 300) {
                log.error(
                        "Audit alert webhook failed: {}",
                        error != null ? error.toString() : "status " + response.statusCode());
            }
        });
    }

    @Override
    public void close() throws InterruptedException {
        worker.shutdown();
        worker.awaitTermination(5, TimeUnit.SECONDS);
    }
}
