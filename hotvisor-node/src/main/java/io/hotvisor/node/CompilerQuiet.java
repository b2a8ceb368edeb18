package io.hotvisor.node;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.LongSupplier;

import io.hotvisor.runtime.Ticker;

/**
 * The last step of a starting node's warm-up before it says it is ready: wait, without replaying, until the JIT
 * compilers have gone quiet, at most {@code max}. The replays end as soon as their calls cost what the fleet's do, but
 * the compilers are then still working through what the replays queued (HotSpot compiling the Graal compiler, the
 * languages' runtimes and the node; Truffle compiling guest code), for a few seconds on 2 cores. A first call served
 * in that time runs on compiled code but waits for a core: in the hot-start bench (2026-11-25, six functions, warm-up
 * alone) node 4's first calls were within 1.41x of the reference in its own CPU time but 2.6-10.7x in wall time, and
 * 5 s of idle before the first call took the wall time down (bench/results/notes-first-served-call.md).
 *
 * <p>Quiet: the compilers used less than {@link #BUSY} of one core over each of {@link #QUIET_WINDOWS} windows of
 * {@link #WINDOW} in a row. What they used: HotSpot's compile time ({@link CompilationMXBean}; its compiler threads
 * are not Java threads) plus the CPU time of Truffle's compiler threads ({@code TruffleCompilerThread-*}: jargraal
 * runs on Java threads, so HotSpot does not count their work as compilation).
 */
final class CompilerQuiet {
    /** How long one measurement lasts. */
    static final Duration WINDOW = Duration.ofMillis(250);
    /** Below this share of one core over a window, the compilers count as quiet. */
    static final double BUSY = 0.25;
    /** How many quiet windows in a row end the wait. */
    static final int QUIET_WINDOWS = 2;

    /**
     * What the wait found: whether the compilers went quiet within the limit, how long it waited, and the compilers'
     * share of one core over the last window.
     */
    record Outcome(boolean quiet, long waitedNanos, double lastBusy) {
        String describe() {
            return (quiet ? "quiet after " : "still busy after ") + waitedNanos / 1_000_000 + " ms (last window: "
                    + Math.round(lastBusy * 100) + "% of a core)";
        }
    }

    private CompilerQuiet() {
    }

    /**
     * Waits until the compilers are quiet or {@code max} has passed. A count that went back (a Truffle compiler
     * thread ended, taking its CPU time with it) reads as a quiet window: that thread had nothing left to do.
     *
     * @param compilerNanos the compilers' cumulative busy time in nanoseconds ({@link #compilerNanos()})
     * @param ticker        the clock, and how the wait sleeps ({@link Ticker#pause})
     * @throws InterruptedException if the thread is interrupted meanwhile
     */
    static Outcome await(LongSupplier compilerNanos, Ticker ticker, Duration max) throws InterruptedException {
        Objects.requireNonNull(compilerNanos, "compilerNanos");
        long t0 = ticker.read();
        long limit = max.toNanos();
        long window = WINDOW.toNanos();
        int quiet = 0;
        double busy = 0;
        long before = compilerNanos.getAsLong();
        long start = t0;
        while (ticker.read() - t0 < limit) {
            ticker.pause(Math.min(window, limit - (ticker.read() - t0)));
            long now = ticker.read();
            long used = compilerNanos.getAsLong();
            busy = (used - before) / (double) Math.max(1, now - start);
            before = used;
            start = now;
            quiet = busy < BUSY ? quiet + 1 : 0;
            if (quiet >= QUIET_WINDOWS) {
                return new Outcome(true, now - t0, busy);
            }
        }
        return new Outcome(false, ticker.read() - t0, busy);
    }

    /**
     * This JVM's compilers' cumulative busy time: HotSpot's compile time plus the CPU time of Truffle's compiler
     * threads, in nanoseconds. A part the JVM does not measure counts as 0, so the wait then rests on the other.
     */
    static long compilerNanos() {
        long nanos = 0;
        CompilationMXBean hotspot = ManagementFactory.getCompilationMXBean();
        if (hotspot != null && hotspot.isCompilationTimeMonitoringSupported()) {
            nanos += hotspot.getTotalCompilationTime() * 1_000_000;
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        if (threads.isThreadCpuTimeSupported() && threads.isThreadCpuTimeEnabled()) {
            ThreadInfo[] infos = threads.getThreadInfo(threads.getAllThreadIds(), 0);
            nanos += Arrays.stream(infos)
                    .filter(i -> i != null && i.getThreadName().startsWith("TruffleCompilerThread"))
                    .mapToLong(i -> Math.max(0, threads.getThreadCpuTime(i.getThreadId())))
                    .sum();
        }
        return nanos;
    }
}
