package io.hotvisor.runtime;

import java.util.Optional;

/**
 * Hears what a {@link FunctionDispatcher} does, for metrics. Called on worker threads: implementations must be
 * fast and must not throw.
 */
public interface DispatchListener {

    /** A sandbox was created for {@code function} in {@code nanos}. */
    default void sandboxCreated(FunctionDefinition function, long nanos) {
    }

    /**
     * An invocation of {@code function} produced a result after running {@code nanos}; {@code measuredNanos} is what
     * it cost in {@link Warmth.Measure}.
     *
     * @return the warmth state the invocation ran in, where this listener judges warmth (the caller hears it with the
     *         result, {@link InvocationResult#warmth()}); else empty
     */
    default Optional<Warmth.State> invocationSucceeded(FunctionDefinition function, long nanos, long measuredNanos) {
        return Optional.empty();
    }

    /** An invocation of {@code function} failed after {@code nanos} (zero if it never ran). */
    default void invocationFailed(FunctionDefinition function, long nanos, InvocationFailure failure) {
    }

    /**
     * A line {@code function} printed while it served invocation {@code invocationId}: stdout, or stderr when
     * {@code stderr} ({@code LambdaLogger} lines count by level, and so does the line saying output was capped). Called
     * on the invoking thread; never for warm-up replays, whose output is dropped, nor for output printed outside an
     * invocation (while the code loads, or by a thread of the function's own).
     */
    default void output(FunctionDefinition function, String invocationId, boolean stderr, String line) {
    }

    /** A listener that ignores everything. */
    static DispatchListener none() {
        return new DispatchListener() {
        };
    }
}
