package io.hotvisor.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import io.hotvisor.runtime.FunctionRuntime;
import io.hotvisor.runtime.Language;
import io.hotvisor.runtime.LoadedFunction;
import io.hotvisor.runtime.Sandbox;

/**
 * Sandbox creation time per language: the time of {@link LoadedFunction#newSandbox()} for a loaded hello function
 * (a new {@code Context} on the language's shared engine with the function's cached source evaluated and its handler
 * resolved; for Java a handler in the function's shared class loader), after a warm-up, each sandbox closed before
 * the next is made. Compared with Graalvisor's 0.47 ms isolate creation (SoCC'25 paper).
 *
 * <p>GraalPy contexts take hundreds of ms, so Python gets fewer samples (see {@link #plan}); its p99 is then close to
 * its maximum.
 *
 * <p>Run: {@code bench/sandbox.sh} (both sandbox benchmarks on the optimizing runtime), or after building,
 * {@code bench/sandbox.sh SandboxCreationBench [--smoke] [--out DIR] [--languages js,python,java]}.
 * Writes {@code sandbox-creation.json} and {@code .csv} to {@code bench/results/}.
 */
public final class SandboxCreationBench {
    /** Graalvisor's isolate creation time, from the paper, for comparison. */
    static final double GRAALVISOR_ISOLATE_MS = 0.47;

    private SandboxCreationBench() {
    }

    /** Warm-up and measured creations for a language. */
    record Plan(int warmup, int samples) {
    }

    static Plan plan(Language language, boolean smoke) {
        return switch (language) {
            case PYTHON -> smoke ? new Plan(0, 1) : new Plan(3, 30);
            case JAVASCRIPT, JAVA -> smoke ? new Plan(5, 10) : new Plan(100, 200);
        };
    }

    public static void main(String[] args) throws IOException {
        BenchArgs options = BenchArgs.parse(args);
        System.out.println("Wrote " + run(options));
    }

    /** Runs the benchmark; returns the JSON results file. */
    static Path run(BenchArgs options) throws IOException {
        String notes = "time of LoadedFunction.newSandbox() for a hello function, after warm-up, each sandbox"
                    + " closed before the next; Python has fewer samples (GraalPy contexts take hundreds of ms), so"
                    + " its p99 is near its max; graalvisor_isolate_ms is the paper's figure, not measured here";
        return Results.sweep(options, "sandbox-creation", notes,
                (runtime, functions, language) -> measure(runtime, functions, language,
                        plan(language, options.smoke())));
    }

    private static Map<String, Object> measure(FunctionRuntime runtime, BenchFunctions functions, Language language,
                                               Plan plan) {
        Samples samples = new Samples(plan.samples());
        long loadStart = System.nanoTime();
        try (LoadedFunction loaded = runtime.load(functions.hello(language))) {
            long loadNanos = System.nanoTime() - loadStart;
            loaded.newSandbox().close(); // the sandbox made by load(): not a creation
            for (int i = 0; i < plan.warmup() + plan.samples(); i++) {
                long start = System.nanoTime();
                Sandbox sandbox = loaded.newSandbox();
                long took = System.nanoTime() - start;
                sandbox.close();
                if (i >= plan.warmup()) {
                    samples.add(took);
                }
            }
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("language", BenchArgs.shortName(language));
            row.put("warmup", plan.warmup());
            row.put("samples", samples.size());
            row.putAll(samples.summary(""));
            row.put("load_ms", Samples.round(loadNanos / 1e6));
            row.put("graalvisor_isolate_ms", GRAALVISOR_ISOLATE_MS);
            System.out.printf("%-7s creation median %.4f ms, p99 %.4f ms (%d samples)%n",
                    row.get("language"), samples.medianMs(), samples.percentileMs(99), samples.size());
            return row;
        }
    }

    static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
