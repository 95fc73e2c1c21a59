package org.securefhir.server.database;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops a PostgreSQL server that a previous server process left running on our cluster directory
 * when it was killed without a chance to shut down ({@code kill -9}, OOM killer, power loss of the
 * JVM only). Without this, the next start would wait for the data directory lock and fail.
 *
 * <p>It only acts when no live server process owns the directory: the embedded PostgreSQL library
 * holds an OS file lock on {@code epg-lock} while it runs, which the OS releases when the owning
 * process dies. If that lock is held, another live server is using the directory and start-up
 * fails instead of touching it.
 */
final class OrphanedPostgres {

    private static final Logger log = LoggerFactory.getLogger(OrphanedPostgres.class);
    private static final String LOCK_FILE = "epg-lock";
    private static final String PID_FILE = "postmaster.pid";

    private OrphanedPostgres() {}

    static void stopIfRunning(Path clusterDirectory, Duration timeout) throws IOException {
        Path pidFile = clusterDirectory.resolve(PID_FILE);
        if (!Files.isRegularFile(pidFile)) {
            return;
        }
        try (FileChannel channel = FileChannel.open(
                        clusterDirectory.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = tryLock(channel)) {
            if (lock == null) {
                throw new IllegalStateException(
                        "Another server process is running on " + clusterDirectory + "; stop it first");
            }
            Optional<ProcessHandle> orphan = postmaster(pidFile, clusterDirectory);
            if (orphan.isPresent()) {
                stop(orphan.get(), clusterDirectory, timeout);
            }
        }
    }

    private static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock();
        } catch (OverlappingFileLockException heldByThisProcess) {
            return null;
        }
    }

    /** The live postmaster recorded in the pid file for this very directory, if any. */
    private static Optional<ProcessHandle> postmaster(Path pidFile, Path clusterDirectory) throws IOException {
        List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
        if (lines.size() < 2) {
            return Optional.empty();
        }
        long pid;
        try {
            pid = Long.parseLong(lines.get(0).trim());
        } catch (NumberFormatException garbled) {
            return Optional.empty();
        }
        Path recorded = Path.of(lines.get(1).trim());
        if (!Files.exists(recorded) || !Files.isSameFile(recorded, clusterDirectory)) {
            return Optional.empty();
        }
        return ProcessHandle.of(pid)
                .filter(ProcessHandle::isAlive)
                .filter(process -> process.info()
                        .command()
                        .map(command -> command.endsWith("/postgres"))
                        .orElse(false));
    }

    private static void stop(ProcessHandle postmaster, Path clusterDirectory, Duration timeout) {
        log.warn(
                "Stopping the PostgreSQL server (pid {}) that a previous server process left running on {}",
                postmaster.pid(),
                clusterDirectory);
        postmaster.destroy(); // SIGTERM: smart shutdown; the dead process's connections are gone
        if (!awaitExit(postmaster, timeout)) {
            log.warn("PostgreSQL (pid {}) did not stop in {}; killing it", postmaster.pid(), timeout);
            postmaster.destroyForcibly();
            awaitExit(postmaster, timeout);
        }
    }

    private static boolean awaitExit(ProcessHandle process, Duration timeout) {
        try {
            process.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return !process.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
