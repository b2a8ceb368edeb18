package io.hotvisor.runtime;

/**
 * Thrown by {@link CancellationPoll#poll()} inside a cancelled in-node Java invocation (timed out, over its memory
 * limit, or the node stopping). An {@link Error} so that {@code catch (Exception e)} in function code lets it
 * through; {@code catch (Throwable t)} only delays it to the next poll. {@link JavaFailures} classifies it as
 * {@link InvocationFailure.Kind#CANCELLED}; the caller has already been answered by whoever cancelled (the
 * dispatcher's {@code Timeout} or {@code MemoryLimitExceeded}).
 */
final class InvocationCancelled extends Error {
    private static final long serialVersionUID = 1L;

    InvocationCancelled(String functionName) {
        // No stack trace: it is thrown again at every poll of a function that swallows it, and nobody reads it.
        super("The invocation of function '" + functionName + "' was cancelled", null, false, false);
    }
}
