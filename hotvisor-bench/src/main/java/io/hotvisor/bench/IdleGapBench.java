package io.hotvisor.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.hotvisor.bench.FirstCallBench.Timing;
import io.hotvisor.runtime.FunctionRuntime;
import io.hotvisor.runtime.Language;
import io.hotvisor.runtime.LoadedFunction;
import io.hotvisor.runtime.Sandbox;

/**
 * What a call of a hot function costs after a pause, against back-to-back calls (issue 6: in the trace replay, most
 * invocations judged not hot came seconds after the function's previous call on that node). The function is the word
 * count ({@link BenchFunctions#wordCount}) in one sandbox, made hot by {@link Plan#warmCalls()} calls; then, in each of
 * {@link Plan#rounds()} rounds, every {@link Pause} in turn is followed by one timed call and {@link #FOLLOWING}
 * back-to-back calls (the reference).
 *
 * <p>The pauses tell apart what a pause might cost: the core going idle ({@link Pause#SLEEP_1S} and longer), the
 * caches being evicted while the core stays busy ({@link Pause#CHURN_1S}: another thread streams through 64 MB while
 * the caller sleeps), and time passing while the calling thread keeps its core and caches ({@link Pause#SPIN_1S}: the
 * caller spins on a register). Java in the node's JVM is the control: HotSpot's code, no Truffle; a cost it shares
 * is the machine's, not the guest runtime's.
 *
 * <p>Each call is timed in the calling thread's CPU time (what a node's warmth judges) and in wall time.
 *
 * <p>Run: {@code bench/sandbox.sh IdleGapBench [--smoke] [--out DIR] [--languages js,python,java]}. Writes
 * {@code idle-gap.json} and {@code .csv} to {@code bench/results/}.
 */
public final class IdleGapBench {
    /** Back-to-back calls after each paused call; all but the first of them are the reference. */
    static final int FOLLOWING = 5;

    private IdleGapBench() {
    }

    /** What comes between the last back-to-back call and the timed one. */
    enum Pause {
        SLEEP_300MS("sleep_0.3s", 300, false, false),
        SLEEP_1S("sleep_1s", 1_000, false, false),
        SLEEP_3S("sleep_3s", 3_000, false, false),
        CHURN_1S("churn_1s", 1_000, true, false),
        SPIN_1S("spin_1s", 1_000, false, true);

        final String id;
        final long millis;
        final boolean churn;
        final boolean spin;

        Pause(String id, long millis, boolean churn, boolean spin) {
            this.id = id;
            this.millis = millis;
            this.churn = churn;
            this.spin = spin;
        }
    }

    /** Calls that make the function hot, rounds of every pause, and what each pause is divided by (smoke: 10). */
    record Plan(int warmCalls, int rounds, int pauseDivisor) {
    }

    static Plan plan(boolean smoke) {
        return smoke ? new Plan(5, 1, 10) : new Plan(300, 12, 1);
    }

    public static void main(String[] args) throws IOException {
        System.out.println("Wrote " + run(BenchArgs.parse(args)));
    }

    /** Runs the benchmark; returns the JSON results file. */
    static Path run(BenchArgs options) throws IOException {
        Plan plan = plan(options.smoke());
        String notes = "word count in one sandbox, hot after " + plan.warmCalls() + " calls; " + plan.rounds()
                + " rounds of each pause, each followed by a timed call and " + FOLLOWING + " back-to-back calls;"
                + " ratio = median of the calls after a pause / median of the back-to-back calls (all but the first"
                + " after a pause), in the calling thread's CPU time (cpu) and wall time (wall). churn = another thread"
                + " streams through 64 MB while the caller sleeps; spin = the caller spins without touching memory";
        return Results.sweep(options, "idle-gap", notes,
                (runtime, functions, language) -> measure(runtime, functions, language, plan));
    }

    private static Map<String, Object> measure(FunctionRuntime runtime, BenchFunctions functions, Language language,
                                               Plan plan) {
        try (LoadedFunction loaded = runtime.load(functions.wordCount(language));
             Sandbox sandbox = loaded.newSandbox()) {
            String name = loaded.definition().name();
            for (int i = 0; i < plan.warmCalls(); i++) {
                FirstCallBench.timed(sandbox, name, i);
            }
            Samples backCpu = new Samples(plan.rounds() * Pause.values().length * FOLLOWING);
            Samples backWall = new Samples(plan.rounds() * Pause.values().length * FOLLOWING);
            Map<Pause, List<Timing>> paused = new LinkedHashMap<>();
            for (int round = 0; round < plan.rounds(); round++) {
                for (Pause pause : Pause.values()) {
                    pause(pause, pause.millis / plan.pauseDivisor());
                    paused.computeIfAbsent(pause, p -> new ArrayList<>()).add(FirstCallBench.timed(sandbox, name, 0));
                    for (int i = 0; i < FOLLOWING; i++) {
                        Timing t = FirstCallBench.timed(sandbox, name, i);
                        if (i > 0) {
                            backCpu.add(t.cpuNanos());
                            backWall.add(t.wallNanos());
                        }
                    }
                }
            }
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("language", BenchArgs.shortName(language));
            row.put("back_to_back_cpu_ms", Samples.round(backCpu.medianMs()));
            row.put("back_to_back_wall_ms", Samples.round(backWall.medianMs()));
            StringBuilder line = new StringBuilder();
            for (Map.Entry<Pause, List<Timing>> e : paused.entrySet()) {
                Samples cpu = new Samples(e.getValue().size());
                Samples wall = new Samples(e.getValue().size());
                e.getValue().forEach(t -> {
                    cpu.add(t.cpuNanos());
                    wall.add(t.wallNanos());
                });
                double cpuRatio = ratio(cpu.medianMs(), backCpu.medianMs());
                row.put(e.getKey().id + "_cpu_ratio", cpuRatio);
                row.put(e.getKey().id + "_wall_ratio", ratio(wall.medianMs(), backWall.medianMs()));
                line.append(' ').append(e.getKey().id).append(' ').append(cpuRatio);
            }
            System.out.printf("%-7s back to back %.3f ms cpu; after a pause, cpu / back to back:%s%n",
                    row.get("language"), backCpu.medianMs(), line);
            return row;
        }
    }

    static double ratio(double value, double reference) {
        return Math.round(value / reference * 100.0) / 100.0;
    }

    private static void pause(Pause pause, long millis) {
        if (pause.spin) {
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            long x = 1;
            while (System.nanoTime() < end) {
                x = x * 6364136223846793005L + 1442695040888963407L;
            }
            if (x == 42) { // keeps the loop from being optimized away
                System.out.print("");
            }
            return;
        }
        AtomicBoolean stop = new AtomicBoolean();
        Thread churn = pause.churn ? Thread.ofPlatform().name("bench-churn").start(() -> churn(stop)) : null;
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted in a pause", e);
        } finally {
            stop.set(true);
            if (churn != null) {
                try {
                    churn.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /** Streams through 64 MB, a cache line at a time, until told to stop. */
    private static void churn(AtomicBoolean stop) {
        long[] block = new long[8 * 1024 * 1024];
        long sum = 0;
        while (!stop.get()) {
            for (int i = 0; i < block.length; i += 8) {
                block[i] += sum;
                sum += block[i] + i;
            }
        }
        if (sum == 42) {
            System.out.print("");
        }
    }
}
