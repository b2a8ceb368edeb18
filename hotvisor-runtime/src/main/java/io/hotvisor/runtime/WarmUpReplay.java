package io.hotvisor.runtime;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The replay of a function's warm-up inputs: see {@link FunctionDispatcher#warmUp}.
 *
 * <p>When to stop. With a target steady state (the fleet's best, or what this node remembered of the version), the
 * replays go on until the replay curve is hot against it, judged exactly as a {@link WarmthTracker} judges
 * invocations (most of the last few replays within {@code hotFactor} of the target), and has settled: a curve
 * that flattens on an interpreter plateau is not hot, so it does not stop there (the bench of 2026-11-24 stopped
 * after 10 replays on such a plateau and the first call was 72x), and a curve still falling is still compiling, so
 * it does not stop there either (a target measured on a busy machine is easy to reach within 1.3x after 4 replays,
 * with half of the code still interpreted). Without a target it stops once the curve settled. Always bounded by
 * {@link WarmthOptions#warmUpReplays()} and {@link WarmthOptions#warmUpBudget()}.
 *
 * <p>Pacing. A curve that settled above its target, with no new best for a few replays, is waiting for the compiler:
 * on a new node the Graal compiler is itself cold and takes seconds for the first compilations, while the replays of a
 * small function run hundreds per second. Unpaced, they used up their replay limit within 1.3 s and stopped on the
 * interpreter plateau, and the compiled code arrived after the first invocation (2026-11-24: 200 replays of a JS loop,
 * no compilation yet, first call 7x the target). So such a plateau is paced to one replay per {@value #PLATEAU_MS} ms
 * on average, which leaves the cores to the compiler threads and stretches the limit over time: a pause, then as many
 * replays back to back as warmth judges by ({@link WarmthOptions#floorWindow()}), because a call after an idle pause
 * costs more CPU than one in a stream (cold caches: 1.3-1.8x for this JS loop after 0.1-0.5 s) and paced one by one
 * the replays could never look hot. A new best (by the settle ratio) ends the pacing at once, so the code that arrives
 * runs the calls that lead to its next tier.
 */
final class WarmUpReplay {
    private static final System.Logger LOG = System.getLogger(WarmUpReplay.class.getName());
    /** On a plateau above the target, one replay per this many milliseconds on average. */
    static final int PLATEAU_MS = 100;

    private WarmUpReplay() {
    }

    /**
     * How a replay's {@code memoryMb} holds, as an invocation's does ({@link AllocationMonitor}): the node's monitor
     * (null where it cannot measure allocation) and the heap guard that says when limits are enforced.
     */
    record MemoryLimit(AllocationMonitor monitor, HeapGuard heapGuard) {
    }

    /** "Warm-up input 2 of 3": the input replay number {@code replays} (from 0) takes. */
    private static String which(int replays, List<String> inputs) {
        return "Warm-up input " + (replays % inputs.size() + 1) + " of " + inputs.size();
    }

    /**
     * @param inputs      the events to replay, in turn
     * @param targetNanos the steady state to reach; 0 when none is known
     * @param stopped     true once the replays are no longer wanted (the version is being replaced)
     */
    static WarmUp run(LoadedFunction function, Ticker ticker, ScheduledExecutorService watchdog, MemoryLimit memory,
                      WarmthOptions warmth, List<String> inputs, long targetNanos, BooleanSupplier stopped) {
        FunctionDefinition definition = function.definition();
        if (inputs.isEmpty() || warmth.warmUpReplays() == 0) {
            return WarmUp.none();
        }
        long t0 = ticker.read();
        long deadline = t0 + warmth.warmUpBudget().toNanos();
        Optional<Sandbox> made;
        try {
            made = function.newThrowawaySandbox();
        } catch (InvocationFailure f) {
            return new WarmUp(0, ticker.read() - t0, 0, WarmUp.Outcome.FAILED,
                    "The warm-up sandbox could not be made: " + f.getMessage());
        }
        if (made.isEmpty()) {
            return new WarmUp(0, 0, 0, WarmUp.Outcome.UNSUPPORTED, "");
        }
        Sandbox sandbox = made.get();
        FunctionWarmth curve = new FunctionWarmth(warmth, definition.version());
        curve.fleetBest(targetNanos);
        int replays = 0;
        long last = 0;
        Warmth.State state = Warmth.State.COLD;
        long best = Long.MAX_VALUE;
        int sinceBest = 0;
        boolean overMemory = false;
        try {
            while (true) {
                if (targetNanos > 0 && state == Warmth.State.HOT && curve.settled()) {
                    return new WarmUp(replays, ticker.read() - t0, last, WarmUp.Outcome.HOT, "");
                }
                if (targetNanos <= 0 && curve.settled()) {
                    return new WarmUp(replays, ticker.read() - t0, last, WarmUp.Outcome.SETTLED, "");
                }
                if (stopped.getAsBoolean()) {
                    return new WarmUp(replays, ticker.read() - t0, last, WarmUp.Outcome.FAILED,
                            "Stopped: the function was replaced or deleted");
                }
                if (replays >= warmth.warmUpReplays()) {
                    return new WarmUp(replays, ticker.read() - t0, last, WarmUp.Outcome.MAX_REPLAYS, "");
                }
                if (ticker.read() - deadline >= 0) {
                    return new WarmUp(replays, ticker.read() - t0, last, WarmUp.Outcome.BUDGET, "");
                }
                String input = inputs.get(replays % inputs.size());
                long start = ticker.read();
                long timeoutNanos = definition.config().timeout().toNanos();
                InvocationContext ctx = new InvocationContext("warm-up-" + (replays + 1), definition.name(),
                        definition.version(), definition.config().memoryMb(), start + timeoutNanos, ticker);
                ScheduledFuture<?> alarm = watchdog.schedule(sandbox::cancel, timeoutNanos, TimeUnit.NANOSECONDS);
                int memoryMb = definition.config().memoryMb();
                AllocationMonitor.Watch memoryWatch = memory.monitor() == null || memoryMb <= 0 ? null
                        : memory.monitor().watch(memoryMb * 1024L * 1024L, memory.heapGuard()::enforcesMemoryLimits,
                                sandbox::cancel);
                long cpu = ticker.threadCpu();
                try {
                    sandbox.invoke(input, ctx); // the result is dropped
                    long own = sandbox.lastCpuNanos(); // a worker process's own report (Warmth.Measure)
                    cpu = own >= 0 ? own : ticker.threadCpu() - cpu;
                } catch (InvocationFailure f) {
                    if (memoryWatch == null || !memoryWatch.exceeded()) {
                        return new WarmUp(replays, ticker.read() - t0, last, WarmUp.Outcome.FAILED,
                                which(replays, inputs) + " failed (" + f.kind().name().toLowerCase(Locale.ROOT)
                                        + "): " + f.getMessage());
                    }
                } finally {
                    alarm.cancel(false);
                    if (memoryWatch != null) {
                        memoryWatch.close();
                        overMemory = memoryWatch.exceeded();
                    }
                }
                if (overMemory) { // stopped by its limit, or just over it as it returned (its sandbox is cancelled)
                    return new WarmUp(replays, ticker.read() - t0, last, WarmUp.Outcome.FAILED, which(replays, inputs)
                            + " allocated more than " + memoryMb + " MB in one replay (memoryMb " + memoryMb
                            + ") while the node's heap was " + Math.round(memory.heapGuard().pressure() * 100)
                            + "% full; the replays were stopped");
                }
                last = cpu;
                state = curve.record(last);
                replays++;
                if (last * warmth.settleRatio() < best) {
                    best = last;
                    sinceBest = 0;
                } else {
                    sinceBest++;
                }
                int k = warmth.floorWindow();
                if (targetNanos > 0 && state != Warmth.State.HOT && curve.settled() && sinceBest >= k
                        && sinceBest % k == 0) {
                    ticker.pause(Math.min(TimeUnit.MILLISECONDS.toNanos((long) k * PLATEAU_MS),
                            deadline - ticker.read()));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new WarmUp(replays, ticker.read() - t0, last, WarmUp.Outcome.FAILED,
                    "Stopped: the node is shutting down");
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "Warm-up of function '" + definition.name() + "' failed", e);
            return new WarmUp(replays, ticker.read() - t0, last, WarmUp.Outcome.FAILED,
                    "Warm-up failed inside the platform: " + e);
        } finally {
            try {
                sandbox.close();
            } catch (RuntimeException e) {
                LOG.log(Level.DEBUG, "Closing the warm-up sandbox of '" + definition.name() + "' failed", e);
            }
            if (overMemory) { // what the replay held is garbage now: the guard's reading must not stay full
                memory.heapGuard().memoryReleased();
            }
        }
    }
}
