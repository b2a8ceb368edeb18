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
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import io.hotvisor.runtime.DeployException;
import io.hotvisor.runtime.DispatchListener;
import io.hotvisor.runtime.DispatchOptions;
import io.hotvisor.runtime.EngineChoice;
import io.hotvisor.runtime.FunctionDefinition;
import io.hotvisor.runtime.FunctionDispatcher;
import io.hotvisor.runtime.FunctionRuntime;
import io.hotvisor.runtime.InvocationFailure;
import io.hotvisor.runtime.InvocationResult;
import io.hotvisor.runtime.Isolation;
import io.hotvisor.runtime.Language;
import io.hotvisor.runtime.LoadedFunction;
import io.hotvisor.runtime.Ticker;
import io.hotvisor.runtime.WarmUp;
import io.hotvisor.runtime.Warmth;
import io.hotvisor.runtime.WarmthOptions;
import io.hotvisor.runtime.WarmthTracker;

/**
 * The functions of one namespace: each name's live version and its dispatcher.
 *
 * <p>Deploys and deletes of one name are serialized; invocations never wait for them. A replace loads and
 * validates the new version first, makes it live in the store, swaps it in, and drains the old version: every
 * invocation is answered by the old version or the new one, none fails because of the swap (an invocation that
 * reaches a draining dispatcher is resubmitted to the current one).
 *
 * <p>Warm-up (issue 6, mechanism 2). Each load replays the function's declared {@code warmupInputs} and, for a
 * function deployed with {@code warmupSampling}, its sample of recent real events ({@link EventSample}), as
 * {@link FunctionDispatcher#warmUp} describes, towards a target steady state: given by the cluster (the fleet's best)
 * or, for a function restored from this node's store, the steady state this node remembered for that version. The
 * {@link WarmUpPolicy} says whether the replays finish before the function takes traffic or run alongside it. At
 * start, {@link #restore()} loads the stored functions without replaying; {@link #warmUpRestored(Executor)} replays them
 * once the node listens, and until then (policy {@code before}) their invocations wait for their replays. What
 * warms a function at the next start is saved by {@link #saveWarmUpKnowledge()}: the sample (in the store alone, in
 * Redis in a cluster) and this node's steady state (in the store). The sample also warms a Java function's worker
 * JVMs off the serving path ({@link FunctionDispatcher#sample}): it is given with the replays at load, or, when it was
 * empty then, as soon as an invocation puts the first event in it.
 */
final class FunctionRegistry {
    private static final System.Logger LOG = System.getLogger(FunctionRegistry.class.getName());

    /** A live function, and its warm-up replays. */
    record Live(StoredFunction stored, FunctionDispatcher dispatcher, WarmUpRun warmUp) {
    }

    /** What a deploy did. */
    record Deployed(StoredFunction stored, boolean created, long loadNanos, WarmUpRun warmUp) {
    }

    /**
     * What a load knows of the function beyond its code: the steady state to warm up to (0: none known) and, when
     * the caller has it (a cluster node copying a function, from Redis), its sampled events.
     */
    record WarmUpHints(long targetNanos, Optional<List<String>> sample) {
        static final WarmUpHints NONE = new WarmUpHints(0, Optional.empty());
    }

    /** The warm-up replays of one loaded version: under which policy, towards which target, and what they did. */
    static final class WarmUpRun {
        private final WarmUpPolicy policy;
        private final long targetNanos;
        private final CompletableFuture<Void> done = new CompletableFuture<>();
        private volatile WarmUp result;
        private WarmUp recheck; // guarded by this
        private int recheckRounds; // guarded by this

        WarmUpRun(WarmUpPolicy policy, long targetNanos, WarmUp initial) {
            this.policy = policy;
            this.targetNanos = targetNanos;
            this.result = initial;
        }

        WarmUpPolicy policy() {
            return policy;
        }

        /** The steady state the replays aim at, in ns; 0 when none was known (they stop once settled). */
        long targetNanos() {
            return targetNanos;
        }

        /** What the replays did; {@link WarmUp.Outcome#RUNNING} while they run. */
        WarmUp result() {
            return result;
        }

        /** Completes when the replays are over (or there were none). */
        CompletableFuture<Void> done() {
            return done;
        }

        void finish(WarmUp w) {
            result = w;
            done.complete(null);
        }

        /**
         * What the re-check before the node became ready did ({@link #recheckWarmUps}), over all its rounds: replays
         * and time summed, the last round's last replay and outcome; empty if none ran.
         */
        synchronized Optional<WarmUp> recheck() {
            return Optional.ofNullable(recheck);
        }

        /** In how many rounds of the re-check this function was replayed; 0 if none. */
        synchronized int recheckRounds() {
            return recheckRounds;
        }

        private synchronized void rechecked(WarmUp w) {
            WarmUp before = recheck;
            recheck = before == null ? w : new WarmUp(before.replays() + w.replays(), before.nanos() + w.nanos(),
                    w.lastNanos(), w.outcome(), w.detail());
            recheckRounds++;
        }

        /** Whether the last round of the re-check found this function hot: one that ran out of replays is not
         *  re-checked again. */
        private synchronized boolean hotAtLastRecheck() {
            return recheck == null || recheck.outcome() == WarmUp.Outcome.HOT;
        }

        /** Whether these replays reached their target, so that a re-check can tell whether the function still runs
         *  there (one that ran out of replays or time would only spend them again). */
        boolean recheckable() {
            return done.isDone() && targetNanos > 0 && result.outcome() == WarmUp.Outcome.HOT;
        }

        /** Whether invocations wait for these replays: policy {@code before} while they have not finished. */
        boolean holdsTraffic() {
            return policy == WarmUpPolicy.BEFORE && !done.isDone();
        }
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
    private final FunctionLogs logs;
    private final Map<String, Live> live = new ConcurrentHashMap<>();
    private final Map<String, String> failedToLoad = new ConcurrentHashMap<>();
    private final Map<String, Object> nameLocks = new ConcurrentHashMap<>();
    private final WarmUpPolicy policy;
    private final Supplier<FleetWarmUp> fleet;
    private final Map<String, EventSample> samples = new ConcurrentHashMap<>();
    /** Per function, the steady state last saved in the store (or found there at start). */
    private final Map<String, SavedSteadyState> savedSteadyStates = new ConcurrentHashMap<>();
    /** Functions restored by {@link #restore()} whose replays {@link #warmUpRestored(Executor)} has yet to run. */
    private final List<Live> restored = new ArrayList<>();

    /**
     * @param policy when warm-up replays run against traffic
     * @param fleet  the cluster's store of warm-up samples; gives null for a node on its own (or not joined yet)
     */
    FunctionRegistry(String namespace, FunctionStore store, FunctionRuntime runtime, DispatchOptions dispatchOptions,
                     Ticker ticker, Clock clock, ScheduledExecutorService watchdog, Executor background,
                     NodeMetrics metrics, WarmthOptions warmthOptions, WarmUpPolicy policy,
                     Supplier<FleetWarmUp> fleet) {
        this.policy = policy;
        this.fleet = fleet;
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
        this.logs = new FunctionLogs(clock);
        this.listener = new LoggingListener(metrics.listener(namespace, warmth), logs);
    }

    /** The metrics' listener, and the functions' output kept in {@link #logs()}. */
    private record LoggingListener(DispatchListener metrics, FunctionLogs logs) implements DispatchListener {
        @Override
        public void sandboxCreated(FunctionDefinition function, long nanos) {
            metrics.sandboxCreated(function, nanos);
        }

        @Override
        public Optional<Warmth.State> invocationSucceeded(FunctionDefinition function, long nanos,
                                                          long measuredNanos) {
            return metrics.invocationSucceeded(function, nanos, measuredNanos);
        }

        @Override
        public void invocationFailed(FunctionDefinition function, long nanos, InvocationFailure failure) {
            metrics.invocationFailed(function, nanos, failure);
        }

        @Override
        public void output(FunctionDefinition function, String invocationId, boolean stderr, String line) {
            logs.add(function.name(), function.version(), invocationId, stderr, line);
        }
    }

    /** The recent output of this namespace's functions on this node. */
    FunctionLogs logs() {
        return logs;
    }

    /** The namespace whose functions these are. */
    String namespace() {
        return namespace;
    }

    /** How warm each live function runs on this node. */
    WarmthTracker warmth() {
        return warmth;
    }

    /**
     * Loads every stored function, without replaying yet (see {@link #warmUpRestored(Executor)}); one that fails to load is
     * logged and reported by {@link #describe}.
     */
    void restore() {
        for (StoredFunction f : store.list()) {
            try {
                FunctionDispatcher d = load(f.definition(), NOT_KNOWN_HOT, null, List.of());
                warmth.loaded(f.name(), f.version());
                long remembered = store.steadyState(f.name(), f.version());
                warmth.remembered(f.name(), f.version(), remembered);
                if (remembered > 0) {
                    savedSteadyStates.put(f.name(), new SavedSteadyState(f.version(), remembered));
                }
                WarmUpRun run = new WarmUpRun(policy, remembered, WarmUp.running());
                Live l = new Live(f, d, run);
                live.put(f.name(), l);
                if (f.config().warmupSampling()) {
                    samples.put(f.name(), EventSample.of(store.samples(f.name())));
                }
                synchronized (restored) {
                    restored.add(l);
                }
                LOG.log(Level.INFO, "Restored function '" + f.name() + "' version " + f.version());
            } catch (RuntimeException e) {
                failedToLoad.put(f.name(), e.getMessage());
                LOG.log(Level.ERROR, "Function '" + f.name() + "' is stored but failed to load: " + e.getMessage(), e);
            }
        }
    }

    /**
     * Runs the warm-up replays of the functions {@link #restore()} loaded, on {@code executor} (platform threads),
     * towards the steady state this node remembered for its version (none: until settled). A function replaced or
     * deleted meanwhile (a cluster node copies the catalog's versions as it joins) is skipped.
     *
     * @return one future per function, each completing when its replays are over
     */
    List<CompletableFuture<Void>> warmUpRestored(Executor executor) {
        List<Live> pending;
        synchronized (restored) {
            pending = List.copyOf(restored);
            restored.clear();
        }
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (Live l : pending) {
            if (live.get(l.stored().name()) != l) {
                l.warmUp().finish(WarmUp.none());
                continue;
            }
            List<String> sample = replayedSample(l.stored());
            executor.execute(() -> replay(l.stored().definition(), l.dispatcher(), l.warmUp(), sample));
            all.add(l.warmUp().done());
        }
        return all;
    }

    /**
     * What one function's re-check found: its language, and whether its compiled code had been undone since its
     * replays (its re-check ended hot but needed more replays than a curve whose code is still compiled:
     * {@code 2 * floorWindow}, as warmth needs to judge a curve settled).
     */
    record Rechecked(Language language, boolean undone) {
    }

    /**
     * Replays again, on {@code executor}, the functions in process of {@code languages} whose warm-up replays
     * reached their target (and, after the first round, whose last re-check did), each towards the same target, and
     * adds what they did to the run's {@link WarmUpRun#recheck()}. For a node that warmed several functions before it
     * became ready: functions of one language on one engine share the compiled code of their builtins, so the replays
     * of one can invalidate another's code warmed before it (2026-11-25, {@code engine.TraceCompilation}: the word
     * count's replays invalidated the JSON transform's compiled handler and {@code Array Iterator.prototype.next}, and
     * the JSON transform's first 10 served calls then cost 1.7-3.0x its target instead of 1.0-1.7x alone; 1.2-1.6x
     * with the re-check). A re-check that recompiles undone code can undo another's again, so the caller runs another
     * round for a language where one was undone ({@link HotvisorNode}). Functions in a worker JVM of their own are
     * left alone: nothing else runs in their JVM.
     *
     * @return one future per function re-checked, each completing with what it found when its replays are over
     */
    List<CompletableFuture<Rechecked>> recheckWarmUps(Executor executor, Predicate<Language> languages) {
        List<CompletableFuture<Rechecked>> all = new ArrayList<>();
        int compiled = 2 * warmth.options().floorWindow();
        for (Live l : live.values()) {
            WarmUpRun run = l.warmUp();
            Language language = l.stored().config().language();
            if (!run.recheckable() || !run.hotAtLastRecheck() || l.stored().config().isolation() == Isolation.PROCESS
                    || !languages.test(language)) {
                continue;
            }
            all.add(CompletableFuture.supplyAsync(() -> {
                if (live.get(l.stored().name()) != l) { // replaced or deleted meanwhile
                    return new Rechecked(language, false);
                }
                WarmUp w = warmUp(l.stored().definition(), l.dispatcher(), run, replayedSample(l.stored()),
                        "re-check round " + (run.recheckRounds() + 1));
                run.rechecked(w);
                return new Rechecked(language, w.outcome() == WarmUp.Outcome.HOT && w.replays() > compiled);
            }, executor));
        }
        return all;
    }

    /** {@link #warmUpRestored(Executor)} on the node's background threads: a namespace opened after the start. */
    void warmUpRestoredNow() {
        warmUpRestored(background);
    }

    /**
     * Loads a function and makes its dispatcher (with its first sandboxes); with {@code run} under policy
     * {@code before}, replays its warm-up inputs too, before it takes traffic. On a platform thread: loading runs
     * guest code (a module's top level), and guest code must not run on the HTTP server's virtual threads (Truffle
     * contexts are not proven safe on virtual threads on JDK 25, see DESIGN.md).
     */
    private FunctionDispatcher load(FunctionDefinition definition, EngineChoice engine, WarmUpRun run,
                                    List<String> sample) {
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
                if (run != null && run.policy() == WarmUpPolicy.BEFORE) {
                    replay(definition, d, run, sample);
                }
                return d;
            }, background).join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    /** Runs the replays of {@code run} on the calling (platform) thread, and logs what they did. */
    private void replay(FunctionDefinition definition, FunctionDispatcher d, WarmUpRun run, List<String> sample) {
        run.finish(warmUp(definition, d, run, sample, run.policy().id()));
    }

    /** Replays towards {@code run}'s target on the calling thread; logs what they did, as {@code what}. */
    private WarmUp warmUp(FunctionDefinition definition, FunctionDispatcher d, WarmUpRun run, List<String> sample,
                          String what) {
        WarmUp w;
        try {
            w = d.warmUp(warmth.options(), sample, run.targetNanos());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "Warm-up of '" + definition.name() + "' failed", e);
            w = new WarmUp(0, 0, 0, WarmUp.Outcome.FAILED, "Warm-up failed inside the platform: " + e);
        }
        if (w.outcome() != WarmUp.Outcome.NONE) {
            LOG.log(w.outcome() == WarmUp.Outcome.FAILED ? Level.WARNING : Level.INFO, "Warm-up of '"
                    + definition.name() + "' version " + definition.version() + " (" + what + "): "
                    + w.replays() + " replays (" + definition.config().warmupInputs().size() + " declared inputs, "
                    + sample.size() + " sampled) in " + w.nanos() / 1_000_000 + " ms, " + w.outcome().id()
                    + (run.targetNanos() > 0 ? " (target " + run.targetNanos() / 1000 + " us)" : "")
                    + (w.detail().isEmpty() ? "" : ": " + w.detail()));
        }
        return w;
    }

    /** The sampled events a function's replays add to its declared inputs: none unless it allows sampling. */
    private List<String> replayedSample(StoredFunction stored) {
        return stored.config().warmupSampling() ? sampleOf(stored.name()).events() : List.of();
    }

    /** The in-memory sample of a function that allows sampling, seeded from Redis (in a cluster) or the store. */
    private EventSample sampleOf(String name) {
        return samples.computeIfAbsent(name, n -> {
            FleetWarmUp f = fleet.get();
            return EventSample.of(f != null ? f.samples(namespace, n) : store.samples(n));
        });
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
        return deploy(request, durable, NOT_KNOWN_HOT, WarmUpHints.NONE);
    }

    /**
     * As {@link #deploy(DeployRequest, boolean)}, asking for the engine a JavaScript or Python function is compiled on
     * ({@link EngineChoice}; the cluster asks for the eager engine for a version the fleet knows hot), and warming up
     * towards {@code hints}' target, with its sample if it has one. Turning sampling off forgets the function's
     * sample, here and (in a cluster) in Redis.
     */
    Deployed deploy(DeployRequest request, boolean durable, EngineChoice engine, WarmUpHints hints) {
        String name = request.config().name();
        synchronized (nameLocks.computeIfAbsent(name, n -> new Object())) {
            long ts = ticker.read();
            StoredFunction staged = store.stage(request, clock.instant(), durable);
            long t0 = ticker.read();
            List<String> sample = List.of();
            if (request.config().warmupSampling()) {
                hints.sample().ifPresent(events -> samples.computeIfAbsent(name, n -> EventSample.of(events)));
                sample = sampleOf(name).events();
            }
            WarmUpRun run = new WarmUpRun(policy, hints.targetNanos(),
                    request.config().warmupInputs().isEmpty() && sample.isEmpty() ? WarmUp.none() : WarmUp.running());
            FunctionDispatcher dispatcher;
            try {
                dispatcher = load(staged.definition(), engine, run, sample);
            } catch (DeployException e) {
                store.discard(staged);
                throw new ApiException(400, "DeployError", e.getMessage());
            } catch (RuntimeException e) {
                store.discard(staged);
                throw e;
            }
            long loadNanos = ticker.read() - t0;
            long tc = ticker.read();
            try {
                store.commit(staged, durable);
            } catch (RuntimeException e) {
                dispatcher.drain();
                throw e;
            }
            failedToLoad.remove(name);
            if (!request.config().warmupSampling()) {
                forgetSample(name);
            }
            // Before the swap: the new version's first invocations are tracked, the old one's stragglers ignored.
            warmth.loaded(name, staged.version());
            if (hints.targetNanos() > 0) {
                warmth.fleetBest(name, staged.version(), hints.targetNanos()); // not a heartbeat later
            }
            Live old = live.put(name, new Live(staged, dispatcher, run));
            if (policy == WarmUpPolicy.ALONGSIDE) {
                List<String> replayed = sample;
                background.execute(() -> replay(staged.definition(), dispatcher, run, replayed));
            }
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
            return new Deployed(staged, old == null, loadNanos, run);
        }
    }

    /** Deletes a function; invocations already running finish. */
    boolean delete(String name) {
        synchronized (nameLocks.computeIfAbsent(name, n -> new Object())) {
            boolean existed = store.delete(name);
            failedToLoad.remove(name);
            Live old = live.remove(name);
            warmth.forget(name);
            logs.forget(name);
            samples.remove(name);
            savedSteadyStates.remove(name);
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
        Live l = live.get(name);
        if (l == null) {
            throw unknown(name);
        }
        if (!l.warmUp().holdsTraffic()) {
            return submit(name, eventJson, invocationId);
        }
        // Policy before, at start: wait for the function's replays (never fail because of them), at most its timeout.
        long waitMs = l.stored().config().timeout().toMillis();
        return l.warmUp().done().copy().completeOnTimeout(null, waitMs, TimeUnit.MILLISECONDS).thenCompose(v -> {
            try {
                return submit(name, eventJson, invocationId);
            } catch (ApiException e) {
                return CompletableFuture.failedFuture(InvocationFailure.of(InvocationFailure.Kind.CANCELLED,
                        e.getMessage()));
            }
        });
    }

    private CompletableFuture<InvocationResult> submit(String name, String eventJson, String invocationId) {
        while (true) {
            Live l = live.get(name);
            if (l == null) {
                throw unknown(name);
            }
            Optional<CompletableFuture<InvocationResult>> f = l.dispatcher().submit(eventJson, invocationId);
            if (f.isPresent()) {
                if (l.stored().config().warmupSampling()) {
                    // Successful invocations only; a function that turned sampling off meanwhile keeps nothing. A
                    // function waiting for a sample (a Java worker's off-path warm-up) gets it as soon as it has one.
                    f.get().thenAccept(r -> {
                        Live now = live.get(name);
                        if (now != null && now.stored().config().warmupSampling()) {
                            EventSample sample = sampleOf(name);
                            sample.offer(eventJson);
                            if (now.dispatcher().wantsSample()) {
                                now.dispatcher().sample(sample.events());
                            }
                        }
                    });
                }
                return f.get();
            }
            Thread.onSpinWait(); // that version is draining: the new one is already live
        }
    }

    /**
     * Saves what warms each live function at the next start: its new sampled events (functions that allow sampling:
     * into Redis in a cluster, else into the store) and the steady state this node measured for its version
     * ({@link #keepsSteadyState}). Called every few seconds and when the node stops.
     */
    void saveWarmUpKnowledge() {
        for (Live l : live.values()) {
            String name = l.stored().name();
            EventSample sample = samples.get(name);
            if (sample != null && l.stored().config().warmupSampling() && sample.takeDirty()) {
                FleetWarmUp f = fleet.get();
                try {
                    if (f != null) {
                        f.storeSamples(namespace, name, sample.events());
                    } else {
                        store.samples(name, sample.events());
                    }
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "Cannot save the event sample of '" + name + "': " + e.getMessage());
                }
            }
            long steady = warmth.summary(name).filter(w -> w.version() == l.stored().version())
                    .map(Warmth::steadyStateNanos).orElse(0L);
            if (steady > 0) {
                SavedSteadyState saved = savedSteadyStates.get(name);
                long before = saved != null && saved.version() == l.stored().version() ? saved.nanos() : 0;
                if (!keepsSteadyState(before, steady, l.warmUp())) {
                    store.steadyState(name, l.stored().version(), steady);
                    savedSteadyStates.put(name, new SavedSteadyState(l.stored().version(), steady));
                }
            }
        }
    }

    /** A steady state saved in the store: the version it was measured on, and its nanoseconds. */
    private record SavedSteadyState(long version, long nanos) {
    }

    /**
     * Whether the steady state saved for a version ({@code saved} ns, 0 if none; what a restarted node remembered
     * counts as saved) stays, now that this node measures {@code measured} ns: it is the target of the next start's
     * replays and the reference until the node has its own, and a node measuring worse than before (calls run while
     * the machine was busy, or while another function's replays had undone the code) would otherwise save a worse
     * target for the next start, each slow run raising it further (2026-11-25: 3015 us, then 4780 us). So a steady
     * state more than 10 % lower replaces it; a higher one only when the replays towards it ran out of replays or time
     * (it is out of reach on this node now), and only when more than 10 % higher.
     */
    static boolean keepsSteadyState(long saved, long measured, WarmUpRun warmUp) {
        if (saved <= 0) {
            return false;
        }
        if (measured * 10 < saved * 9) {
            return false;
        }
        WarmUp.Outcome o = warmUp.done().isDone() ? warmUp.result().outcome() : WarmUp.Outcome.RUNNING;
        boolean outOfReach = o == WarmUp.Outcome.MAX_REPLAYS || o == WarmUp.Outcome.BUDGET;
        return !(outOfReach && measured * 10 > saved * 11);
    }

    /** Forgets the sampled events of a function, here, in the store and (in a cluster) in Redis. */
    private void forgetSample(String name) {
        samples.remove(name);
        store.dropSamples(name);
        FleetWarmUp f = fleet.get();
        if (f != null) {
            try {
                f.dropSamples(namespace, name);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "Cannot remove the event sample of '" + name + "' from the cluster: "
                        + e.getMessage());
            }
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
