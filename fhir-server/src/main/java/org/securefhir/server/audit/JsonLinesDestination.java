package org.securefhir.server.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/** Audit records appended as JSON lines to a file (for a log shipper), flushed to disk per batch. */
final class JsonLinesDestination implements AuditForwarder.Destination {

    private final Path file;

    JsonLinesDestination(Path file) {
        this.file = file;
    }

    @Override
    public void send(List<String> records) throws IOException {
        StringBuilder lines = new StringBuilder();
        records.forEach(record -> lines.append(record).append('\n'));
        try (FileChannel channel = FileChannel.open(
                file, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.wrap(lines.toString().getBytes(StandardCharsets.UTF_8));
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(false);
        }
    }
}
