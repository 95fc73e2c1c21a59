package org.securefhir.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.IntFunction;
import java.util.stream.Collectors;

/**
 * Load generator for a started server: creates Patients, reads them by id, and searches them by
 * {@code family} + {@code birthdate}, each phase with a fixed number of concurrent connections.
 * Prints throughput and p50/p95/p99 latency per phase, the ratio to the reference figures of the
 * plain {@code hapi-fhir-jpaserver-starter} measured on the same kind of machine, and writes a JSON
 * summary. Usage: {@code java -jar bench/target/bench.jar --base=https://localhost:8443/fhir
 * --ca=data/tls/server.crt [--connections=8 --patients=2000 --reads=5000 --searches=2000
 * --consents=true --settle=0]}; with {@code --consents=true} every patient is created with a
 * privacy Consent (one transaction each), as the consent benchmark needs; {@code --settle=N} waits
 * N seconds between the creates and the reads. With {@code --base-b=URL} (a second server on the
 * same database, see {@code bench/paired.sh}) every phase alternates between the two in
 * {@code 2 x --pairs} blocks (default 10) and the ratio A/B is printed ({@code --name-a=},
 * {@code --name-b=}, {@code --out-b=}). With {@code --separate=true} the two servers have
 * separate databases (this server against the plain HAPI peer, {@code bench/compare-peer.sh}):
 * each side reads and searches only the patients it created itself.
 */
public final class LoadBenchmark {

    /**
     * Plain hapi-fhir-jpaserver-starter 8.8.0 on local PostgreSQL, plain HTTP, 8 connections, on a
     * 2-core machine of this kind (figures from the foundation issue).
     */
    private static final Map<String, Double> REFERENCE_PER_SECOND =
            Map.of("create", 134.0, "read", 473.0, "search", 63.0);

    private static final String[] FAMILIES = {
        "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
        "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
        "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
        "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores"
    };
    private static final String[] GIVEN = {
        "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
        "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen"
    };

    private final HttpClient http;
    private String token;
    private long tokenRenewAt;
    private final String base;
    /** The second server of the paired mode (on the same database), or null. */
    private String baseB;
    /** Paired mode over two databases: each side reads and searches what it created. */
    private boolean separate;

    private String nameA = "A";
    private String nameB = "B";
    private final int connections;
    private final ObjectMapper json = new ObjectMapper();
    private final boolean consents;
    private int settleSeconds;
    /** Failed requests by status (-1: no response; 598: unreadable; 599: patient not found). */
    private final Map<Integer, AtomicInteger> errorStatuses = new java.util.concurrent.ConcurrentSkipListMap<>();

    private LoadBenchmark(HttpClient http, String base, int connections, boolean consents) {
        this.http = http;
        this.base = base;
        this.connections = connections;
        this.consents = consents;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = parse(args);
        String base = options.getOrDefault("base", "https://localhost:8443/fhir");
        Path ca = Path.of(options.getOrDefault("ca", "data/tls/server.crt"));
        int connections = Integer.parseInt(options.getOrDefault("connections", "8"));
        int warmup = Integer.parseInt(options.getOrDefault("warmup", "1500"));
        int patients = Integer.parseInt(options.getOrDefault("patients", "2000"));
        int reads = Integer.parseInt(options.getOrDefault("reads", "5000"));
        int searches = Integer.parseInt(options.getOrDefault("searches", "2000"));
        HttpClient.Version version =
                "2".equals(options.get("http")) ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1;
        Path out = Path.of(options.getOrDefault(
                "out", "bench/results/summary-" + Instant.now().toString().replace(':', '-') + ".json"));

        HttpClient http = HttpClient.newBuilder()
                .sslContext(Tls.trusting(ca))
                .version(version)
                .connectTimeout(Duration.ofSeconds(10))
                .executor(Executors.newFixedThreadPool(connections))
                .build();
        boolean consents = Boolean.parseBoolean(options.getOrDefault("consents", "false"));
        LoadBenchmark benchmark = new LoadBenchmark(http, base, connections, consents);
        benchmark.settleSeconds = Integer.parseInt(options.getOrDefault("settle", "0"));
        if (options.containsKey("base-b")) {
            benchmark.baseB = options.get("base-b");
            benchmark.separate = Boolean.parseBoolean(options.getOrDefault("separate", "false"));
            benchmark.nameA = options.getOrDefault("name-a", "A");
            benchmark.nameB = options.getOrDefault("name-b", "B");
            int pairs = Integer.parseInt(options.getOrDefault("pairs", "10"));
            Path outB = Path.of(options.getOrDefault("out-b", out.toString().replaceAll("\\.json$", "") + "-b.json"));
            if (options.containsKey("scale")) {
                int[] levels = Arrays.stream(options.get("scale").split(","))
                        .mapToInt(Integer::parseInt)
                        .toArray();
                int batch = Integer.parseInt(options.getOrDefault("batch", "100"));
                benchmark.runScale(warmup, levels, batch, reads, searches, pairs);
                System.exit(0);
            }
            benchmark.runPaired(warmup, patients, reads, searches, pairs, version, out, outB);
        } else {
            benchmark.run(warmup, patients, reads, searches, version, out);
        }
        System.exit(0);
    }

    private void run(int warmup, int patients, int reads, int searches, HttpClient.Version version, Path out)
            throws Exception {
        System.out.printf(Locale.ROOT, "Benchmark against %s, %d connections, %s%n", base, connections, version);

        ConcurrentLinkedQueue<String[]> created = new ConcurrentLinkedQueue<>();
        phase("warm-up", warmup, i -> create(base, created));
        List<String[]> warm = new ArrayList<>(created);
        phase("warm-up reads", warmup, i -> read(base, warm.get(i % warm.size())[0]));
        phase("warm-up searches", warmup / 2, i -> search(base, warm.get(i % warm.size())));

        Map<String, Result> results = new LinkedHashMap<>();
        results.put("create", phase("create", patients, i -> create(base, created)));
        settle();
        List<String[]> all = new ArrayList<>(created);
        results.put("read", phase("read", reads, i -> read(base, random(all)[0])));
        results.put("search", phase("search", searches, i -> search(base, random(all))));

        System.out.println();
        report(results, base, version, out);
    }

    /**
     * Paired mode: two servers on one database (bench/paired.sh), every phase split into blocks that
     * alternate between them (A B, then B A, ...), so that both meet the same data, the same
     * database state and the same moments of machine noise; prints the ratio A/B per phase over all
     * blocks, and the median and range of the per-pair ratios.
     */
    private void runPaired(
            int warmup,
            int patients,
            int reads,
            int searches,
            int pairs,
            HttpClient.Version version,
            Path out,
            Path outB)
            throws Exception {
        System.out.printf(
                Locale.ROOT,
                "Paired benchmark: %s = %s, %s = %s, %d connections, %d block pairs per phase, %s%n",
                nameA,
                base,
                nameB,
                baseB,
                connections,
                pairs,
                version);
        // one pool of created patients, or one per server when their databases are separate
        ConcurrentLinkedQueue<String[]> shared = new ConcurrentLinkedQueue<>();
        Map<String, ConcurrentLinkedQueue<String[]>> created = separate
                ? Map.of(base, new ConcurrentLinkedQueue<>(), baseB, new ConcurrentLinkedQueue<>())
                : Map.of(base, shared, baseB, shared);
        for (String target : List.of(base, baseB)) {
            phase("warm-up " + name(target), warmup / 2, i -> create(target, created.get(target)));
        }
        Map<String, List<String[]>> warm = snapshot(created);
        for (String target : List.of(base, baseB)) {
            List<String[]> own = warm.get(target);
            phase("warm-up reads " + name(target), warmup, i -> read(target, own.get(i % own.size())[0]));
            phase("warm-up search " + name(target), warmup / 2, i -> search(target, own.get(i % own.size())));
        }

        Map<String, Paired> results = new LinkedHashMap<>();
        results.put("create", paired("create", patients, pairs, (target, i) -> create(target, created.get(target))));
        settle();
        Map<String, List<String[]>> all = snapshot(created);
        results.put("read", paired("read", reads, pairs, (target, i) -> read(target, random(all.get(target))[0])));
        results.put(
                "search", paired("search", searches, pairs, (target, i) -> search(target, random(all.get(target)))));

        System.out.println();
        System.out.printf(
                Locale.ROOT,
                "%-8s %12s %12s %8s %16s %12s %12s%n",
                "phase",
                nameA + " req/s",
                nameB + " req/s",
                nameA + "/" + nameB,
                "pairs median",
                nameA + " p95 ms",
                nameB + " p95 ms");
        Map<String, Result> resultsA = new LinkedHashMap<>();
        Map<String, Result> resultsB = new LinkedHashMap<>();
        results.forEach((phase, result) -> {
            double[] ratios = result.ratios();
            System.out.printf(
                    Locale.ROOT,
                    "%-8s %12.1f %12.1f %8.3f %6.3f (%.2f-%.2f) %12.1f %12.1f%n",
                    phase,
                    result.a().perSecond(),
                    result.b().perSecond(),
                    result.a().perSecond() / result.b().perSecond(),
                    Compare.median(ratios),
                    Arrays.stream(ratios).min().orElseThrow(),
                    Arrays.stream(ratios).max().orElseThrow(),
                    result.a().percentileMillis(95),
                    result.b().percentileMillis(95));
            resultsA.put(phase, result.a());
            resultsB.put(phase, result.b());
        });
        System.out.println();
        System.out.println(nameA + ":");
        report(resultsA, base, version, out);
        System.out.println(nameB + ":");
        report(resultsB, baseB, version, outB);
    }

    /** One phase of the paired mode: its requests in {@code 2 x pairs} blocks, alternating servers. */
    private Paired paired(String name, int count, int pairs, BiFunction<String, Integer, Integer> request)
            throws InterruptedException {
        int block = Math.max(1, count / (2 * pairs));
        List<Result> a = new ArrayList<>();
        List<Result> b = new ArrayList<>();
        double[] ratios = new double[pairs];
        for (int k = 0; k < pairs; k++) {
            boolean aFirst = k % 2 == 0;
            String first = aFirst ? base : baseB;
            String second = aFirst ? baseB : base;
            Result one = measure(block, i -> request.apply(first, i));
            Result two = measure(block, i -> request.apply(second, i));
            Result ofA = aFirst ? one : two;
            Result ofB = aFirst ? two : one;
            a.add(ofA);
            b.add(ofB);
            ratios[k] = ofA.perSecond() / ofB.perSecond();
        }
        Paired result = new Paired(Result.merge(a), Result.merge(b), ratios);
        System.out.printf(
                Locale.ROOT,
                "  %-8s %d blocks of %d: %s %.1f/s, %s %.1f/s, ratio %.3f, per pair %s%n",
                name,
                2 * pairs,
                block,
                nameA,
                result.a().perSecond(),
                nameB,
                result.b().perSecond(),
                result.a().perSecond() / result.b().perSecond(),
                Arrays.stream(ratios)
                        .mapToObj(r -> String.format(Locale.ROOT, "%.2f", r))
                        .collect(Collectors.joining(" ")));
        return result;
    }

    private static Map<String, List<String[]>> snapshot(Map<String, ConcurrentLinkedQueue<String[]>> created) {
        Map<String, List<String[]>> lists = new java.util.HashMap<>();
        created.forEach((target, queue) -> lists.put(target, new ArrayList<>(queue)));
        return lists;
    }

    private String name(String target) {
        return target.equals(base) ? nameA : nameB;
    }

    private void settle() throws InterruptedException {
        if (settleSeconds > 0) {
            // let work the creates left behind (background refreshes, autovacuum) finish first
            System.out.printf(Locale.ROOT, "settling %d s%n", settleSeconds);
            Thread.sleep(settleSeconds * 1000L);
        }
    }

    /** Prints one server's figures against the reference and writes its JSON summary. */
    private void report(Map<String, Result> results, String target, HttpClient.Version version, Path out)
            throws IOException {
        System.out.printf(
                Locale.ROOT,
                "%-8s %10s %9s %9s %9s %8s %14s%n",
                "phase",
                "req/s",
                "p50 ms",
                "p95 ms",
                "p99 ms",
                "errors",
                "vs reference");
        ObjectNode summary = json.createObjectNode();
        summary.put("timestamp", Instant.now().toString());
        summary.put("base", target);
        summary.put("connections", connections);
        summary.put("httpVersion", version.toString());
        summary.put("cores", Runtime.getRuntime().availableProcessors());
        ObjectNode phases = summary.putObject("phases");
        for (Map.Entry<String, Result> entry : results.entrySet()) {
            Result result = entry.getValue();
            double reference = REFERENCE_PER_SECOND.get(entry.getKey());
            double ratio = result.perSecond() / reference;
            System.out.printf(
                    Locale.ROOT,
                    "%-8s %10.1f %9.1f %9.1f %9.1f %8d %8.2fx (%.0f/s)%n",
                    entry.getKey(),
                    result.perSecond(),
                    result.percentileMillis(50),
                    result.percentileMillis(95),
                    result.percentileMillis(99),
                    result.errors(),
                    ratio,
                    reference);
            ObjectNode phase = phases.putObject(entry.getKey());
            phase.put("requests", result.count());
            phase.put("errors", result.errors());
            phase.put("perSecond", round(result.perSecond()));
            phase.put("p50Ms", round(result.percentileMillis(50)));
            phase.put("p95Ms", round(result.percentileMillis(95)));
            phase.put("p99Ms", round(result.percentileMillis(99)));
            phase.put("referencePerSecond", reference);
            phase.put("ratioToReference", round(ratio));
        }
        summary.put(
                "reference",
                "plain hapi-fhir-jpaserver-starter 8.8.0, local PostgreSQL, plain HTTP, 8 connections, 2 cores");
        Files.createDirectories(out.toAbsolutePath().getParent());
        json.writerWithDefaultPrettyPrinter().writeValue(out.toFile(), summary);
        System.out.println("Summary written to " + out);
        long errors = results.values().stream().mapToLong(Result::errors).sum();
        if (errors > 0) {
            System.out.println("WARNING: " + errors + " requests failed; by status, all phases: " + errorStatuses);
        }
    }

    private Result phase(String name, int count, IntFunction<Integer> request) throws InterruptedException {
        Result result = measure(count, request);
        System.out.printf(
                Locale.ROOT,
                "  %-17s %6d requests in %6.1f s: %7.1f/s, p95 %.1f ms, errors %d%n",
                name,
                count,
                result.seconds(),
                result.perSecond(),
                result.percentileMillis(95),
                result.errors());
        return result;
    }

    private Result measure(int count, IntFunction<Integer> request) throws InterruptedException {
        long[] latencies = new long[count];
        AtomicInteger next = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        ExecutorService workers = Executors.newFixedThreadPool(connections);
        long start = System.nanoTime();
        for (int w = 0; w < connections; w++) {
            workers.execute(() -> {
                int i;
                while ((i = next.getAndIncrement()) < count) {
                    long began = System.nanoTime();
                    int status;
                    try {
                        status = request.apply(i);
                    } catch (RuntimeException e) {
                        status = -1;
                        if (errorStatuses.get(-1) == null) {
                            System.out.println("  first request without a response: " + e);
                        }
                    }
                    latencies[i] = System.nanoTime() - began;
                    if (status < 200 || status > 299) {
                        errors.incrementAndGet();
                        errorStatuses
                                .computeIfAbsent(status, code -> new AtomicInteger())
                                .incrementAndGet();
                    }
                }
            });
        }
        workers.shutdown();
        if (!workers.awaitTermination(30, TimeUnit.MINUTES)) {
            throw new IllegalStateException(count + " requests did not finish in 30 minutes");
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Result(count, errors.get(), seconds, latencies);
    }

    private int create(String target, ConcurrentLinkedQueue<String[]> created) {
        String[] facts = new String[2];
        ObjectNode patient = patient(facts);
        String family = facts[0];
        String birthDate = facts[1];
        if (consents) {
            return createWithConsent(target, patient, family, birthDate, created);
        }
        HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(target + "/Patient"))
                .header("Content-Type", "application/fhir+json")
                .header("Prefer", "return=minimal")
                .POST(HttpRequest.BodyPublishers.ofString(patient.toString())));
        if (response.statusCode() == 201) {
            String location = response.headers().firstValue("Location").orElseThrow();
            String id = location.replaceAll(".*/Patient/([^/]+)/_history/.*", "$1");
            created.add(new String[] {id, family, birthDate});
        }
        return response.statusCode();
    }

    /**
     * Scale mode: both servers (separate databases) loaded in steps to each level of patients
     * (transactions of {@code batch} patients, alternating which server loads first), and at each
     * level read-by-id and search measured in paired blocks over all patients loaded so far: the cost
     * curve of each server, and the ratio at each size.
     */
    private void runScale(int warmup, int[] levels, int batch, int reads, int searches, int pairs) throws Exception {
        System.out.printf(
                Locale.ROOT,
                "Scale benchmark: %s = %s, %s = %s, levels %s, transactions of %d patients, %d connections%n",
                nameA,
                base,
                nameB,
                baseB,
                Arrays.toString(levels),
                batch,
                connections);
        Map<String, ConcurrentLinkedQueue<String[]>> created =
                Map.of(base, new ConcurrentLinkedQueue<>(), baseB, new ConcurrentLinkedQueue<>());
        for (String target : List.of(base, baseB)) {
            phase("warm-up " + name(target), warmup / 2, i -> create(target, created.get(target)));
            List<String[]> own = new ArrayList<>(created.get(target));
            phase("warm-up reads " + name(target), warmup, i -> read(target, own.get(i % own.size())[0]));
            phase("warm-up search " + name(target), warmup / 2, i -> search(target, own.get(i % own.size())));
        }
        List<String> rows = new ArrayList<>();
        for (int l = 0; l < levels.length; l++) {
            int level = levels[l];
            List<String> order = l % 2 == 0 ? List.of(base, baseB) : List.of(baseB, base);
            Map<String, Double> loadRate = new HashMap<>();
            for (String target : order) {
                int missing = Math.max(0, level - created.get(target).size());
                int batches = (missing + batch - 1) / batch;
                Result load = phase(
                        "load " + name(target) + " to " + level,
                        batches,
                        i -> createBatch(target, Math.min(batch, missing - i * batch), created.get(target)));
                loadRate.put(target, load.count() * (double) batch / load.seconds());
            }
            settle();
            Map<String, List<String[]>> all = snapshot(created);
            Paired read =
                    paired("read@" + level, reads, pairs, (target, i) -> read(target, random(all.get(target))[0]));
            Paired search =
                    paired("search@" + level, searches, pairs, (target, i) -> search(target, random(all.get(target))));
            rows.add(String.format(
                    Locale.ROOT,
                    "%9d | %7.1f %7.1f %6.2f | %7.1f %7.1f | %7.1f %7.1f %6.2f | %7.1f %7.1f | %7.0f %7.0f",
                    level,
                    read.a().perSecond(),
                    read.b().perSecond(),
                    read.a().perSecond() / read.b().perSecond(),
                    read.a().percentileMillis(95),
                    read.b().percentileMillis(95),
                    search.a().perSecond(),
                    search.b().perSecond(),
                    search.a().perSecond() / search.b().perSecond(),
                    search.a().percentileMillis(95),
                    search.b().percentileMillis(95),
                    loadRate.get(base),
                    loadRate.get(baseB)));
        }
        System.out.println();
        System.out.printf(
                Locale.ROOT,
                "%9s | %-22s | %-15s | %-22s | %-15s | %s%n",
                "patients",
                "read/s " + nameA + " " + nameB + " ratio",
                "read p95 ms",
                "search/s " + nameA + " " + nameB + " ratio",
                "search p95 ms",
                "load patients/s");
        rows.forEach(System.out::println);
        if (!errorStatuses.isEmpty()) {
            System.out.println("WARNING: requests failed; by status, all phases: " + errorStatuses);
        }
    }

    /** One transaction creating {@code count} patients (a load step of the scale mode). */
    private int createBatch(String target, int count, ConcurrentLinkedQueue<String[]> created) {
        ObjectNode bundle = json.createObjectNode();
        bundle.put("resourceType", "Bundle").put("type", "transaction");
        ArrayNode entries = bundle.putArray("entry");
        List<String[]> facts = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String[] patientFacts = new String[2];
            ObjectNode entry = entries.addObject();
            entry.set("resource", patient(patientFacts));
            entry.putObject("request").put("method", "POST").put("url", "Patient");
            facts.add(patientFacts);
        }
        HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(target))
                .header("Content-Type", "application/fhir+json")
                .POST(HttpRequest.BodyPublishers.ofString(bundle.toString())));
        if (response.statusCode() != 200) {
            return response.statusCode();
        }
        try {
            JsonNode answered = json.readTree(response.body()).path("entry");
            for (int i = 0; i < answered.size() && i < count; i++) {
                String location =
                        answered.get(i).path("response").path("location").asText();
                String id = location.replaceAll("^(.*/)?Patient/([^/]+)(/_history/.*)?$", "$2");
                created.add(new String[] {id, facts.get(i)[0], facts.get(i)[1]});
            }
        } catch (IOException e) {
            return 597;
        }
        return 200;
    }

    /** A random patient; {@code facts} receives its family name and birth date (what search uses). */
    private ObjectNode patient(String[] facts) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        String family = FAMILIES[random.nextInt(FAMILIES.length)] + (char) ('a' + random.nextInt(26));
        String birthDate =
                LocalDate.of(1930, 1, 1).plusDays(random.nextInt(80 * 365)).toString();
        ObjectNode patient = json.createObjectNode();
        patient.put("resourceType", "Patient");
        patient.putArray("identifier")
                .addObject()
                .put("system", "urn:oid:2.16.840.1.113883.19.5")
                .put("value", "MRN-" + Long.toHexString(random.nextLong()));
        ObjectNode name = patient.putArray("name").addObject();
        name.put("use", "official").put("family", family);
        name.putArray("given").add(GIVEN[random.nextInt(GIVEN.length)]).add(GIVEN[random.nextInt(GIVEN.length)]);
        ArrayNode telecom = patient.putArray("telecom");
        telecom.addObject().put("system", "phone").put("value", "555-" + (1000 + random.nextInt(9000)));
        telecom.addObject().put("system", "email").put("value", family.toLowerCase(Locale.ROOT) + "@example.org");
        patient.put("gender", random.nextBoolean() ? "female" : "male");
        patient.put("birthDate", birthDate);
        ObjectNode address = patient.putArray("address").addObject();
        address.putArray("line").add(random.nextInt(999) + " Main Street");
        address.put("city", "Springfield").put("state", "MA").put("postalCode", "0" + (1000 + random.nextInt(8999)));
        facts[0] = family;
        facts[1] = birthDate;
        return patient;
    }

    /**
     * The patient and their privacy consent in one transaction: treatment permitted, except
     * psychiatric (PSY) observations, which are denied (so every check walks a rule tree).
     */
    private int createWithConsent(
            String target,
            ObjectNode patient,
            String family,
            String birthDate,
            ConcurrentLinkedQueue<String[]> created) {
        String patientUrl = "urn:uuid:" + java.util.UUID.randomUUID();
        ObjectNode bundle = json.createObjectNode();
        bundle.put("resourceType", "Bundle").put("type", "transaction");
        ArrayNode entries = bundle.putArray("entry");
        ObjectNode patientEntry = entries.addObject();
        patientEntry.put("fullUrl", patientUrl);
        patientEntry.set("resource", patient);
        patientEntry.putObject("request").put("method", "POST").put("url", "Patient");
        ObjectNode consent = json.createObjectNode();
        consent.put("resourceType", "Consent").put("status", "active");
        consent.putObject("scope")
                .putArray("coding")
                .addObject()
                .put("system", "http://terminology.hl7.org/CodeSystem/consentscope")
                .put("code", "patient-privacy");
        consent.putArray("category")
                .addObject()
                .putArray("coding")
                .addObject()
                .put("system", "urn:securefhir:consent-category")
                .put("code", "treatment");
        consent.putObject("patient").put("reference", patientUrl);
        ObjectNode provision = consent.putObject("provision");
        provision.put("type", "permit");
        ObjectNode except = provision.putArray("provision").addObject();
        except.put("type", "deny");
        except.putArray("class")
                .addObject()
                .put("system", "http://hl7.org/fhir/resource-types")
                .put("code", "Observation");
        except.putArray("securityLabel")
                .addObject()
                .put("system", "http://terminology.hl7.org/CodeSystem/v3-ActCode")
                .put("code", "PSY");
        ObjectNode consentEntry = entries.addObject();
        consentEntry.set("resource", consent);
        consentEntry.putObject("request").put("method", "POST").put("url", "Consent");
        HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(target))
                .header("Content-Type", "application/fhir+json")
                .header("Prefer", "return=minimal")
                .POST(HttpRequest.BodyPublishers.ofString(bundle.toString())));
        if (response.statusCode() == 200) {
            try {
                String location = json.readTree(response.body())
                        .path("entry")
                        .path(0)
                        .path("response")
                        .path("location")
                        .asText();
                created.add(
                        new String[] {location.replaceAll(".*Patient/([^/]+)/_history/.*", "$1"), family, birthDate});
                return 201;
            } catch (IOException e) {
                return 598;
            }
        }
        return response.statusCode();
    }

    private int read(String target, String id) {
        return send(HttpRequest.newBuilder(URI.create(target + "/Patient/" + id))
                        .GET())
                .statusCode();
    }

    private int search(String target, String[] patient) {
        String query = "family=" + URLEncoder.encode(patient[1], StandardCharsets.UTF_8) + "&birthdate=" + patient[2];
        HttpResponse<String> response = send(
                HttpRequest.newBuilder(URI.create(target + "/Patient?" + query)).GET());
        if (response.statusCode() == 200 && !hasEntries(response.body())) {
            return 599; // the patient just created must be found
        }
        return response.statusCode();
    }

    private boolean hasEntries(String body) {
        try {
            JsonNode bundle = json.readTree(body);
            return bundle.path("entry").size() > 0;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The FHIR API needs a bearer token: client_credentials of the demo backend service (demo mode,
     * docs/demo-accounts.md), renewed every 4 minutes (tokens live 5).
     */
    private synchronized String token() {
        if (token == null || System.nanoTime() > tokenRenewAt) {
            String basic = java.util.Base64.getEncoder()
                    .encodeToString("demo-backend-service:demo-backend-secret-NOT-FOR-PRODUCTION-0001"
                            .getBytes(StandardCharsets.UTF_8));
            try {
                HttpResponse<String> response = http.send(
                        HttpRequest.newBuilder(URI.create(base.replaceAll("/fhir$", "/auth/oauth2/token")))
                                .header("Authorization", "Basic " + basic)
                                .header("Content-Type", "application/x-www-form-urlencoded")
                                .timeout(Duration.ofSeconds(30))
                                .POST(HttpRequest.BodyPublishers.ofString(
                                        "grant_type=client_credentials&scope=system%2F*.rs+system%2FPatient.cruds"
                                                + (consents ? "+system%2FConsent.cruds" : "")))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 200) {
                    throw new IllegalStateException("token request failed: " + response.statusCode());
                }
                token = json.readTree(response.body()).path("access_token").asText();
                tokenRenewAt = System.nanoTime() + Duration.ofMinutes(4).toNanos();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        return token;
    }

    private HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return http.send(
                    request.header("Accept", "application/fhir+json")
                            .header("Authorization", "Bearer " + token())
                            .timeout(Duration.ofSeconds(60))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String[] random(List<String[]> patients) {
        return patients.get(ThreadLocalRandom.current().nextInt(patients.size()));
    }

    private static double round(double value) {
        return Math.round(value * 100) / 100.0;
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (String arg : args) {
            if (!arg.startsWith("--") || !arg.contains("=")) {
                throw new IllegalArgumentException("Options are --name=value, got: " + arg);
            }
            options.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
        }
        return options;
    }

    /** One phase of the paired mode: each server's blocks together, and the ratio A/B of each pair. */
    private record Paired(Result a, Result b, double[] ratios) {}

    /** One phase's measurements. */
    private record Result(int count, int errors, double seconds, long[] latenciesNanos) {

        Result {
            latenciesNanos = latenciesNanos.clone();
            Arrays.sort(latenciesNanos);
        }

        /** Blocks of one server taken together: all their requests over the sum of their durations. */
        static Result merge(List<Result> blocks) {
            long[] latencies = blocks.stream()
                    .flatMapToLong(block -> Arrays.stream(block.latenciesNanos()))
                    .toArray();
            return new Result(
                    blocks.stream().mapToInt(Result::count).sum(),
                    blocks.stream().mapToInt(Result::errors).sum(),
                    blocks.stream().mapToDouble(Result::seconds).sum(),
                    latencies);
        }

        double perSecond() {
            return count / seconds;
        }

        double percentileMillis(int percentile) {
            if (latenciesNanos.length == 0) {
                return 0;
            }
            int index = (int) Math.ceil(percentile / 100.0 * latenciesNanos.length) - 1;
            return latenciesNanos[Math.max(0, index)] / 1e6;
        }
    }
}
