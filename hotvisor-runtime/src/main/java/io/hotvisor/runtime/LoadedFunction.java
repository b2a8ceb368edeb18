package io.hotvisor.runtime;

import java.util.Optional;

/**
 * A function version that loaded cleanly: its code parsed (and cached on the language's shared engine), its
 * handler found. Makes sandboxes for it.
 */
public interface LoadedFunction extends AutoCloseable {

    /** What was loaded. */
    FunctionDefinition definition();

    /**
     * A new sandbox, ready to invoke. For JavaScript and Python the function's code is already evaluated in it
     * and its handler resolved; for Java the handler instance is created.
     *
     * @throws InvocationFailure (platform fault or function error) if the sandbox cannot be made
     */
    Sandbox newSandbox();

    /**
     * A sandbox for warm-up replays ({@link FunctionDispatcher#warmUp}): as {@link #newSandbox()}, but what the guest
     * prints is dropped. For a Java function in process isolation, a handler instance of its own inside a worker that
     * serves (each JVM compiles on its own). Empty where replays are not supported (Java with a fresh sandbox per
     * invocation: new classes each time).
     */
    default Optional<Sandbox> newThrowawaySandbox() {
        return Optional.empty();
    }

    /**
     * The node's sample of this function's recent real events ({@link FunctionConfig#warmupSampling()}), for warm-up
     * off the serving path: a Java function in process isolation trains its AOT cache and checkpoints its snapshot's
     * source in worker JVMs of their own that replay them. Ignored by a function that does not allow sampling (events
     * may hold private data), and by the others. Returns at once.
     */
    default void sample(java.util.List<String> events) {
    }

    /** Whether this function waits for the node's sample ({@link #sample}): it allows sampling and has none yet. */
    default boolean wantsSample() {
        return false;
    }

    /**
     * How many sandboxes the dispatcher should keep ready at all times, even when idle: 1 for Python (a GraalPy
     * context takes hundreds of ms to create), 0 for the others. The dispatcher keeps one spare beyond a minimum that
     * is not 0 ({@link FunctionDispatcher#evictIdle()}).
     */
    int minIdleSandboxes();

    /** Where this function's worker JVMs get their AOT cache; empty for functions that run in the node. */
    default java.util.Optional<AotCacheStatus> aotCache() {
        return java.util.Optional.empty();
    }

    /** The CRIU snapshot of this function's hot worker JVM; empty for functions that run in the node. */
    default java.util.Optional<SnapshotStatus> snapshot() {
        return java.util.Optional.empty();
    }

    /** Which engine the function is compiled on, and why; {@link EngineChoice.Kind#JVM} for Java functions. */
    default EngineChoice engine() {
        return new EngineChoice(EngineChoice.Kind.JVM, "Java functions run as JVM bytecode, not on a Truffle engine");
    }

    /** Releases what the function holds (class loaders, cached sources); idempotent. */
    @Override
    void close();
}
