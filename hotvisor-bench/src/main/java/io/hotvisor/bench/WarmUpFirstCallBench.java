package io.hotvisor.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToLongFunction;

import io.hotvisor.bench.FirstCallBench.Timing;
import io.hotvisor.runtime.FunctionDefinition;
import io.hotvisor.runtime.FunctionRuntime;
import io.hotvisor.runtime.Language;
import io.hotvisor.runtime.LoadedFunction;
import io.hotvisor.runtime.Sandbox;

/**
 * The first invocation in the serving sandbox after warm-up replays (issue 6), in the order a node makes them: the
 * function is loaded (which makes its first sandbox, the one that serves first), {@link Plan#replays()} replays run
 * in a throw-away sandbox ({@link LoadedFunction#newThrowawaySandbox()}), then the serving sandbox takes its first
 * {@link Plan#firstCalls()} calls, each on a new platform thread as a dispatcher's worker would, each followed by a
 * control call in the throw-away sandbox; then a sandbox made after the replays takes its first calls; the steady
 * state is the throw-away sandbox's next {@link Plan#steady()} calls. Two functions, each measured on a runtime of
 * its own: the word count ({@link BenchFunctions#wordCount}) and, in JavaScript and Python, the hot-start
 * benchmark's JSON transform ({@link BenchFunctions#jsonTransform}), which builds many objects where the word count
 * mostly splits a string.
 *
 * <p>Each call is timed twice: wall time, which a node's warmth judges, and the calling thread's CPU time, which the
 * other processes of a busy machine do not inflate (nor the JVM's compiler threads). A first call that costs more
 * CPU than the control call beside it pays for something of its own sandbox; one that only takes longer on the wall
 * clock waited for a core.
 *
 * <p>Run: {@code bench/sandbox.sh WarmUpFirstCallBench [--smoke] [--out DIR] [--languages js,python,java]}.
 * Writes {@code warm-up-first-call.json} and {@code .csv} (word count) and
 * {@code warm-up-first-call-json-transform.json} and {@code .csv} to {@code bench/results/} (the JSON transform reads
 * its files from {@code bench/functions} under the system property {@code hotvisor.root}).
 */
public final class WarmUpFirstCallBench {
    private WarmUpFirstCallBench() {
    }

    /** Replays in the throw-away sandbox, timed first calls per sandbox, calls that give the steady state. */
    record Plan(int replays, int firstCalls, int steady) {
    }

    /** A measured function: its results' name, how the notes call it, a key its result holds. */
    enum Function {
        WORD_COUNT("warm-up-first-call", "word count", "distinct"),
        JSON_TRANSFORM("warm-up-first-call-json-transform", "JSON transform", "regions");

        private final String results;
        private final String description;
        private final String resultKey;

        Function(String results, String description, String resultKey) {
            this.results = results;
            this.description = description;
            this.resultKey = resultKey;
        }

        FunctionDefinition definition(BenchFunctions functions, Language language) {
            return this == WORD_COUNT ? functions.wordCount(language)
                    : functions.jsonTransform(language,
                            Path.of(System.getProperty("hotvisor.root", ".")).toAbsolutePath().normalize());
        }
    }

    static Plan plan(boolean smoke) {
        return smoke ? new Plan(5, 2, 5) : new Plan(300, 5, 50);
    }

    public static void main(String[] args) throws IOException {
        BenchArgs options = BenchArgs.parse(args);
        System.out.println("Wrote " + run(options));
    }

    /** Runs the benchmark for each function; returns the JSON results files. */
    static List<Path> run(BenchArgs options) throws IOException {
        List<Path> written = new ArrayList<>();
        for (Function function : Function.values()) {
            written.add(run(options, function));
        }
        return written;
    }

    private static Path run(BenchArgs options, Function function) throws IOException {
        Plan plan = plan(options.smoke());
        String notes = function.description + "; " + plan.replays() + " replays in a throw-away sandbox, then the"
                + " first " + plan.firstCalls() + " calls of the sandbox made at load (each on a new thread, each followed by a"
                + " control call in the throw-away sandbox) and of one made after the replays; ratio = a call's time"
                + " / the median of the throw-away sandbox's next " + plan.steady() + " calls, in the calling thread's"
                + " CPU time (cpu) and in wall time (wall)";
        return Results.sweep(options, function.results, notes,
                (runtime, functions, language) -> measure(runtime, function.definition(functions, language),
                        function.resultKey, language, plan));
    }

    private static Map<String, Object> measure(FunctionRuntime runtime, FunctionDefinition definition,
                                               String resultKey, Language language, Plan plan) {
        try (LoadedFunction loaded = runtime.load(definition);
             Sandbox serving = loaded.newSandbox();
             Sandbox replays = loaded.newThrowawaySandbox().orElseThrow(() -> new IllegalStateException(
                     language + " has no throw-away sandbox: warm-up replays are not supported"))) {
            String name = loaded.definition().name();
            List<Timing> replayed = new ArrayList<>();
            for (int i = 0; i < plan.replays(); i++) {
                replayed.add(FirstCallBench.timed(replays, name, i, resultKey));
            }
            List<Timing> first = new ArrayList<>();
            List<Timing> control = new ArrayList<>();
            for (int i = 0; i < plan.firstCalls(); i++) {
                first.add(invokeOnNewThread(serving, name, i, resultKey));
                control.add(FirstCallBench.timed(replays, name, i, resultKey));
            }
            List<Timing> madeAfter = new ArrayList<>();
            try (Sandbox after = loaded.newSandbox()) {
                for (int i = 0; i < plan.firstCalls(); i++) {
                    madeAfter.add(FirstCallBench.timed(after, name, i, resultKey));
                }
            }
            Samples steadyCpu = new Samples(plan.steady());
            Samples steadyWall = new Samples(plan.steady());
            for (int i = 0; i < plan.steady(); i++) {
                Timing t = FirstCallBench.timed(replays, name, i, resultKey);
                steadyCpu.add(t.cpuNanos());
                steadyWall.add(t.wallNanos());
            }
            double cpu = steadyCpu.medianMs() * 1e6;
            double wall = steadyWall.medianMs() * 1e6;
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("language", BenchArgs.shortName(language));
            row.put("replays", plan.replays());
            row.put("steady_cpu_ms", Samples.round(steadyCpu.medianMs()));
            row.put("steady_wall_ms", Samples.round(steadyWall.medianMs()));
            row.put("last_replay_cpu_ratio", ratio(replayed.getLast().cpuNanos(), cpu));
            row.put("serving_first_cpu_ratio", ratio(first.getFirst().cpuNanos(), cpu));
            row.put("serving_first_wall_ratio", ratio(first.getFirst().wallNanos(), wall));
            row.put("serving_cpu_ratios", ratios(first, cpu, Timing::cpuNanos));
            row.put("serving_wall_ratios", ratios(first, wall, Timing::wallNanos));
            row.put("control_cpu_ratios", ratios(control, cpu, Timing::cpuNanos));
            row.put("made_after_cpu_ratios", ratios(madeAfter, cpu, Timing::cpuNanos));
            row.put("made_after_wall_ratios", ratios(madeAfter, wall, Timing::wallNanos));
            System.out.printf("%-7s steady %.3f ms cpu, %.3f ms wall; serving sandbox's first calls / steady: cpu %s,"
                            + " wall %s; control %s; made after the replays: cpu %s%n", row.get("language"),
                    steadyCpu.medianMs(), steadyWall.medianMs(), row.get("serving_cpu_ratios"),
                    row.get("serving_wall_ratios"), row.get("control_cpu_ratios"), row.get("made_after_cpu_ratios"));
            return row;
        }
    }

    private static double ratio(long nanos, double steadyNanos) {
        return Math.round(nanos / steadyNanos * 100.0) / 100.0;
    }

    private static String ratios(List<Timing> timings, double steadyNanos,
                                 ToLongFunction<Timing> part) {
        return String.join(" ", timings.stream()
                .map(t -> String.valueOf(ratio(part.applyAsLong(t), steadyNanos))).toList());
    }

    private static Timing invokeOnNewThread(Sandbox sandbox, String name, int i, String resultKey) {
        AtomicReference<Timing> timing = new AtomicReference<>();
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        Thread worker = Thread.ofPlatform().name("bench-worker-" + i).start(() -> {
            try {
                timing.set(FirstCallBench.timed(sandbox, name, i, resultKey));
            } catch (RuntimeException e) {
                failure.set(e);
            }
        });
        try {
            worker.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while a bench worker ran", e);
        }
        if (failure.get() != null) {
            throw failure.get();
        }
        return timing.get();
    }
}
