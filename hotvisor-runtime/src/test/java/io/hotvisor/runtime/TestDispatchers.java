package io.hotvisor.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Real dispatchers for tests, on a shared runtime: loads a function, wraps it in a {@link FunctionDispatcher} with
 * its own watchdog and background pool, and on {@link #close()} shuts every dispatcher it made down, then the pools.
 * One per test (a field closed in {@code @AfterEach}).
 */
final class TestDispatchers implements AutoCloseable {
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor();
    private final ExecutorService background = Executors.newCachedThreadPool();
    private final List<FunctionDispatcher> made = new ArrayList<>();
    private final FunctionRuntime runtime;

    TestDispatchers(FunctionRuntime runtime) {
        this.runtime = runtime;
    }

    /** Loads version 1 of {@code config} with {@code code} and dispatches it with {@code options}. */
    FunctionDispatcher create(FunctionConfig config, FunctionCode code, DispatchOptions options) {
        return create(config, code, options, DispatchListener.none());
    }

    /** As {@link #create(FunctionConfig, FunctionCode, DispatchOptions)}, telling {@code listener}. */
    FunctionDispatcher create(FunctionConfig config, FunctionCode code, DispatchOptions options,
                              DispatchListener listener) {
        LoadedFunction loaded = runtime.load(new FunctionDefinition(config, code, 1));
        FunctionDispatcher d = FunctionDispatcher.create(loaded, options, Ticker.system(), watchdog, background,
                listener);
        made.add(d);
        return d;
    }

    /** The failure {@code future} ends with (waiting at most 2 minutes); an assertion error if it succeeds. */
    static InvocationFailure failure(CompletableFuture<InvocationResult> future) throws Exception {
        try {
            InvocationResult r = future.get(2, TimeUnit.MINUTES);
            throw new AssertionError("expected a failure, got " + r.json());
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(InvocationFailure.class);
            return (InvocationFailure) e.getCause();
        }
    }

    @Override
    public void close() throws Exception {
        try {
            for (FunctionDispatcher d : made) {
                d.shutdownNow().get(1, TimeUnit.MINUTES);
            }
        } finally {
            watchdog.shutdownNow();
            background.shutdownNow();
        }
    }
}
