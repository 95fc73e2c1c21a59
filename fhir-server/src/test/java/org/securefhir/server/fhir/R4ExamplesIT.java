package org.securefhir.server.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.Test;
import org.securefhir.server.support.AbstractFhirServerIT;
import org.securefhir.server.support.TestFhirClient;
import org.securefhir.server.support.TestFhirClient.Response;

/**
 * The HL7 R4 example set (npm {@code hl7.fhir.r4.examples} 4.0.1, fetched and checksummed by the
 * build before the integration tests: fhir-server/pom.xml) loads: every example of a type the
 * server serves that HAPI's instance validator accepts is stored under its own id (PUT, in batch
 * bundles, several passes so that examples referring to each other find their targets) and reads
 * back equal, {@code meta} aside. Every example that does not is listed with its reason in
 * {@code r4-examples-exceptions.tsv}; an unlisted failure fails the test, and so does a listed
 * exception that now loads, so that the list (and docs/conformance.md) stays true.
 */
class R4ExamplesIT extends AbstractFhirServerIT {

    private static final Path PACKAGE = Path.of("target", "r4-examples", "package");
    private static final Path REPORT = Path.of("target", "r4-examples", "report.tsv");
    private static final String EXCEPTIONS = "/r4-examples-exceptions.tsv";

    /** Reason of the exceptions list for examples the test does not hand to the validator. */
    private static final String NOT_VALIDATED = "not-validated";

    /** Entries per batch bundle and their total size: well under the server's request size limit. */
    private static final int BATCH_ENTRIES = 100;

    private static final int BATCH_BYTES = 4_000_000;

    /** HAPI's message for a reference to a resource that does not exist (referential integrity). */
    private static final Pattern MISSING_TARGET = Pattern.compile("HAPI-1094: Resource (\\S+) not found");

    private static final int VALIDATION_THREADS = 8;

    private static final String MISSING_REFERENCE = "missing-reference";

    private static final Pattern HAPI_CODE = Pattern.compile("HAPI-\\d{4}");

    private static final FhirContext FHIR = TestFhirClient.fhir();

    @Test
    void whenEveryValidExampleOfAServedTypeIsPutThenEachReadsBackEqualOrIsAListedException() throws Exception {
        // given the package's examples, the types the server serves and the listed exceptions
        List<Example> examples = examples();
        Set<String> served = servedTypes();
        Map<String, Listed> listed = listedExceptions();
        List<Example> ofServedTypes =
                examples.stream().filter(e -> served.contains(e.type())).toList();
        Map<String, String> outcome = new TreeMap<>();
        examples.stream()
                .filter(e -> !served.contains(e.type()))
                .forEach(e -> outcome.put(e.file(), "type-not-served"));

        // when HAPI's validator decides which are valid
        long start = System.nanoTime();
        List<Example> valid = new ArrayList<>();
        Map<String, String> invalid = validate(ofServedTypes, listed, outcome);
        ofServedTypes.stream()
                .filter(e -> !invalid.containsKey(e.file()) && !outcome.containsKey(e.file()))
                .forEach(valid::add);
        // and every valid one is PUT under its own id, then read back
        long validated = System.nanoTime();
        Map<String, Failure> failures = new TreeMap<>();
        List<Example> stored = store(valid, failures);
        long put = System.nanoTime();
        List<Example> equal = readBack(stored, failures);
        System.out.printf(
                "R4 examples: validated in %d s, stored in %d s, read back in %d s%n",
                (validated - start) / 1_000_000_000,
                (put - validated) / 1_000_000_000,
                (System.nanoTime() - put) / 1_000_000_000);
        equal.forEach(e -> outcome.put(e.file(), "loaded"));
        failures.forEach((file, failure) -> outcome.put(file, failure.reason() + "\t" + failure.detail()));
        writeReport(examples.size(), ofServedTypes.size(), valid.size(), stored.size(), equal.size(), outcome);

        // then every valid example loads, but for the listed exceptions, each for its listed reason
        List<String> problems = new ArrayList<>();
        failures.forEach((file, failure) -> {
            Listed exception = listed.get(file);
            if (exception == null) {
                problems.add("not listed: " + file + "\t" + failure.reason() + "\t" + failure.detail());
            } else if (!exception.reason().equals(failure.reason())) {
                problems.add("listed as " + exception.reason() + " but is " + failure.reason() + ": " + file + "\t"
                        + failure.detail());
            }
        });
        // and every listed exception is still one
        listed.forEach((file, exception) -> {
            if (!failures.containsKey(file) && !NOT_VALIDATED.equals(exception.reason())) {
                problems.add("listed as " + exception.reason() + " but "
                        + outcome.getOrDefault(file, "is not in the package") + ": " + file);
            }
        });
        assertThat(problems)
                .as("examples that do not load as r4-examples-exceptions.tsv says (report: " + REPORT + ")")
                .isEmpty();
        assertThat(equal).as("examples stored and read back equal").hasSizeGreaterThan(1000);
    }

    /** Every resource file of the package ({@code ig-r4.json} is a copy of ImplementationGuide-fhir.json). */
    private static List<Example> examples() throws IOException {
        assertThat(PACKAGE)
                .as(
                        "the R4 example package (fetched by `./mvnw verify` in pre-integration-test; see fhir-server/pom.xml)")
                .isDirectory();
        assertThat(Files.readString(PACKAGE.resolve("ig-r4.json")))
                .isEqualTo(Files.readString(PACKAGE.resolve("ImplementationGuide-fhir.json")));
        IParser parser = FHIR.newJsonParser();
        try (Stream<Path> files = Files.list(PACKAGE)) {
            return files.map(path -> path.getFileName().toString())
                    .filter(name -> name.endsWith(".json") && Character.isUpperCase(name.charAt(0)))
                    .sorted()
                    .map(name -> {
                        String json = read(PACKAGE.resolve(name));
                        Resource resource = (Resource) parser.parseResource(json);
                        return new Example(name, resource.fhirType(), resource.getIdPart(), json);
                    })
                    .toList();
        }
    }

    /** The types of the server's CapabilityStatement. */
    private Set<String> servedTypes() {
        Response metadata = fhir().get("/metadata");
        assertThat(metadata.status()).isEqualTo(200);
        return metadata.as(CapabilityStatement.class).getRestFirstRep().getResource().stream()
                .map(CapabilityStatement.CapabilityStatementRestResourceComponent::getType)
                .collect(Collectors.toSet());
    }

    /**
     * HAPI's instance validator (the module behind the server's {@code $validate}) with HAPI's R4
     * definitions and in-memory terminology, offline; an example is valid without an error or fatal
     * issue. Returns the invalid ones with their first error; the listed {@value #NOT_VALIDATED}
     * examples are not handed to it (their outcome is recorded as such).
     */
    private static Map<String, String> validate(
            List<Example> examples, Map<String, Listed> listed, Map<String, String> outcome)
            throws InterruptedException, ExecutionException {
        ValidationSupportChain support = new ValidationSupportChain(
                new DefaultProfileValidationSupport(FHIR),
                new CommonCodeSystemsTerminologyService(FHIR),
                new InMemoryTerminologyServerValidationSupport(FHIR),
                new SnapshotGeneratingValidationSupport(FHIR));
        // One validator per thread (HAPI's instance validator is not safe for concurrent use; the
        // support chain is), and more threads than cores: validating a StructureDefinition waits
        // about a second for the (refused) package server lookup of HL7's validator library.
        ThreadLocal<FhirValidator> validators = ThreadLocal.withInitial(() -> {
            FhirValidator validator = FHIR.newValidator();
            validator.registerValidatorModule(new FhirInstanceValidator(support));
            return validator;
        });
        ExecutorService threads = Executors.newFixedThreadPool(VALIDATION_THREADS);
        try {
            Map<String, Future<String>> results = new LinkedHashMap<>();
            for (Example example : examples) {
                Listed exception = listed.get(example.file());
                if (exception != null && NOT_VALIDATED.equals(exception.reason())) {
                    outcome.put(example.file(), NOT_VALIDATED);
                    continue;
                }
                results.put(example.file(), threads.submit(() -> firstError(validators.get(), example)));
            }
            Map<String, String> invalid = new TreeMap<>();
            for (Map.Entry<String, Future<String>> result : results.entrySet()) {
                String error = result.getValue().get();
                if (error != null) {
                    invalid.put(result.getKey(), error);
                    outcome.put(result.getKey(), "invalid\t" + error);
                }
            }
            return invalid;
        } finally {
            threads.shutdownNow();
        }
    }

    private static String firstError(FhirValidator validator, Example example) {
        List<SingleValidationMessage> messages;
        try {
            messages = validator.validateWithResult(example.json()).getMessages();
        } catch (RuntimeException e) {
            // The validator gave no verdict (HAPI 8.8 cannot look up CodeSystems for some ValueSets).
            return "validator failed: " + oneLine(String.valueOf(e.getMessage()));
        }
        return messages.stream()
                .filter(message -> message.getSeverity().ordinal() >= ResultSeverityEnum.ERROR.ordinal())
                // Offline, the validator cannot load the R4 core package it looks up for every
                // StructureDefinition (docs/conformance.md): not an error of the example.
                .filter(message -> !message.getMessage().contains("Unable to resolve package id hl7.fhir.r4.core"))
                .findFirst()
                .map(R4ExamplesIT::describe)
                .orElse(null);
    }

    private static String describe(SingleValidationMessage message) {
        return oneLine(message.getLocationString() + ": " + message.getMessage());
    }

    /**
     * PUTs every example under its own id, in batch bundles; an example refused only because a
     * resource it refers to is not stored yet is retried in the next pass while passes store more.
     */
    private List<Example> store(List<Example> examples, Map<String, Failure> failures) {
        List<Example> stored = new ArrayList<>();
        List<Example> pending = examples;
        int passes = 0;
        while (!pending.isEmpty()) {
            passes++;
            List<Example> retry = new ArrayList<>();
            Map<String, Failure> missingTargets = new TreeMap<>();
            int storedBefore = stored.size();
            for (List<Example> batch : batches(pending)) {
                for (Map.Entry<Example, Failure> result : put(batch).entrySet()) {
                    Example example = result.getKey();
                    Failure failure = result.getValue();
                    if (failure == null) {
                        stored.add(example);
                    } else if (failure.reason().equals(MISSING_REFERENCE)) {
                        retry.add(example);
                        missingTargets.put(example.file(), failure);
                    } else {
                        failures.put(example.file(), failure);
                    }
                }
            }
            if (stored.size() == storedBefore) {
                failures.putAll(missingTargets);
                break;
            }
            pending = retry;
        }
        System.out.printf("R4 examples: %d passes%n", passes);
        return stored;
    }

    /**
     * PUTs a batch of examples: the outcome of each (null when stored). A batch the server cannot
     * parse as a whole (one example HAPI's parser refuses) is sent again one example at a time.
     */
    private Map<Example, Failure> put(List<Example> batch) {
        Map<Example, Failure> results = new LinkedHashMap<>();
        String body = batch.stream()
                .map(example -> "{\"resource\":" + example.json() + ",\"request\":{\"method\":\"PUT\",\"url\":\""
                        + example.reference() + "\"}}")
                .collect(Collectors.joining(",", "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[", "]}"));
        Response response = fhir().send("POST", "", TestFhirClient.FHIR_JSON, body);
        if (response.status() == 200) {
            Bundle answer = response.as(Bundle.class);
            assertThat(answer.getEntry()).hasSameSizeAs(batch);
            for (int i = 0; i < batch.size(); i++) {
                Bundle.BundleEntryResponseComponent entry =
                        answer.getEntry().get(i).getResponse();
                results.put(
                        batch.get(i),
                        entry.getStatus().startsWith("20")
                                ? null
                                : Failure.of(entry.getStatus(), (OperationOutcome) entry.getOutcome()));
            }
            return results;
        }
        for (Example example : batch) {
            Response single = fhir().send("PUT", "/" + example.reference(), TestFhirClient.FHIR_JSON, example.json());
            results.put(
                    example,
                    single.status() / 100 == 2
                            ? null
                            : Failure.of(
                                    Integer.toString(single.status()),
                                    single.body().contains("OperationOutcome")
                                            ? single.as(OperationOutcome.class)
                                            : null));
        }
        return results;
    }

    /** Reads every stored example back (batch GETs, one entry per example) and compares, meta aside. */
    private List<Example> readBack(List<Example> stored, Map<String, Failure> failures) {
        List<Example> equal = new ArrayList<>();
        IParser parser = FHIR.newJsonParser();
        for (List<Example> batch : batches(stored)) {
            String body = batch.stream()
                    .map(example -> "{\"request\":{\"method\":\"GET\",\"url\":\"" + example.reference() + "\"}}")
                    .collect(Collectors.joining(
                            ",", "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[", "]}"));
            Response response = fhir().send("POST", "", TestFhirClient.FHIR_JSON, body);
            assertThat(response.status()).as(response.body()).isEqualTo(200);
            Bundle answer = response.as(Bundle.class);
            assertThat(answer.getEntry()).hasSameSizeAs(batch);
            for (int i = 0; i < batch.size(); i++) {
                Example example = batch.get(i);
                Bundle.BundleEntryComponent entry = answer.getEntry().get(i);
                if (!entry.getResponse().getStatus().startsWith("200")) {
                    failures.put(
                            example.file(),
                            Failure.of(entry.getResponse().getStatus(), (OperationOutcome)
                                            entry.getResponse().getOutcome())
                                    .as("not-read-back"));
                    continue;
                }
                String sent = withoutMeta(parser, (Resource) parser.parseResource(example.json()));
                String back = withoutMeta(parser, entry.getResource());
                if (sent.equals(back)) {
                    equal.add(example);
                } else {
                    failures.put(example.file(), new Failure("changed", difference(sent, back)));
                }
            }
        }
        return equal;
    }

    /** Batches in file order, each of at most {@link #BATCH_ENTRIES} entries and {@link #BATCH_BYTES}. */
    private static List<List<Example>> batches(List<Example> examples) {
        List<List<Example>> batches = new ArrayList<>();
        List<Example> batch = new ArrayList<>();
        long bytes = 0;
        for (Example example : examples) {
            if (!batch.isEmpty()
                    && (batch.size() == BATCH_ENTRIES || bytes + example.json().length() > BATCH_BYTES)) {
                batches.add(batch);
                batch = new ArrayList<>();
                bytes = 0;
            }
            batch.add(example);
            bytes += example.json().length();
        }
        if (!batch.isEmpty()) {
            batches.add(batch);
        }
        return batches;
    }

    private static String withoutMeta(IParser parser, Resource resource) {
        // meta, and the version HAPI's parser carries over from meta.versionId into the id
        resource.setMeta(null);
        resource.setIdElement(resource.getIdElement().toUnqualifiedVersionless());
        return parser.encodeResourceToString(resource);
    }

    /** Where two encodings first differ, with some context. */
    private static String difference(String sent, String back) {
        int at = 0;
        while (at < sent.length() && at < back.length() && sent.charAt(at) == back.charAt(at)) {
            at++;
        }
        int from = Math.max(0, at - 20);
        return oneLine("at character " + at + ": sent …" + sent.substring(from, Math.min(sent.length(), at + 80))
                + "… read back …" + back.substring(from, Math.min(back.length(), at + 80)) + "…");
    }

    private static Map<String, Listed> listedExceptions() throws IOException {
        Map<String, Listed> listed = new TreeMap<>();
        try (InputStream in = R4ExamplesIT.class.getResourceAsStream(EXCEPTIONS)) {
            assertThat(in).as(EXCEPTIONS).isNotNull();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] columns = line.split("\t");
                assertThat(columns).as("file, reason, note: " + line).hasSize(3);
                assertThat(listed.put(columns[0], new Listed(columns[1], columns[2])))
                        .as("listed twice: " + columns[0])
                        .isNull();
            }
        }
        return listed;
    }

    private static void writeReport(
            int inPackage, int ofServedTypes, int valid, int stored, int equal, Map<String, String> outcome)
            throws IOException {
        StringBuilder report = new StringBuilder();
        report.append("# examples in package\t").append(inPackage).append('\n');
        report.append("# of served types\t").append(ofServedTypes).append('\n');
        report.append("# accepted by the validator\t").append(valid).append('\n');
        report.append("# stored\t").append(stored).append('\n');
        report.append("# read back equal\t").append(equal).append('\n');
        outcome.forEach(
                (file, what) -> report.append(file).append('\t').append(what).append('\n'));
        Files.writeString(REPORT, report);
        System.out.printf(
                "R4 examples: %d in package, %d of served types, %d valid, %d stored, %d read back equal%n",
                inPackage, ofServedTypes, valid, stored, equal);
    }

    private static String read(Path path) {
        try {
            return Files.readString(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String oneLine(String text) {
        String flat = text.replaceAll("\\s+", " ");
        return flat.length() > 400 ? flat.substring(0, 400) + "…" : flat;
    }

    /** One example file of the package. */
    private record Example(String file, String type, String id, String json) {

        String reference() {
            return type + "/" + id;
        }
    }

    /** A listed exception: its reason (a category) and a note. */
    private record Listed(String reason, String note) {}

    /** Why an example did not load: a category and the server's words. */
    private record Failure(String reason, String detail) {

        /** The reason is the status with HAPI's message code, if any; references to missing resources apart. */
        static Failure of(String status, OperationOutcome outcome) {
            String diagnostics = outcome == null
                    ? ""
                    : outcome.getIssue().stream()
                            .map(OperationOutcome.OperationOutcomeIssueComponent::getDiagnostics)
                            .collect(Collectors.joining("; "));
            String code = status.split(" ")[0];
            String detail = oneLine(code + " " + diagnostics);
            if (MISSING_TARGET.matcher(diagnostics).find()) {
                return new Failure(MISSING_REFERENCE, detail);
            }
            Matcher hapi = HAPI_CODE.matcher(diagnostics);
            return new Failure("refused-" + code + (hapi.find() ? "-" + hapi.group() : ""), detail);
        }

        Failure as(String reason) {
            return new Failure(reason, detail);
        }
    }
}
