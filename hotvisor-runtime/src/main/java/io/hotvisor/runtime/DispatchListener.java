package io.hotvisor.runtime;

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
     * it cost in the function's {@link Warmth.Measure} (its thread's CPU time, or {@code nanos}).
     */
    default void invocationSucceeded(FunctionDefinition function, long nanos, long measuredNanos) {
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
