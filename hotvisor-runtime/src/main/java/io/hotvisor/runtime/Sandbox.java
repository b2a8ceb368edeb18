package io.hotvisor.runtime;

/**
 * One isolated instance of a function: a GraalVM {@code Context} on the language's shared engine, or a Java
 * handler instance. Serves one invocation at a time; the dispatcher owns it.
 */
public interface Sandbox extends AutoCloseable {

    /**
     * Runs one invocation.
     *
     * @param eventJson the event, as JSON text
     * @param context   the invocation
     * @return the function's result as JSON text ({@code null} when the function returned nothing)
     * @throws InvocationFailure classified: function error, resource exhausted, cancelled (after {@link #cancel()}),
     *                           platform fault
     */
    String invoke(String eventJson, InvocationContext context);

    /**
     * Stops a running invocation from another thread, as soon as the language allows. The sandbox must not be
     * used afterwards. Safe to call at any time, more than once.
     */
    void cancel();

    /**
     * Whether the sandbox may serve another invocation; the dispatcher replaces it when not. True for in-node
     * sandboxes; a worker process answers false once it is gone, or when it has done its share of AOT training.
     */
    default boolean reusable() {
        return true;
    }

    /**
     * The CPU time the invoking threads have spent so far handing this sandbox's output lines to the node's log,
     * in ns, summed over its invocations: the node's work inside {@link #invoke}, which warmth leaves out of an
     * invocation's CPU time, or (a worker process's) of its wall time. 0 for a sandbox that does not log on the
     * invoking thread.
     */
    default long outputCpuNanos() {
        return 0;
    }

    /**
     * The CPU time the function took in the last {@link #invoke} that returned, as the sandbox itself measured it, in
     * ns; -1 where the invoking thread runs the function and its own CPU time is the measure (in-node sandboxes). A
     * worker process reports the CPU time of its thread that ran the function.
     */
    default long lastCpuNanos() {
        return -1;
    }

    /** Releases the sandbox; idempotent. */
    @Override
    void close();
}
