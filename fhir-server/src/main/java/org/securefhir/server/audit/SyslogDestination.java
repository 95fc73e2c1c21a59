package org.securefhir.server.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.net.ssl.SSLSocketFactory;

/**
 * Audit records as RFC 5424 syslog messages over TCP (optionally TLS, RFC 5425), octet-counted
 * (RFC 6587 §3.4.1): facility 13 (log audit), severity informational for successes, warning for
 * refusals and alerts; the message is the record's JSON. One connection, reopened after a failure.
 */
final class SyslogDestination implements AuditForwarder.Destination {

    private static final int FACILITY_LOG_AUDIT = 13;

    private final String host;
    private final int port;
    private final boolean tls;
    private final String hostname;
    private Socket socket;

    SyslogDestination(String host, int port, boolean tls, String hostname) {
        this.host = host;
        this.port = port;
        this.tls = tls;
        this.hostname = hostname;
    }

    @Override
    public synchronized void send(List<String> records) throws IOException {
        try {
            OutputStream out = connection().getOutputStream();
            for (String record : records) {
                byte[] message = message(record).getBytes(StandardCharsets.UTF_8);
                out.write((message.length + " ").getBytes(StandardCharsets.US_ASCII));
                out.write(message);
            }
            out.flush();
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    String message(String record) throws IOException {
        JsonNode json = JdbcAuditStore.CANONICAL.readTree(record);
        boolean warning = !"0".equals(json.path("outcome").asText())
                || "alert".equals(json.path("category").asText());
        int priority = FACILITY_LOG_AUDIT * 8 + (warning ? 4 : 6);
        String msgId =
                json.path("category").asText("-") + "." + json.path("subtype").asText("-");
        return "<" + priority + ">1 " + json.path("recorded").asText("-") + " " + hostname + " secure-fhir - "
                + msgId.replace(' ', '_') + " - " + record;
    }

    private Socket connection() throws IOException {
        if (socket == null || socket.isClosed()) {
            Socket plain = new Socket();
            plain.connect(new InetSocketAddress(host, port), 5000);
            socket = tls
                    ? ((SSLSocketFactory) SSLSocketFactory.getDefault()).createSocket(plain, host, port, true)
                    : plain;
        }
        return socket;
    }

    private synchronized void close() {
        try {
            if (socket != null) {
                socket.close();
            }
        } catch (IOException ignored) {
            // reopened on the next send
        }
        socket = null;
    }
}
