package org.securefhir.server.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.securefhir.interceptors.audit.AuditAlerts;
import org.securefhir.interceptors.audit.AuditRecord;
import org.securefhir.interceptors.audit.AuditSink;

/**
 * Alerts reach the audit trail and the configured webhook (a receiver outside the system, here a
 * local HTTP server standing in for the hospital's alerting endpoint).
 */
class AlertDispatcherTest {

    private HttpServer receiver;
    private final List<String> bodies = new CopyOnWriteArrayList<>();
    private final List<String> contentTypes = new CopyOnWriteArrayList<>();
    private final CountDownLatch received = new CountDownLatch(1);

    @BeforeEach
    void startReceiver() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/alerts", exchange -> {
            bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            contentTypes.add(exchange.getRequestHeaders().getFirst("Content-Type"));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
            received.countDown();
        });
        receiver.start();
    }

    @AfterEach
    void stopReceiver() {
        receiver.stop(0);
    }

    @Test
    void whenARuleFiresThenTheAlertIsStoredAndPostedToTheWebhook() throws Exception {
        // given
        List<AuditRecord> stored = new ArrayList<>();
        AuditSink sink = new AuditSink() {
            @Override
            public synchronized void append(AuditRecord record) {
                stored.add(record);
            }

            @Override
            public synchronized void appendAll(List<AuditRecord> records) {
                stored.addAll(records);
            }
        };
        AuditAlerts rules = new AuditAlerts(
                new AuditAlerts.Settings(50, 10, 20, LocalTime.of(0, 0), LocalTime.of(23, 59, 59), ZoneId.of("UTC")));
        URI webhook = URI.create("http://127.0.0.1:" + receiver.getAddress().getPort() + "/alerts");

        // when a break-glass read is committed
        try (AlertDispatcher dispatcher = new AlertDispatcher(rules, sink, Optional.of(webhook))) {
            dispatcher.accept(List.of(breakGlassRead()));
            assertThat(received.await(10, TimeUnit.SECONDS)).isTrue();
        }

        // then
        synchronized (sink) {
            assertThat(stored).singleElement().satisfies(alert -> {
                assertThat(alert.category()).isEqualTo("alert");
                assertThat(alert.subtype()).isEqualTo("break-glass");
            });
        }
        assertThat(contentTypes).containsExactly("application/json");
        JsonNode body = new ObjectMapper().readTree(bodies.get(0));
        assertThat(body.path("rule").asText()).isEqualTo("break-glass");
        assertThat(body.path("userId").asText()).isEqualTo("dr-who");
        assertThat(body.path("patients").get(0).asText()).isEqualTo("Patient/e1");
    }

    private static AuditRecord breakGlassRead() {
        return new AuditRecord(
                "2026-11-25T10:00:00Z",
                "rest",
                "read",
                "R",
                AuditRecord.SUCCESS,
                200,
                null,
                "dr-who",
                null,
                List.of("physician"),
                "app",
                null,
                "Patient",
                "e1",
                null,
                null,
                null,
                List.of("Patient/e1"),
                List.of(),
                "10.0.0.1",
                null,
                "n1",
                null,
                "BTG",
                null);
    }
}
