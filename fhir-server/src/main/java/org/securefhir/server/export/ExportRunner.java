package org.securefhir.server.export;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeSearchParam;
import ca.uhn.fhir.parser.IParser;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.SecretKey;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Resource;
import org.securefhir.interceptors.ownership.PatientOwnership;
import org.securefhir.server.export.ExportRequest.Level;
import org.securefhir.server.export.InternalSearches.Answer;
import org.securefhir.server.export.InternalSearches.Authority;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs exports in the background: per type, the searches that make up the export, run as the
 * client ({@link InternalSearches}) and followed page by page, each page's matches written as
 * NDJSON into files of at most {@code resourcesPerFile} resources, sealed as they are stored. A
 * search the pipeline refuses (403, 400) becomes an OperationOutcome in the export's error file and
 * the export goes on; a server error fails the export. Cancelling (the job's row deleted) stops it
 * at the next page.
 */
final class ExportRunner implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ExportRunner.class);
    private static final int MEMBERS_PER_SEARCH = 50;

    private final ExportJobs jobs;
    private final InternalSearches searches;
    private final FhirContext fhir;
    private final PatientOwnership ownership;
    private final BulkExportProperties properties;
    private final int pageSize;
    private final Clock clock;
    private final ExecutorService workers;
    private final java.util.concurrent.ScheduledExecutorService sweeper;
    private static final int SWEEP_SECONDS = 30;

    ExportRunner(
            ExportJobs jobs,
            InternalSearches searches,
            FhirContext fhir,
            PatientOwnership ownership,
            BulkExportProperties properties,
            int pageSize,
            Clock clock) {
        this.jobs = jobs;
        this.searches = searches;
        this.fhir = fhir;
        this.ownership = ownership;
        this.properties = properties;
        this.pageSize = pageSize;
        this.clock = clock;
        AtomicInteger threads = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(properties.workers(), runnable -> {
            Thread thread = new Thread(runnable, "bulk-export-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        this.sweeper = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "bulk-export-sweeper");
            thread.setDaemon(true);
            return thread;
        });
        sweeper.scheduleWithFixedDelay(this::sweep, 1, SWEEP_SECONDS, TimeUnit.SECONDS);
    }

    /** Deletes expired exports, fails interrupted ones. */
    void sweep() {
        try {
            int deleted = jobs.sweep(properties.fileLifetime());
            if (deleted > 0) {
                log.info("Deleted {} expired bulk export(s) with their files and keys", deleted);
            }
        } catch (RuntimeException e) {
            log.warn("Sweeping expired bulk exports failed: {}", e.getClass().getName());
        }
    }

    /** Starts the export in the background. */
    void start(UUID id, ExportRequest request, List<String> types, Authority authority, Instant transactionTime) {
        workers.execute(() -> run(id, request, types, authority, transactionTime));
    }

    private void run(UUID id, ExportRequest request, List<String> types, Authority authority, Instant transactionTime) {
        Instant deadline = clock.instant().plus(properties.maxDuration());
        try {
            new Export(id, request, types, authority, transactionTime, deadline).run();
        } catch (Cancelled cancelled) {
            log.info("Bulk export {} cancelled or expired", id);
        } catch (Failure failure) {
            jobs.fail(id, failure.getMessage(), failure.status, clock.instant().plus(properties.fileLifetime()));
            log.info("Bulk export {} failed: {}", id, failure.getMessage());
        } catch (RuntimeException e) {
            // no values: the message of a parser or database error can quote data
            log.error("Bulk export {} failed: {}", id, e.getClass().getName());
            jobs.fail(
                    id, "the export failed (server error)", 500, clock.instant().plus(properties.fileLifetime()));
        }
    }

    @Override
    public void close() throws InterruptedException {
        sweeper.shutdownNow();
        workers.shutdownNow();
        workers.awaitTermination(10, TimeUnit.SECONDS);
    }

    /** One export's run. */
    private final class Export {

        private final UUID id;
        private final ExportRequest request;
        private final List<String> types;
        private final Authority authority;
        private final Instant transactionTime;
        private final Instant deadline;
        private final SecretKey key;
        private final IParser json = fhir.newJsonParser().setPrettyPrint(false);
        private final List<OperationOutcome> errors = new ArrayList<>();
        private int seq;

        Export(
                UUID id,
                ExportRequest request,
                List<String> types,
                Authority authority,
                Instant transactionTime,
                Instant deadline) {
            this.id = id;
            this.request = request;
            this.types = types;
            this.authority = authority;
            this.transactionTime = transactionTime;
            this.deadline = deadline;
            this.key = jobs.key(id);
        }

        void run() {
            Optional<List<String>> members = request.level() == Level.GROUP ? Optional.of(members()) : Optional.empty();
            for (int i = 0; i < types.size(); i++) {
                String type = types.get(i);
                alive("exporting " + type + " (" + (i + 1) + " of " + types.size() + " types)");
                Output output = new Output(type);
                Set<String> seen = new HashSet<>();
                for (String query : queries(type, members)) {
                    if (!follow(type, query, output, seen)) {
                        break;
                    }
                }
                output.flush();
            }
            if (!errors.isEmpty()) {
                Output output = new Output("OperationOutcome");
                errors.forEach(outcome -> output.add(outcome, Set.of()));
                output.flushAs("error");
            }
            jobs.complete(id, clock.instant().plus(properties.fileLifetime()));
        }

        /** The group's Patient members, read as the client (so a group it may not read fails the export). */
        private List<String> members() {
            String group = request.groupId().orElseThrow();
            Answer answer = searches.get(authority, "Group/" + group);
            if (answer.status() != 200) {
                throw new Failure(
                        answer.status() >= 500 ? 500 : answer.status(),
                        "Group/" + group + " could not be read (" + answer.status() + ")");
            }
            Group read = json.parseResource(Group.class, new String(answer.body(), StandardCharsets.UTF_8));
            return read.getMember().stream()
                    .map(member -> member.getEntity().getReferenceElement())
                    .filter(reference -> "Patient".equals(reference.getResourceType()) && reference.hasIdPart())
                    .map(reference -> reference.getIdPart())
                    .distinct()
                    .toList();
        }

        /** The searches whose union is this type's part of the export, without paging parameters. */
        private List<String> queries(String type, Optional<List<String>> members) {
            List<String> filters = request.typeFilters().getOrDefault(type, List.of(""));
            String window = "_lastUpdated=le" + new InstantType(java.util.Date.from(transactionTime)).getValueAsString()
                    + request.since()
                            .map(since ->
                                    "&_lastUpdated=gt" + new InstantType(java.util.Date.from(since)).getValueAsString())
                            .orElse("")
                    + "&_count=" + pageSize;
            List<String> queries = new ArrayList<>();
            for (String filter : filters) {
                String base = type + "?" + (filter.isEmpty() ? "" : filter + "&") + window;
                if (members.isEmpty()) {
                    queries.add(base);
                    continue;
                }
                List<String> ids = members.get();
                for (int from = 0; from < ids.size(); from += MEMBERS_PER_SEARCH) {
                    List<String> chunk = ids.subList(from, Math.min(ids.size(), from + MEMBERS_PER_SEARCH));
                    if (type.equals("Patient")) {
                        queries.add(base + "&_id=" + String.join(",", chunk));
                        continue;
                    }
                    String references = String.join(
                            ",", chunk.stream().map("Patient/"::concat).toList());
                    for (String parameter : compartmentParameters(type)) {
                        queries.add(base + "&" + parameter + "=" + references);
                    }
                }
            }
            return queries;
        }

        /**
         * Follows one search to its last page.
         *
         * @return false if the search was refused (recorded in the error file): the type's other
         *     searches would be refused alike
         */
        private boolean follow(String type, String query, Output output, Set<String> seen) {
            String next = query;
            while (next != null) {
                alive(null);
                Answer answer = searches.get(authority, next);
                if (answer.status() >= 500) {
                    throw new Failure(500, "a search of " + type + " failed (" + answer.status() + ")");
                }
                if (answer.status() != 200) {
                    errors.add(refusal(type, answer));
                    return false;
                }
                Bundle page = json.parseResource(Bundle.class, new String(answer.body(), StandardCharsets.UTF_8));
                for (Bundle.BundleEntryComponent entry : page.getEntry()) {
                    Resource resource = entry.getResource();
                    if (resource == null
                            || !resource.fhirType().equals(type)
                            || !seen.add(resource.getIdElement().getIdPart())) {
                        continue;
                    }
                    Set<String> patients = ownership.patients(resource);
                    if (request.level() == Level.PATIENT && !type.equals("Patient") && patients.isEmpty()) {
                        continue; // Patient/$export: what is in some patient's compartment
                    }
                    output.add(resource, patients);
                }
                Bundle.BundleLinkComponent link = page.getLink(Bundle.LINK_NEXT);
                next = link == null || !link.getUrl().contains("?")
                        ? null
                        : link.getUrl().substring(link.getUrl().indexOf('?'));
            }
            return true;
        }

        private OperationOutcome refusal(String type, Answer answer) {
            try {
                return json.parseResource(OperationOutcome.class, new String(answer.body(), StandardCharsets.UTF_8));
            } catch (RuntimeException e) {
                OperationOutcome outcome = new OperationOutcome();
                outcome.addIssue()
                        .setSeverity(OperationOutcome.IssueSeverity.ERROR)
                        .setCode(OperationOutcome.IssueType.FORBIDDEN)
                        .setDiagnostics("A search of " + type + " was refused (" + answer.status() + ")");
                return outcome;
            }
        }

        /** Stops if the export was cancelled, expired or ran too long; else records progress. */
        private void alive(String progress) {
            if (clock.instant().isAfter(deadline)) {
                throw new Failure(500, "the export ran longer than fhir.bulk-export.max-duration");
            }
            if (Thread.currentThread().isInterrupted()) {
                throw new Cancelled();
            }
            if (!jobs.heartbeat(id, progress == null ? currentProgress : (currentProgress = progress))) {
                throw new Cancelled();
            }
        }

        private String currentProgress = "starting";

        /** The NDJSON file being written for one type. */
        private final class Output {
            private final String type;
            private final ByteArrayOutputStream ndjson = new ByteArrayOutputStream();
            private final Set<String> patients = new TreeSet<>();
            private int count;

            Output(String type) {
                this.type = type;
            }

            void add(IBaseResource resource, Set<String> owners) {
                ndjson.writeBytes(json.encodeResourceToString(resource).getBytes(StandardCharsets.UTF_8));
                ndjson.write('\n');
                owners.forEach(patient -> patients.add("Patient/" + patient));
                if (++count >= properties.resourcesPerFile()) {
                    flush();
                }
            }

            void flush() {
                flushAs("output");
            }

            void flushAs(String kind) {
                if (count == 0) {
                    return;
                }
                jobs.addFile(id, key, ++seq, kind, type, count, ndjson.toByteArray(), patients);
                ndjson.reset();
                patients.clear();
                count = 0;
            }
        }
    }

    /** The search parameters that put a resource of the type in a patient's compartment. */
    List<String> compartmentParameters(String type) {
        return fhir.getResourceDefinition(type).getSearchParamsForCompartmentName("Patient").stream()
                .map(RuntimeSearchParam::getName)
                .distinct()
                .toList();
    }

    /** The export failed: the status and why, without values. */
    private static final class Failure extends RuntimeException {
        private final int status;

        Failure(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    /** The export was cancelled or expired: nothing left to do. */
    private static final class Cancelled extends RuntimeException {
        Cancelled() {
            super(null, null, false, false);
        }
    }
}
