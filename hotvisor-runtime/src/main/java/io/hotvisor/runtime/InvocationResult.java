package io.hotvisor.runtime;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What a successful invocation produced, and the warmth state it ran in where the node judges warmth.
 */
public final class InvocationResult {
    private final String json;
    private final long version;
    private final long durationNanos;
    private final long queuedNanos;
    /** Negative when not measured. */
    private final long cpuNanos;
    /** Null when no listener judged it. */
    private final Warmth.State warmth;

    /**
     * @param json          the function's result as JSON text; the literal {@code null} when it returned nothing
     * @param version       the function version that ran it
     * @param durationNanos how long it ran in its sandbox
     * @param queuedNanos   how long it waited for a worker and a sandbox
     */
    public InvocationResult(String json, long version, long durationNanos, long queuedNanos) {
        this(json, version, durationNanos, queuedNanos, -1, null);
    }

    private InvocationResult(String json, long version, long durationNanos, long queuedNanos, long cpuNanos,
                             Warmth.State warmth) {
        this.json = Objects.requireNonNull(json, "json");
        this.version = version;
        this.durationNanos = durationNanos;
        this.queuedNanos = queuedNanos;
        this.cpuNanos = cpuNanos;
        this.warmth = warmth;
    }

    /** This result, whose invocation took {@code nanos} of CPU time by warmth's measure ({@link Warmth.Measure}). */
    InvocationResult measured(long nanos) {
        return new InvocationResult(json, version, durationNanos, queuedNanos, nanos, warmth);
    }

    /** This result, judged by the node's warmth ({@link DispatchListener#invocationSucceeded}) to have run in
     *  {@code state}. */
    InvocationResult ranIn(Warmth.State state) {
        return new InvocationResult(json, version, durationNanos, queuedNanos, cpuNanos,
                Objects.requireNonNull(state));
    }

    /** The function's result as JSON text; the literal {@code null} when it returned nothing. */
    public String json() {
        return json;
    }

    /** The function version that ran it. */
    public long version() {
        return version;
    }

    /** How long it ran in its sandbox. */
    public long durationNanos() {
        return durationNanos;
    }

    /** How long it waited for a worker and a sandbox. */
    public long queuedNanos() {
        return queuedNanos;
    }

    /**
     * The CPU time the invocation took, as warmth measures it ({@link Warmth.Measure#CPU}: the thread that ran the
     * function, less logging its output; a process-isolated Java function's worker thread); empty when not measured.
     */
    public OptionalLong cpuNanos() {
        return cpuNanos < 0 ? OptionalLong.empty() : OptionalLong.of(cpuNanos);
    }

    /**
     * The state the invocation ran in, judged with its own latency by the node's warmth (hot: within the hot factor of
     * the reference steady state); empty where nothing judges warmth (a dispatcher with no such listener).
     */
    public Optional<Warmth.State> warmth() {
        return Optional.ofNullable(warmth);
    }

    /** Without the result itself, only its length: a result may hold a user's data, and this is what logs print. */
    @Override
    public String toString() {
        return "InvocationResult[version=" + version + ", durationNanos=" + durationNanos + ", queuedNanos="
                + queuedNanos + ", cpuNanos=" + cpuNanos + ", warmth=" + warmth + ", jsonChars=" + json.length() + "]";
    }
}
