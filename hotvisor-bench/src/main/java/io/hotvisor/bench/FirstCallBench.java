package io.hotvisor.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import io.hotvisor.runtime.FunctionRuntime;
import io.hotvisor.runtime.InvocationContext;
import io.hotvisor.runtime.Language;
import io.hotvisor.runtime.LoadedFunction;
import io.hotvisor.runtime.Sandbox;
import io.hotvisor.runtime.Ticker;

/**
 * The in-node hot start: latency of the first invocation in a NEW sandbox of a function that another sandbox has
 * already made hot, against that function's steady state in the hot sandbox. Per language, with a CPU-bound
 * function (a word count over a 50 KB text, {@link BenchFunctions#wordCount}): one sandbox runs it
 * {@link Plan#warmup()} times, then {@link Plan#steady()} more invocations give the steady state; then each of
 * {@link Plan#newSandboxes()} new sandboxes is made (not timed) and its first and second invocations are timed.
 * The figure of merit is median(first call) / median(steady state): near 1 when compiled code is shared.
 *
 * <p>Run: {@code bench/sandbox.sh} (both sandbox benchmarks on the optimizing runtime), or after building,
 * {@code bench/sandbox.sh FirstCallBench [--smoke] [--out DIR] [--languages js,python,java]}.
 * Writes {@code first-call.json} and {@code .csv} to {@code bench/results/}.
 */
public final class FirstCallBench {

    private FirstCallBench() {
    }

    /** Invocations to make the function hot, to measure the steady state, and new sandboxes to time. */
    record Plan(int warmup, int steady, int newSandboxes) {
    }

    static Plan plan(Language language, boolean smoke) {
        if (smoke) {
            return new Plan(5, 5, 1);
        }
        return new Plan(2000, 200, 20);
    }

    public static void main(String[] args) throws IOException {
        BenchArgs options = BenchArgs.parse(args);
        System.out.println("Wrote " + run(options));
    }

    /** Runs the benchmark; returns the JSON results file. */
    static Path run(BenchArgs options) throws IOException {
        String notes = "word count over a 50 KB text held by the function; steady state = the hot sandbox's last"
                    + " invocations after warm-up; first call = first invocation in a new sandbox (sandbox creation"
                    + " not included); ratio = median(first call) / median(steady state)";
        return Results.sweep(options, "first-call", notes,
                (runtime, functions, language) -> measure(runtime, functions, language,
                        plan(language, options.smoke())));
    }

    private static Map<String, Object> measure(FunctionRuntime runtime, BenchFunctions functions, Language language,
                                               Plan plan) {
        try (LoadedFunction loaded = runtime.load(functions.wordCount(language))) {
            String name = loaded.definition().name();
            Samples coldCalls = new Samples(1);
            Samples steady = new Samples(plan.steady());
            long warmStart = System.nanoTime();
            try (Sandbox hot = loaded.newSandbox()) {
                for (int i = 0; i < plan.warmup(); i++) {
                    long took = invoke(hot, name, i);
                    if (i == 0) {
                        coldCalls.add(took);
                    }
                }
                long warmNanos = System.nanoTime() - warmStart;
                for (int i = 0; i < plan.steady(); i++) {
                    steady.add(invoke(hot, name, i));
                }
                Samples first = new Samples(plan.newSandboxes());
                Samples second = new Samples(plan.newSandboxes());
                for (int i = 0; i < plan.newSandboxes(); i++) {
                    try (Sandbox fresh = loaded.newSandbox()) {
                        first.add(invoke(fresh, name, i));
                        second.add(invoke(fresh, name, i));
                    }
                }
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("language", BenchArgs.shortName(language));
                row.put("warmup_invocations", plan.warmup());
                row.put("new_sandboxes", plan.newSandboxes());
                row.put("ratio_first_to_steady", Math.round(first.medianMs() / steady.medianMs() * 1000.0) / 1000.0);
                row.putAll(first.summary("first_call_"));
                row.put("second_call_median_ms", Samples.round(second.medianMs()));
                row.putAll(steady.summary("steady_"));
                row.put("cold_first_call_ms", Samples.round(coldCalls.medianMs()));
                row.put("warmup_total_ms", Samples.round(warmNanos / 1e6));
                System.out.printf("%-7s first call in a new sandbox %.3f ms (median of %d), steady %.3f ms: ratio %.2f;"
                                + " the very first call of the function was %.3f ms%n",
                        row.get("language"), first.medianMs(), first.size(), steady.medianMs(),
                        first.medianMs() / steady.medianMs(), coldCalls.medianMs());
                return row;
            }
        }
    }

    /** One invocation; returns its duration in ns. */
    private static long invoke(Sandbox sandbox, String name, int i) {
        return timed(sandbox, name, i).wallNanos();
    }

    /** What one invocation took: wall time, and the CPU time of the calling thread it ran on. */
    record Timing(long wallNanos, long cpuNanos) {
    }

    /** One invocation of the bench word count on the calling thread, its answer checked. */
    static Timing timed(Sandbox sandbox, String name, int i) {
        return timed(sandbox, name, i, "distinct");
    }

    /** As {@link #timed(Sandbox, String, int)}, for a function whose result holds {@code resultKey}. */
    static Timing timed(Sandbox sandbox, String name, int i, String resultKey) {
        Ticker ticker = Ticker.system();
        long cpu = ticker.threadCpu();
        long start = ticker.read();
        InvocationContext context = new InvocationContext("bench-" + i, name, 1, 256,
                start + Duration.ofSeconds(30).toNanos(), ticker);
        String result = sandbox.invoke(BenchFunctions.EVENT, context);
        long wall = ticker.read() - start;
        long cpuTaken = ticker.threadCpu() - cpu;
        if (result == null || !result.contains("\"" + resultKey + "\"")) {
            throw new IllegalStateException("Function " + name + " returned " + result);
        }
        return new Timing(wall, cpuTaken);
    }
}
