package io.hotvisor.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;

/**
 * The machine's speed through a replay: on each CPU a thread pinned to it runs {@link HostSpeedBench}'s fixed
 * memory-bound unit every {@link #PERIOD_MS} ms (about 2.3 ms of CPU each, so about 2 % of a core) and keeps its CPU
 * time. The same compiled work costs up to 1.7x more in some seconds than in others on this VM
 * ({@code bench/results/README-host-speed.md}), and a node's warmth, judged on CPU time, cannot tell that from cold
 * code; {@link #annotate} sets each sampled second of the replay beside how slow each CPU was then.
 */
final class HostSpeedSampler {
    static final long PERIOD_MS = 100;
    /** The units before this many ms are the JIT's warm-up of the unit itself, not the machine's speed. */
    static final long WARM_UP_MS = 3_000;

    /** One unit: its CPU, when it started (ms since the replay started) and its CPU time. */
    record Sample(int cpu, long atMs, long nanos) {
    }

    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();
    private final List<Sample> samples = Collections.synchronizedList(new ArrayList<>());
    private final List<String> unpinned = Collections.synchronizedList(new ArrayList<>());

    private HostSpeedSampler() {
    }

    /** Starts a thread per CPU; {@code startNanos} is the replay's {@link System#nanoTime()} origin. */
    static HostSpeedSampler start(long startNanos) {
        return start(startNanos, Runtime.getRuntime().availableProcessors(), HostSpeedBench::pin);
    }

    /**
     * Starts a thread per CPU, each pinned by {@code pin} (which answers as {@link HostSpeedBench#pin} does). A thread
     * that could not be pinned samples nothing, so that the columns {@link #annotate} adds name CPUs, never threads
     * the scheduler moved; its reason is printed and kept ({@link #unpinned}).
     */
    static HostSpeedSampler start(long startNanos, int cpus, IntFunction<String> pin) {
        HostSpeedSampler sampler = new HostSpeedSampler();
        for (int cpu = 0; cpu < cpus; cpu++) {
            int c = cpu;
            sampler.threads.add(Thread.ofPlatform().daemon().name("host-speed-sampler-cpu" + cpu)
                    .start(() -> sampler.run(c, startNanos, pin)));
        }
        return sampler;
    }

    /** Why CPUs went unsampled: one line per thread that could not be pinned, empty when all were. */
    List<String> unpinned() {
        return List.copyOf(unpinned);
    }

    private void run(int cpu, long startNanos, IntFunction<String> pin) {
        String pinned = pin.apply(cpu);
        if (!pinned.equals(HostSpeedBench.pinned(cpu))) {
            unpinned.add(pinned);
            System.err.println("Host-speed sampler: " + pinned + "; its CPU is left unsampled");
            return;
        }
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        byte[] text = HostSpeedBench.text(new SplittableRandom(42));
        int[] table = new int[1 << 16];
        long sink = 0;
        while (running.get()) {
            long at = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
            long c0 = mx.getCurrentThreadCpuTime();
            sink += HostSpeedBench.mem(text, table);
            long nanos = mx.getCurrentThreadCpuTime() - c0;
            if (at >= WARM_UP_MS) {
                samples.add(new Sample(cpu, at, nanos));
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(PERIOD_MS));
        }
        if (sink == 42) {
            System.out.println("(sink " + sink + ")");
        }
    }

    /**
     * Stops the threads and waits for them (if interrupted, stops waiting: they end within {@link #PERIOD_MS} and a
     * unit); returns what they measured.
     */
    List<Sample> stop() {
        running.set(false);
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return List.copyOf(samples);
    }

    /**
     * Adds to each sampled second ({@code from_ms} to {@code to_ms}) {@code host_cpuN_ratio}, the median CPU time of
     * CPU N's units that started in it over the fastest of CPU N's units, and {@code host_slowest_ratio}, the highest
     * of those; a second without units gets neither.
     */
    static void annotate(List<Map<String, Object>> seconds, List<Sample> samples) {
        Map<Integer, Long> best = new java.util.TreeMap<>();
        samples.forEach(s -> best.merge(s.cpu(), s.nanos(), Math::min));
        for (Map<String, Object> second : seconds) {
            long from = ((Number) second.get("from_ms")).longValue();
            long to = ((Number) second.get("to_ms")).longValue();
            double slowest = 0;
            for (var cpu : best.entrySet()) {
                List<Double> ratios = samples.stream()
                        .filter(s -> s.cpu() == cpu.getKey() && s.atMs() >= from && s.atMs() < to)
                        .map(s -> (double) s.nanos() / cpu.getValue()).sorted().toList();
                if (!ratios.isEmpty()) {
                    double median = Math.round(HostSpeedBench.percentile(ratios, 0.5) * 100) / 100.0;
                    second.put("host_cpu" + cpu.getKey() + "_ratio", median);
                    slowest = Math.max(slowest, median);
                }
            }
            if (slowest > 0) {
                second.put("host_slowest_ratio", slowest);
            }
        }
    }
}
