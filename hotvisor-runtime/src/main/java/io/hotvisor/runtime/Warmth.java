package io.hotvisor.runtime;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * What a {@link WarmthTracker} knows of one function version on this node, at one moment. Latencies are in
 * nanoseconds, in the function's {@link Measure} (CPU time for most); 0 where nothing is known yet.
 *
 * @param version            the function version this is about
 * @param state              cold, warming or hot
 * @param steadyStateNanos   this node's steady-state estimate: the median of the recent window's calls on the
 *                           current latency level, once the latency stopped falling; 0 before
 * @param fleetSteadyStateNanos the best steady state of this version on any node of the cluster (including this
 *                           one), as the cluster last reported it; 0 outside a cluster or when no node has one
 * @param referenceNanos     what the floor is compared with: the lower of the two above that is known; 0 if neither
 * @param reference          which of the two that is
 * @param floorNanos         the fastest of the last few invocations ({@link WarmthOptions#floorWindow()}); 0 when cold
 * @param hotInvocations     successful invocations that ran while hot (judged with their own latency)
 * @param warmingInvocations successful invocations that ran while not hot
 * @param firstInvocationNanos the latency of this version's first invocation here; 0 when cold
 * @param firstNanos         latencies of the first {@link WarmthOptions#firstInvocations()} invocations, in order;
 *                           empty in a {@link WarmthTracker#summary summary}
 * @param recentNanos        latencies of the last {@link WarmthOptions#window()} invocations, oldest first; empty in
 *                           a summary
 */
public record Warmth(long version, State state, long steadyStateNanos, long fleetSteadyStateNanos,
                     long referenceNanos, Reference reference, long floorNanos, long hotInvocations,
                     long warmingInvocations, long firstInvocationNanos, List<Long> firstNanos,
                     List<Long> recentNanos) {

    public Warmth {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(reference, "reference");
        firstNanos = List.copyOf(firstNanos);
        recentNanos = List.copyOf(recentNanos);
    }

    /** How warm a function is on a node. */
    public enum State {
        /** Loaded, but no invocation of this version finished on this node yet. */
        COLD,
        /** Running, with its latency well above the best steady state known, or not yet settled. */
        WARMING,
        /** Running within {@link WarmthOptions#hotFactor()} of the best steady state known. */
        HOT;

        /** {@code cold}, {@code warming} or {@code hot}, as the API and metrics spell it. */
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Where the reference steady state comes from. */
    public enum Reference {
        /** None is known yet: the function is warming until its own latency settles. */
        NONE,
        /** This node's own steady state (or, until it has one, the one it measured before it restarted). */
        NODE,
        /** The cluster's best, lower than this node's own (or this node has none yet). */
        FLEET;

        /** {@code none}, {@code node} or {@code fleet}. */
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * What a function's warmth is measured in: every latency of a {@link Warmth} (and the fleet's best it is compared
     * with) is one of these. Warmth asks whether the code runs optimized, and on a busy machine the wall clock also
     * counts the waits for a core (on 2 loaded cores a steady JavaScript call took up to 60x its CPU time), so every
     * invocation is measured by the CPU time of the thread that ran the function.
     */
    public enum Measure {
        /**
         * The CPU time of the thread that ran the invocation: the dispatcher's, less what it spent logging the guest's
         * output lines ({@link Sandbox#outputCpuNanos()}: the node's work, which replays do not do), for JavaScript,
         * Python and Java in the node; the worker JVM's serving thread, as the worker reports it
         * ({@link Sandbox#lastCpuNanos()}), for Java in process isolation. (Until 2026-11-24 a worker's invocations
         * were measured by their wall time, and on a busy machine hot workers looked warming.)
         */
        CPU;

        /** {@code cpu}, as the API spells it. */
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The fraction of successful invocations that ran while not hot (0 if none ran). */
    public double notHotFraction() {
        long all = hotInvocations + warmingInvocations;
        return all == 0 ? 0 : (double) warmingInvocations / all;
    }
}
