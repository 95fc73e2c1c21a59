package org.securefhir.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Compares load summaries of two variants measured in the same session (e.g. authorization on and
 * off, interleaved by {@code bench/compare.sh}): the median throughput and p95 latency per phase of
 * each variant and their ratios. Usage: {@code java -jar bench.jar compare --a=on1.json,on2.json --b=off1.json,off2.json
 * [--a-name=on --b-name=off]}.
 */
final class Compare {

    private static final List<String> PHASES = List.of("create", "read", "search");

    private Compare() {}

    static void main(String[] args) throws IOException {
        String a = option(args, "a");
        String b = option(args, "b");
        String aName = optionOr(args, "a-name", "A");
        String bName = optionOr(args, "b-name", "B");
        ObjectMapper json = new ObjectMapper();
        System.out.printf(
                Locale.ROOT,
                "%-8s %12s %12s %10s %12s %12s %10s%n",
                "phase",
                aName + " req/s",
                bName + " req/s",
                aName + "/" + bName,
                aName + " p95 ms",
                bName + " p95 ms",
                aName + "/" + bName);
        for (String phase : PHASES) {
            double medianA = median(json, a, phase, "perSecond");
            double medianB = median(json, b, phase, "perSecond");
            double p95A = median(json, a, phase, "p95Ms");
            double p95B = median(json, b, phase, "p95Ms");
            System.out.printf(
                    Locale.ROOT,
                    "%-8s %12.1f %12.1f %10.3f %12.1f %12.1f %10.3f%n",
                    phase,
                    medianA,
                    medianB,
                    medianA / medianB,
                    p95A,
                    p95B,
                    p95A / p95B);
        }
    }

    private static double median(ObjectMapper json, String files, String phase, String field) throws IOException {
        List<Double> values = new ArrayList<>();
        for (String file : files.split(",")) {
            JsonNode summary = json.readTree(Path.of(file).toFile());
            values.add(summary.path("phases").path(phase).path(field).asDouble());
        }
        return median(values.stream().mapToDouble(Double::doubleValue).toArray());
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static String option(String[] args, String name) {
        String value = optionOr(args, name, null);
        if (value == null) {
            throw new IllegalArgumentException("--" + name + "=... is required");
        }
        return value;
    }

    private static String optionOr(String[] args, String name, String fallback) {
        return Arrays.stream(args)
                .filter(arg -> arg.startsWith("--" + name + "="))
                .map(arg -> arg.substring(name.length() + 3))
                .findFirst()
                .orElse(fallback);
    }
}
