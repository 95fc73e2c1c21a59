package org.securefhir.server.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.securefhir.auth.demo.DemoData;
import org.securefhir.server.support.AbstractFhirServerIT;
import org.securefhir.server.support.TestFhirClient;

/**
 * "Never lost": the packaged server is killed with SIGKILL in the middle of a read and write load,
 * restarted on the same data, and every read that completed (a 200 the client received) must have
 * its audit record, and every change that is stored (acknowledged or not) its create record; the
 * chain must still verify.
 */
class AuditDurabilityIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void whenKilledUnderLoadThenEveryCompletedReadAndEveryStoredChangeHasItsAuditRecord() throws Exception {
        Path dir = AbstractFhirServerIT.freshDirectory("kill-");
        int port = AbstractFhirServerIT.freePort();
        Process server = start(dir, port);
        Process restarted = null;
        try {
            SSLContext ssl = TestFhirClient.trusting(dir.resolve("data/tls/server.crt"));
            String token = backendToken(port, ssl);
            TestFhirClient fhir = new TestFhirClient("https://localhost:" + port + "/fhir", ssl, () -> token);
            Patient patient = new Patient();
            patient.addName().setFamily("Durable");
            String id = fhir.create("/Patient", patient);

            // when: 6 clients read and 6 create until the server is killed
            AtomicInteger completed = new AtomicInteger();
            java.util.Set<String> acknowledged = java.util.concurrent.ConcurrentHashMap.newKeySet();
            AtomicBoolean stop = new AtomicBoolean();
            ExecutorService clients = Executors.newFixedThreadPool(12);
            for (int i = 0; i < 6; i++) {
                clients.submit(() -> {
                    while (!stop.get()) {
                        try {
                            Patient written = new Patient();
                            written.getMeta().addTag("urn:test:kill", "write", null);
                            TestFhirClient.Response created = fhir.post("/Patient", written);
                            if (created.status() == 201) {
                                acknowledged.add(created.header("Location")
                                        .replaceAll(".*/Patient/", "")
                                        .replaceAll("/_history/.*", ""));
                            }
                        } catch (RuntimeException e) {
                            return; // connection lost: the server is gone
                        }
                    }
                });
            }
            for (int i = 0; i < 6; i++) {
                clients.submit(() -> {
                    while (!stop.get()) {
                        try {
                            if (fhir.get("/Patient/" + id).status() == 200) {
                                completed.incrementAndGet();
                            }
                        } catch (RuntimeException e) {
                            return; // connection lost: the server is gone
                        }
                    }
                });
            }
            Thread.sleep(3000);
            server.destroyForcibly(); // SIGKILL
            server.waitFor(30, TimeUnit.SECONDS);
            stop.set(true);
            clients.shutdown();
            clients.awaitTermination(60, TimeUnit.SECONDS);
            assertThat(completed.get()).isGreaterThan(50);

            // then: after a restart on the same data, every completed read is in the trail
            restarted = start(dir, port);
            String token2 = backendToken(port, ssl);
            TestFhirClient after = new TestFhirClient("https://localhost:" + port + "/fhir", ssl, () -> token2);
            Bundle count = after.get("/AuditEvent?entity=Patient/" + id + "&subtype=read&outcome=0&_summary=count")
                    .as(Bundle.class);
            assertThat(count.getTotal()).isGreaterThanOrEqualTo(completed.get());

            // and every stored change, acknowledged or cut off by the kill, has its create record
            java.util.Set<String> stored = new java.util.HashSet<>();
            String next = "/Patient?_tag=urn:test:kill%7Cwrite&_count=200&_elements=id";
            while (next != null) {
                Bundle page = after.get(next).as(Bundle.class);
                page.getEntry()
                        .forEach(entry ->
                                stored.add(entry.getResource().getIdElement().getIdPart()));
                next = page.getLink("next") == null
                        ? null
                        : page.getLink("next")
                                .getUrl()
                                .substring(after.baseUrl().length());
            }
            System.out.println("killed under load: " + completed.get() + " reads and " + acknowledged.size()
                    + " creates acknowledged, " + stored.size() + " creates stored");
            assertThat(stored).containsAll(acknowledged);
            assertThat(acknowledged).hasSizeGreaterThan(5);
            for (String written : stored) {
                Bundle records = after.get("/AuditEvent?entity=Patient/" + written + "&subtype=create&_summary=count")
                        .as(Bundle.class);
                assertThat(records.getTotal())
                        .as("create record of stored Patient/" + written)
                        .isGreaterThanOrEqualTo(1);
            }
        } finally {
            server.destroyForcibly();
            if (restarted != null) {
                restarted.destroy();
                restarted.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * Kubernetes sends SIGTERM and kills 30 s later: the server must stop well within that (10 s),
     * and every write it acknowledged (a 201 the client received) must be stored, with its audit
     * record, when it starts again.
     */
    @Test
    void whenSigtermUnderWriteLoadThenStopsWithinTenSecondsAndEveryAcknowledgedWriteIsKeptWithItsRecord()
            throws Exception {
        Path dir = AbstractFhirServerIT.freshDirectory("term-");
        int port = AbstractFhirServerIT.freePort();
        Process server = start(dir, port);
        Process restarted = null;
        try {
            SSLContext ssl = TestFhirClient.trusting(dir.resolve("data/tls/server.crt"));
            String token = backendToken(port, ssl);
            TestFhirClient fhir = new TestFhirClient("https://localhost:" + port + "/fhir", ssl, () -> token);
            java.util.Set<String> acknowledged = java.util.concurrent.ConcurrentHashMap.newKeySet();
            AtomicBoolean stop = new AtomicBoolean();
            ExecutorService clients = Executors.newFixedThreadPool(6);
            for (int i = 0; i < 6; i++) {
                clients.submit(() -> {
                    while (!stop.get()) {
                        try {
                            Patient patient = new Patient();
                            patient.addName().setFamily("Graceful");
                            TestFhirClient.Response created = fhir.post("/Patient", patient);
                            if (created.status() == 201) {
                                acknowledged.add(created.header("Location")
                                        .replaceAll(".*/Patient/", "")
                                        .replaceAll("/_history/.*", ""));
                            }
                        } catch (RuntimeException e) {
                            return; // connection refused or cut: the server is stopping
                        }
                    }
                });
            }
            Thread.sleep(8000);
            Instant term = Instant.now();
            server.destroy(); // SIGTERM
            boolean exited = server.waitFor(60, TimeUnit.SECONDS);
            Duration stopping = Duration.between(term, Instant.now());
            stop.set(true);
            clients.shutdown();
            clients.awaitTermination(60, TimeUnit.SECONDS);
            assertThat(exited).isTrue();
            assertThat(stopping).as("time to stop after SIGTERM").isLessThan(Duration.ofSeconds(10));
            System.out.println("stopped " + stopping.toMillis() + " ms after SIGTERM; acknowledged writes: "
                    + acknowledged.size());
            assertThat(acknowledged).hasSizeGreaterThan(5);

            restarted = start(dir, port);
            String token2 = backendToken(port, ssl);
            TestFhirClient after = new TestFhirClient("https://localhost:" + port + "/fhir", ssl, () -> token2);
            for (String id : acknowledged) {
                assertThat(after.get("/Patient/" + id).status())
                        .as("Patient/" + id)
                        .isEqualTo(200);
                Bundle records = after.get("/AuditEvent?entity=Patient/" + id + "&subtype=create&_summary=count")
                        .as(Bundle.class);
                assertThat(records.getTotal())
                        .as("create record of Patient/" + id)
                        .isEqualTo(1);
            }
        } finally {
            server.destroyForcibly();
            if (restarted != null) {
                restarted.destroy();
                restarted.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    private static Process start(Path dir, int port) throws Exception {
        File jar = Path.of("target", "fhir-server.jar").toAbsolutePath().toFile();
        Process process = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-jar",
                        jar.toString(),
                        "--server.port=" + port,
                        "--fhir.data-dir=" + dir.resolve("data"))
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("server-" + Instant.now().toEpochMilli() + ".log")
                        .toFile())
                .start();
        HttpClient http = HttpClient.newBuilder().sslContext(trustAll()).build();
        Instant deadline = Instant.now().plus(Duration.ofMinutes(3));
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new AssertionError("server exited; see " + dir);
            }
            try {
                HttpResponse<String> ready = http.send(
                        HttpRequest.newBuilder(URI.create("https://localhost:" + port + "/actuator/health/readiness"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (ready.statusCode() == 200 && Files.exists(dir.resolve("data/tls/server.crt"))) {
                    Thread.sleep(2000); // demo data
                    return process;
                }
            } catch (java.io.IOException notYet) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new AssertionError("server not ready in 3 minutes; see " + dir);
    }

    private static String backendToken(int port, SSLContext ssl) throws Exception {
        String basic = Base64.getEncoder()
                .encodeToString((DemoData.BACKEND_CLIENT_ID + ":" + DemoData.BACKEND_CLIENT_SECRET)
                        .getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> response = HttpClient.newBuilder()
                .sslContext(ssl)
                .build()
                .send(
                        HttpRequest.newBuilder(URI.create("https://localhost:" + port + "/auth/oauth2/token"))
                                .header("Authorization", "Basic " + basic)
                                .header("Content-Type", "application/x-www-form-urlencoded")
                                .POST(HttpRequest.BodyPublishers.ofString(
                                        "grant_type=client_credentials&scope=system%2F*.rs+system%2FPatient.cruds"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body()).path("access_token").asText();
    }

    /** Readiness only: the certificate is generated by the server we are waiting for. */
    private static SSLContext trustAll() throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(
                null,
                new javax.net.ssl.TrustManager[] {
                    new javax.net.ssl.X509TrustManager() {
                        @Override
                        public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String type) {}

                        @Override
                        public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String type) {}

                        @Override
                        public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                            return new java.security.cert.X509Certificate[0];
                        }
                    }
                },
                null);
        return context;
    }
}
