package org.securefhir.bench;

import java.util.Arrays;

/** Entry point: {@code fhir} (default) runs {@link LoadBenchmark}, {@code auth} runs {@link AuthBenchmark},
 * {@code compare} compares summaries ({@link Compare}). */
public final class Benchmarks {

    private Benchmarks() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && "auth".equals(args[0])) {
            AuthBenchmark.main(Arrays.copyOfRange(args, 1, args.length));
        } else if (args.length > 0 && "compare".equals(args[0])) {
            Compare.main(Arrays.copyOfRange(args, 1, args.length));
        } else if (args.length > 0 && "fhir".equals(args[0])) {
            LoadBenchmark.main(Arrays.copyOfRange(args, 1, args.length));
        } else {
            LoadBenchmark.main(args);
        }
    }
}
