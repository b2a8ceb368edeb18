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

    /** A listener that ignores everything. */
    static DispatchListener none() {
        return new DispatchListener() {
        };
    }
}
