package io.hotvisor.node;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Collectors;

import io.hotvisor.runtime.DeployException;
import io.hotvisor.runtime.DispatchListener;
import io.hotvisor.runtime.DispatchOptions;
import io.hotvisor.runtime.EngineChoice;
import io.hotvisor.runtime.FunctionDefinition;
import io.hotvisor.runtime.FunctionDispatcher;
import io.hotvisor.runtime.FunctionRuntime;
import io.hotvisor.runtime.InvocationResult;
import io.hotvisor.runtime.LoadedFunction;
import io.hotvisor.runtime.Ticker;
import io.hotvisor.runtime.WarmUp;
import io.hotvisor.runtime.WarmthOptions;
import io.hotvisor.runtime.WarmthTracker;

/**
 * The functions of one namespace: each name's live version and its dispatcher.
 *
 * <p>Deploys and deletes of one name are serialized; invocations never wait for them. A replace loads and
 * validates the new version first, makes it live in the store, swaps it in, and drains the old version: every
 * invocation is answered by the old version or the new one, none fails because of the swap (an invocation that
 * reaches a draining dispatcher is resubmitted to the current one).
 */
final class FunctionRegistry {
    private static final System.Logger LOG = System.getLogger(FunctionRegistry.class.getName());

    /** A live function, and what its warm-up replays did when it was loaded. */
    record Live(StoredFunction stored, FunctionDispatcher dispatcher, WarmUp warmUp) {
    }

    /** What a deploy did. */
    record Deployed(StoredFunction stored, boolean created, long loadNanos, WarmUp warmUp) {
    }

    /** A loaded function's dispatcher, warmed up. */
    private record Loaded(FunctionDispatcher dispatcher, WarmUp warmUp) {
    }

    /** What a function is loaded with unless the cluster knows better: no node here knows it hot. */
    private static final EngineChoice NOT_KNOWN_HOT = EngineChoice.standard("not known hot fleet-wide");

    private final String namespace;
    private final FunctionStore store;
    private final FunctionRuntime runtime;
    private final DispatchOptions dispatchOptions;
    private final Ticker ticker;
    private final Clock clock;
    private final ScheduledExecutorService watchdog;
    private final Executor background;
    private final NodeMetrics metrics;
    private final DispatchListener listener;
    private final WarmthTracker warmth;
    private final Map<String, Live> live = new ConcurrentHashMap<>();
    private final Map<String, String> failedToLoad = new ConcurrentHashMap<>();
    private final Map<String, Object> nameLocks = new ConcurrentHashMap<>();

    FunctionRegistry(String namespace, FunctionStore store, FunctionRuntime runtime, DispatchOptions dispatchOptions,
                     Ticker ticker, Clock clock, ScheduledExecutorService watchdog, Executor background,
                     NodeMetrics metrics, WarmthOptions warmthOptions) {
        this.namespace = namespace;
        this.store = store;
        this.runtime = runtime;
        this.dispatchOptions = dispatchOptions;
        this.ticker = ticker;
        this.clock = clock;
        this.watchdog = watchdog;
        this.background = background;
        this.metrics = metrics;
        this.warmth = WarmthTracker.create(warmthOptions);
        this.listener = metrics.listener(namespace, warmth);
    }

    /** The namespace whose functions these are. */
    String namespace() {
        return namespace;
    }

    /** How warm each live function runs on this node. */
    WarmthTracker warmth() {
        return warmth;
    }

    /** Loads every stored function; one that fails to load is logged and reported by {@link #describe}. */
    void restore() {
        for (StoredFunction f : store.list()) {
            try {
                Loaded l = load(f.definition(), NOT_KNOWN_HOT);
                warmth.loaded(f.name(), f.version());
                live.put(f.name(), new Live(f, l.dispatcher(), l.warmUp()));
                LOG.log(Level.INFO, "Restored function '" + f.name() + "' version " + f.version());
            } catch (RuntimeException e) {
                failedToLoad.put(f.name(), e.getMessage());
                LOG.log(Level.ERROR, "Function '" + f.name() + "' is stored but failed to load: " + e.getMessage(), e);
            }
        }
    }

    /**
     * Loads a function, makes its dispatcher (with its first sandboxes) and replays its warm-up inputs, if it declares
     * any, before it takes traffic; on a platform thread: loading runs guest code (a module's top level), and guest
     * code must not run on the HTTP server's virtual threads (Truffle contexts are not proven safe on virtual threads
     * on JDK 25, see DESIGN.md).
     */
    private Loaded load(FunctionDefinition definition, EngineChoice engine) {
        try {
            return CompletableFuture.supplyAsync(() -> {
                LoadedFunction loaded = runtime.load(definition, engine);
                FunctionDispatcher d;
                try {
                    d = FunctionDispatcher.create(loaded, dispatchOptions, ticker, watchdog, background, listener);
                } catch (RuntimeException e) {
                    loaded.close();
                    throw e;
                }
                WarmUp w = d.warmUp(warmth.options());
                if (w.outcome() != WarmUp.Outcome.NONE) {
                    LOG.log(w.outcome() == WarmUp.Outcome.FAILED ? Level.WARNING : Level.INFO, "Warm-up of '"
                            + definition.name() + "' version " + definition.version() + ": " + w.replays()
                            + " replays in " + w.nanos() / 1_000_000 + " ms, " + w.outcome().id()
                            + (w.detail().isEmpty() ? "" : ": " + w.detail()));
                }
                return new Loaded(d, w);
            }, background).join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    /**
     * Creates or replaces a function.
     *
     * @throws ApiException 400 when the code does not load (syntax error, handler not found, bad archive)
     */
    Deployed deploy(DeployRequest request) {
        return deploy(request, true);
    }

    /**
     * Creates or replaces a function; {@code durable} false for a copy of what Redis holds (a cluster node's copy
     * of a function deployed through another node: see {@link FunctionStore}).
     *
     * @throws ApiException 400 when the code does not load (syntax error, handler not found, bad archive)
     */
    Deployed deploy(DeployRequest request, boolean durable) {
        return deploy(request, durable, NOT_KNOWN_HOT);
    }

    /**
     * As {@link #deploy(DeployRequest, boolean)}, asking for the engine a JavaScript or Python function is compiled on
     * ({@link EngineChoice}; the cluster asks for the eager engine for a version the fleet knows hot).
     */
    Deployed deploy(DeployRequest request, boolean durable, EngineChoice engine) {
        String name = request.config().name();
        synchronized (nameLocks.computeIfAbsent(name, n -> new Object())) {
            long ts = ticker.read();
            StoredFunction staged = store.stage(request, clock.instant(), durable);
            long t0 = ticker.read();
            Loaded loaded;
            try {
                loaded = load(staged.definition(), engine);
            } catch (DeployException e) {
                store.discard(staged);
                throw new ApiException(400, "DeployError", e.getMessage());
            } catch (RuntimeException e) {
                store.discard(staged);
                throw e;
            }
            long loadNanos = ticker.read() - t0;
            FunctionDispatcher dispatcher = loaded.dispatcher();
            long tc = ticker.read();
            try {
                store.commit(staged, durable);
            } catch (RuntimeException e) {
                dispatcher.drain();
                throw e;
            }
            failedToLoad.remove(name);
            // Before the swap: the new version's first invocations are tracked, the old one's stragglers ignored.
            warmth.loaded(name, staged.version());
            Live old = live.put(name, new Live(staged, dispatcher, loaded.warmUp()));
            if (old != null) {
                old.dispatcher().drain().whenComplete((v, e) -> {
                    synchronized (nameLocks.computeIfAbsent(name, n -> new Object())) {
                        store.removeVersion(old.stored());
                    }
                });
            }
            LOG.log(Level.INFO, (old == null ? "Created" : "Replaced") + " function '" + name + "' version "
                    + staged.version() + ": loaded in " + loadNanos / 1_000_000 + " ms, stored in "
                    + (t0 - ts + ticker.read() - tc) / 1_000_000 + " ms");
            return new Deployed(staged, old == null, loadNanos, loaded.warmUp());
        }
    }

    /** Deletes a function; invocations already running finish. */
    boolean delete(String name) {
        synchronized (nameLocks.computeIfAbsent(name, n -> new Object())) {
            boolean existed = store.delete(name);
            failedToLoad.remove(name);
            Live old = live.remove(name);
            warmth.forget(name);
            if (old != null) {
                old.dispatcher().drain();
                metrics.forget(namespace, name, old.stored().config().language().id());
            }
            return existed || old != null;
        }
    }

    /**
     * Invokes the live version of a function.
     *
     * @throws ApiException 404 naming the functions that exist, or 503 if it failed to load at start
     */
    CompletableFuture<InvocationResult> invoke(String name, String eventJson, String invocationId) {
        while (true) {
            Live l = live.get(name);
            if (l == null) {
                throw unknown(name);
            }
            Optional<CompletableFuture<InvocationResult>> f = l.dispatcher().submit(eventJson, invocationId);
            if (f.isPresent()) {
                return f.get();
            }
            Thread.onSpinWait(); // that version is draining: the new one is already live
        }
    }

    Optional<Live> get(String name) {
        return Optional.ofNullable(live.get(name));
    }

    ApiException unknown(String name) {
        String failed = failedToLoad.get(name);
        if (failed != null) {
            return new ApiException(503, "FunctionUnavailable", "Function '" + name
                    + "' is stored but failed to load when the node started: " + failed);
        }
        List<String> names = names();
        String shown = names.size() <= 50 ? names.toString()
                : names.subList(0, 50).toString().replace("]", ", ... (" + names.size() + " in all)]");
        return ApiException.notFound("Function '" + DeployRequest.printable(name) + "' not found; functions: " + shown);
    }

    /** Names of live functions, sorted. */
    List<String> names() {
        return live.keySet().stream().sorted().collect(Collectors.toList());
    }

    /** Live functions, sorted by name. */
    Collection<Live> all() {
        return new TreeMap<>(live).values();
    }

    /** Functions that are stored but failed to load at start, with why. */
    Map<String, String> failed() {
        return Map.copyOf(failedToLoad);
    }

    /** Dispatchers of live functions, for metrics. */
    Iterable<FunctionDispatcher> dispatchers() {
        List<FunctionDispatcher> ds = new ArrayList<>(live.size());
        live.values().forEach(l -> ds.add(l.dispatcher()));
        return ds;
    }

    /** Stops every function now, failing queued invocations. */
    CompletableFuture<Void> shutdownNow() {
        List<CompletableFuture<Void>> all = new ArrayList<>();
        live.values().forEach(l -> all.add(l.dispatcher().shutdownNow()));
        live.clear();
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
    }
}
