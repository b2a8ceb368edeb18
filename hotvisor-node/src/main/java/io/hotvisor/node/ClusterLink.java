package io.hotvisor.node;

import java.lang.System.Logger.Level;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;

import io.hotvisor.cluster.ClusterException;
import io.hotvisor.cluster.ClusterStore;
import io.hotvisor.cluster.FunctionPointer;
import io.hotvisor.cluster.NodeInfo;
import io.hotvisor.runtime.EngineChoice;
import io.hotvisor.runtime.FunctionDispatcher;

/**
 * A node's membership of a cluster: publishes what is deployed through it, follows what is deployed through the
 * others, shares the keys, sends heartbeats and runs async invocations from the cluster's queue ({@link
 * ClusterAsync}).
 *
 * <p>Redis is the truth for what is deployed: every {@value #SYNC_MS} ms the node reads one counter, {@code
 * catalog-rev}, and when it moved, the pointers of every namespace, then deploys locally each function whose
 * cluster version it does not run yet (the code is fetched from its immutable key, so it is whole) and deletes
 * those the catalog no longer has. This is polling rather than pub/sub: a missed notification (a reconnect) cannot
 * leave a node behind, and one GET per interval is nothing for Redis. The local store keeps a copy, so while Redis
 * is unreachable the node serves what it had, and catches up when Redis is back.
 *
 * <p>An invocation does not wait for the next poll: {@link #ensure} loads the catalog's version of a function this
 * node does not have yet (deployed through another node a moment ago), or one older than the version the gateway
 * routed the invocation for, before the invocation runs. So a function is servable by every node as soon as its
 * deploy returned.
 *
 * <p>Concurrency: applying a version, and deploys and deletes through this node, are serialized per function (a
 * lock per {@code ns/name}), so the poll, an invocation loading on demand and a deploy through this node never
 * undo one another; a lock is held while that one function loads (with its warm-up replays: up to the 30 s warm-up
 * budget, more on a loaded machine), never across functions. A deploy or delete through this node waits for it at
 * most {@link ClusterOptions#changeWait()}, then is refused ({@link #lockToChange}). No invocation thread ever takes
 * that lock: a load an invocation needs runs on a loader thread ({@link #loads}: one per function at a time, joined
 * by every invocation that needs it), and the invocation waits for it at most {@link ClusterOptions#loadWait()}. When
 * the wait is over the load goes on, undisturbed (never cancelled half-way: what the store holds stays whole), and
 * the invocation is answered 503 {@code FunctionLoading} ({@link #stillLoading}).
 */
final class ClusterLink implements AutoCloseable, FleetWarmUp {
    private static final System.Logger LOG = System.getLogger(ClusterLink.class.getName());
    static final long SYNC_MS = 50;
    static final Duration HEARTBEAT_TTL = Duration.ofSeconds(5);
    /** How long {@link #stillLoading} tells the client to wait before it tries again: the load goes on meanwhile. */
    static final Duration RETRY_AFTER = Duration.ofSeconds(1);

    private final ClusterOptions options;
    private final ClusterStore store;
    private final TenantStore tenants;
    private final Namespaces namespaces;
    private final Clock clock;
    private final String url;
    /** Whether functions known hot fleet-wide are loaded on the eager engine ({@link EagerPlacement}). */
    private final boolean eagerCompile;
    private final BooleanSupplier ready;
    /** {@code ns/name} -> the cluster version this node runs. */
    private final Map<String, Long> applied = new ConcurrentHashMap<>();
    /** {@code ns/name} -> the lock that serializes applying, deploying and deleting that function on this node. */
    private final Map<String, ReentrantLock> functionLocks = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timers = Executors.newScheduledThreadPool(2,
            Thread.ofPlatform().name("hv-cluster-", 0).daemon(true).factory());
    /**
     * A load invocations wait for: the version {@code pointer} names of a function, running on {@link #loaders}; done
     * when it is over, whatever it did (then gone from {@link #loads}).
     */
    private record Load(FunctionPointer pointer, CompletableFuture<Void> done) {
    }

    /** {@code ns/name} -> the load of that function invocations started and wait for; at most one per function. */
    private final Map<String, Load> loads = new ConcurrentHashMap<>();
    /**
     * Run the loads invocations need, so that the invocation's thread only waits, and only so long. Virtual threads:
     * a loader waits for the function's lock, then for the load on the registry's platform threads (guest code never
     * runs on it).
     */
    private final ExecutorService loaders = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("hv-load-", 0).factory());
    private volatile long seenCatalogRev = -1;
    private volatile long seenTenantsRev = -1;
    /** Set when a deploy or delete through this node could not reach Redis: the next sync reads the catalog. */
    private volatile boolean resync;
    private volatile boolean redisDown;
    private volatile ClusterAsync async;

    private ClusterLink(ClusterOptions options, ClusterStore store, TenantStore tenants, Namespaces namespaces,
                        Clock clock, String url, boolean eagerCompile, BooleanSupplier ready) {
        this.eagerCompile = eagerCompile;
        this.ready = ready;
        this.options = options;
        this.store = store;
        this.tenants = tenants;
        this.namespaces = namespaces;
        this.clock = clock;
        this.url = url;
    }

    /**
     * Joins: copies the catalog's functions (warming each up, under policy {@code before}, before this returns), then
     * sends heartbeats.
     *
     * @param ready whether the node is ready for traffic, as its heartbeats say (the gateway prefers ready nodes)
     */
    static ClusterLink join(ClusterOptions options, TenantStore tenants, Namespaces namespaces, Clock clock,
                            String url, Duration asyncRetention, boolean eagerCompile, BooleanSupplier ready) {
        ClusterStore store = ClusterStore.connect(URI.create(options.redis()), options.name(), clock);
        ClusterLink link = new ClusterLink(options, store, tenants, namespaces, clock, url, eagerCompile, ready);
        tenants.onChange(json -> {
            try {
                link.seenTenantsRev = store.tenants(json);
            } catch (ClusterException e) {
                LOG.log(Level.WARNING, "Keys changed on this node could not be shared: " + e.getMessage());
            }
        });
        try {
            if (!store.tenantsIfAbsent(tenants.toJson())) {
                link.syncTenants();
            }
            link.syncCatalog();
        } catch (ClusterException e) {
            LOG.log(Level.WARNING, "Redis unreachable at start; serving the local copy: " + e.getMessage());
            link.redisDown = true;
        }
        link.async = new ClusterAsync(store, namespaces, options, clock, asyncRetention,
                (registry, name) -> link.ensure(registry, name, -1, options.loadWait()));
        link.timers.scheduleWithFixedDelay(link::sync, SYNC_MS, SYNC_MS, TimeUnit.MILLISECONDS);
        link.timers.scheduleWithFixedDelay(link::heartbeat, 0, 1, TimeUnit.SECONDS);
        link.async.start();
        return link;
    }

    ClusterStore store() {
        return store;
    }

    ClusterAsync async() {
        return async;
    }

    String nodeId() {
        return options.nodeId();
    }

    private void sync() {
        try {
            syncTenants();
            syncCatalog();
            if (redisDown) {
                LOG.log(Level.INFO, "Redis is reachable again; in sync with the cluster");
                redisDown = false;
            }
        } catch (ClusterException e) {
            if (!redisDown) {
                LOG.log(Level.WARNING, "Redis unreachable; serving the local copy meanwhile: " + e.getMessage());
                redisDown = true;
            }
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "Cluster sync failed", e);
        }
    }

    private void syncTenants() {
        long rev = store.tenantsRevision();
        if (rev == seenTenantsRev) {
            return;
        }
        store.tenants().ifPresent(tenants::adopt);
        seenTenantsRev = rev;
        namespaces.follow();
        seenCatalogRev = -1; // new namespaces may have functions
    }

    private void syncCatalog() {
        long rev = store.catalogRevision();
        if (rev == seenCatalogRev && !resync) {
            return;
        }
        resync = false;
        boolean changed = false;
        for (Map.Entry<String, FunctionRegistry> ns : namespaces.all().entrySet()) {
            changed |= follow(ns.getKey(), ns.getValue(), store.functions(ns.getKey()));
        }
        seenCatalogRev = rev;
        if (changed) {
            heartbeat(); // tell the gateway now, not up to a second later
        }
    }

    private boolean follow(String ns, FunctionRegistry registry, Map<String, FunctionPointer> wanted) {
        boolean changed = false;
        for (Map.Entry<String, FunctionPointer> e : wanted.entrySet()) {
            Long have = applied.get(ns + "/" + e.getKey());
            if (have == null || have != e.getValue().version()) {
                changed |= apply(ns, registry, e.getKey(), e.getValue());
            }
        }
        for (String name : registry.names()) {
            if (!wanted.containsKey(name)) {
                changed |= drop(ns, registry, name);
            }
        }
        return changed;
    }

    /**
     * Runs version {@code p} of a function unless this node runs it already.
     *
     * @return whether anything changed on this node
     */
    private boolean apply(String ns, FunctionRegistry registry, String name, FunctionPointer p) {
        String key = ns + "/" + name;
        ReentrantLock lock = functionLocks.computeIfAbsent(key, k -> new ReentrantLock());
        lock.lock();
        try {
            Long have = applied.get(key);
            if (have != null && have >= p.version()) {
                if (have == p.version()) {
                    return false; // applied meanwhile, by an invocation or a deploy through this node
                }
                // This node runs a newer version than the pointer read: deployed through it after the pointer was
                // read, or Redis lost data and counts from lower versions again. The pointer in Redis now decides.
                FunctionPointer now = store.function(ns, name).orElse(null);
                if (now == null || now.version() == have) {
                    return false;
                }
                p = now;
            }
            String doc = store.code(ns, name, p.version()).orElse(null);
            if (doc == null) {
                return false; // replaced meanwhile: the next round sees the newer pointer
            }
            long t0 = System.nanoTime();
            try {
                DeployRequest request = DeployRequest.parse(name, Json.parse(doc.getBytes(StandardCharsets.UTF_8),
                        "a function definition"));
                // a copy (not durable): Redis holds it
                registry.deploy(request, false, engine(key, p.version()), warmUpHints(key, p.version(), request));
                LOG.log(Level.INFO, "Deployed '" + key + "' cluster version " + p.version() + " in "
                        + (System.nanoTime() - t0) / 1_000_000 + " ms");
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "Function '" + key + "' version " + p.version()
                        + " from the cluster does not load on this node: " + e.getMessage());
            }
            applied.put(key, p.version());
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** The engine to load cluster {@code version} of {@code key} on: eager if another node runs it hot. */
    private EngineChoice engine(String key, long version) {
        if (!eagerCompile) {
            return EagerPlacement.choose(false, List.of(), options.nodeId(), key, version);
        }
        try {
            return EagerPlacement.choose(true, store.nodes(), options.nodeId(), key, version);
        } catch (ClusterException e) {
            return EngineChoice.standard("the fleet's warmth could not be read: " + e.getMessage());
        }
    }

    /**
     * What the fleet knows that warms version {@code version} of {@code key} ({@code ns/name}) up: the best steady
     * state any live node reports for it (the replays' target), and its sampled events if it allows sampling.
     */
    private FunctionRegistry.WarmUpHints warmUpHints(String key, long version, DeployRequest request) {
        long target;
        try {
            target = NodeInfo.fleetBest(store.nodes(), key, version).orElse(0);
        } catch (ClusterException e) {
            target = 0;
        }
        if (!request.config().warmupSampling()) {
            return new FunctionRegistry.WarmUpHints(target, Optional.empty());
        }
        int slash = key.indexOf('/');
        return new FunctionRegistry.WarmUpHints(target, Optional.of(
                samples(key.substring(0, slash), key.substring(slash + 1))));
    }

    @Override
    public List<String> samples(String namespace, String name) {
        try {
            List<String> events = new ArrayList<>();
            store.samples(namespace, name).ifPresent(json -> Json.parse(json.getBytes(StandardCharsets.UTF_8),
                    "a sample of events").forEach(e -> events.add(e.toString())));
            return events;
        } catch (ClusterException | ApiException e) {
            LOG.log(Level.WARNING, "Cannot read the event sample of '" + namespace + "/" + name + "': "
                    + e.getMessage());
            return List.of();
        }
    }

    @Override
    public void storeSamples(String namespace, String name, List<String> events) {
        Long version = applied.get(namespace + "/" + name);
        if (version == null) {
            return; // deployed while Redis was unreachable: not the cluster's version
        }
        ArrayNode a = Json.MAPPER.createArrayNode();
        events.forEach(e -> a.add(Json.parse(e.getBytes(StandardCharsets.UTF_8), "a sampled event")));
        store.samples(namespace, name, version, a.toString());
    }

    @Override
    public void dropSamples(String namespace, String name) {
        store.dropSamples(namespace, name);
    }

    /** Sends a heartbeat now (e.g. the node just became ready), not up to a second later. */
    void heartbeatNow() {
        timers.execute(this::heartbeat);
    }

    /** Deletes a function the catalog no longer has, unless it was published after the catalog was read. */
    private boolean drop(String ns, FunctionRegistry registry, String name) {
        String key = ns + "/" + name;
        ReentrantLock lock = functionLocks.computeIfAbsent(key, k -> new ReentrantLock());
        lock.lock();
        try {
            if (store.function(ns, name).isPresent() || !registry.delete(name)) {
                return false;
            }
            applied.remove(key);
            LOG.log(Level.INFO, "Removed '" + key + "': deleted from the cluster");
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Before an invocation: makes sure this node runs the catalog's version of the function, loading it now if this
     * node does not have it yet (deployed through another node since the last poll) or has a version older than
     * {@code minVersion} (the version the gateway routed the invocation for; negative: any, and then a copy this
     * node has serves at once, even while a newer version loads). Costs nothing when this node is up to date; one
     * Redis read otherwise. When Redis is unreachable, the local copy serves.
     *
     * <p>Waits at most {@code wait} for the load (its own, started here, or one already running: the poll's, a
     * deploy's through this node, another invocation's), never for the function's lock itself.
     *
     * @return false if this node is still loading the version the invocation needs after {@code wait} (the load
     *         goes on): see {@link #stillLoading}; true otherwise (it runs that version, or nothing can be loaded:
     *         the function is not in the catalog, failed to load, or Redis is unreachable; the invocation then
     *         answers from what this node has, e.g. 404)
     */
    boolean ensure(FunctionRegistry registry, String name, long minVersion, Duration wait) {
        String ns = registry.namespace();
        String key = ns + "/" + name;
        if (runs(registry, name, minVersion)) {
            return true;
        }
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            FunctionPointer p;
            try {
                p = store.function(ns, name).orElse(null);
            } catch (ClusterException e) {
                LOG.log(Level.DEBUG, "Redis unreachable; '" + key + "' runs the local copy: " + e.getMessage());
                return true;
            }
            Long have = applied.get(key);
            if (p == null || have != null && have >= p.version()) {
                return true; // not in the catalog (any more), or applied: loaded, or failed to load and logged
            }
            Load load = loads.get(key);
            if (load == null) {
                Load mine = new Load(p, new CompletableFuture<>());
                load = loads.putIfAbsent(key, mine);
                if (load == null) {
                    load = mine;
                    try {
                        loaders.execute(() -> loadForInvocations(registry, name, mine));
                    } catch (RejectedExecutionException e) { // the node is stopping
                        loads.remove(key, mine);
                        mine.done().complete(null);
                    }
                }
            }
            try {
                load.done().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                return runs(registry, name, minVersion);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return runs(registry, name, minVersion);
            } catch (ExecutionException e) {
                throw new IllegalStateException("A load never completes exceptionally", e);
            }
            if (load.pointer().version() >= p.version() || runs(registry, name, minVersion)) {
                return true; // loaded, or did all it could (it logged why not)
            }
            // That load was of an older version (another invocation's): the newer one is next.
        }
    }

    /** Whether this node runs the function at {@code minVersion} or newer (negative: any version). */
    private boolean runs(FunctionRegistry registry, String name, long minVersion) {
        Long have = applied.get(registry.namespace() + "/" + name);
        return registry.get(name).isPresent() && (minVersion < 0 || have != null && have >= minVersion);
    }

    /** Runs {@code load} on this (loader) thread; its future completes when it is over, whatever happened. */
    private void loadForInvocations(FunctionRegistry registry, String name, Load load) {
        String key = registry.namespace() + "/" + name;
        long version = load.pointer().version();
        try {
            if (apply(registry.namespace(), registry, name, load.pointer())) {
                LOG.log(Level.INFO, "Loaded '" + key + "' version " + version + " for an invocation, before"
                        + " the next catalog poll");
                heartbeat();
            }
        } catch (ClusterException e) {
            LOG.log(Level.WARNING, "Could not load '" + key + "' version " + version + " for an invocation: "
                    + e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "Loading '" + key + "' version " + version + " for an invocation failed", e);
        } finally {
            loads.remove(key, load); // before done: who sees it done and looks again finds no stale load
            load.done().complete(null);
        }
    }

    /**
     * The answer to an invocation {@link #ensure} gave up waiting for: 503 {@code FunctionLoading}, with {@code
     * Retry-After}.
     */
    ApiException stillLoading(String name) {
        return new ApiException(503, "FunctionLoading", "Function '" + name + "' is not ready yet: its copy is"
                + " still loading on this node (with its warm-up replays) after a wait of "
                + options.loadWait().toMillis() + " ms (node option --load-wait); retry shortly", RETRY_AFTER);
    }

    /** The longest an invocation waits for this node to load its function ({@link ClusterOptions#loadWait()}). */
    Duration loadWait() {
        return options.loadWait();
    }

    /**
     * The function's lock, taken for a deploy or delete through this node ({@code change}: "deployed", "deleted"). A
     * load of the function holds it (the poll's, an invocation's, another deploy's: with its warm-up replays, up to
     * their 30 s budget, more on a loaded machine), so the request waits for it at
     * most {@link ClusterOptions#changeWait()}, as an invocation waits for a load, rather than leave its client with no
     * answer it can tell from a hung node's (and, if that client gives up, a change made after it stopped waiting).
     *
     * @throws ApiException 503 {@code FunctionLoading}, with {@code Retry-After}, when the wait is over: nothing was
     *                      changed
     */
    private ReentrantLock lockToChange(String name, String key, String change) {
        ReentrantLock lock = functionLocks.computeIfAbsent(key, k -> new ReentrantLock());
        try {
            if (lock.tryLock(options.changeWait().toNanos(), TimeUnit.NANOSECONDS)) {
                return lock;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "Cancelled", "Function '" + name + "' was not " + change
                    + ": the node is stopping");
        }
        throw new ApiException(503, "FunctionLoading", "Function '" + name + "' was not " + change + ": a load of it"
                + " is still in progress on this node (a version from the cluster or another deploy, with its warm-up"
                + " replays) after a wait of " + options.changeWait().toMillis() + " ms (node option --change-wait);"
                + " nothing was changed; retry shortly", RETRY_AFTER);
    }

    /**
     * Deploys through this node: locally first (which validates the code), then into the catalog. Waits for a load of
     * the function in progress at most {@link ClusterOptions#changeWait()} ({@link #lockToChange}).
     *
     * @throws ApiException 503 when Redis is unreachable: the function then runs on this node only, until the
     *                      cluster's catalog is reachable and overrides it; 503 {@code FunctionLoading} when a load of
     *                      the function outlasted the wait (nothing changed)
     */
    FunctionRegistry.Deployed deploy(FunctionRegistry registry, DeployRequest request, JsonNode body) {
        String name = request.config().name();
        String key = registry.namespace() + "/" + name;
        ReentrantLock lock = lockToChange(name, key, "deployed");
        FunctionRegistry.Deployed d;
        try {
            d = registry.deploy(request);
            applied.remove(key);
            try {
                applied.put(key, store.publish(registry.namespace(), name, body.toString(),
                        DeployRequest.idempotent(body)));
            } catch (ClusterException e) {
                resync = true;
                throw new ApiException(503, "ClusterUnavailable", "Function '" + name
                        + "' is deployed on this node only: " + e.getMessage());
            }
        } finally {
            lock.unlock();
        }
        heartbeat(); // the gateway routes a new version to the nodes that report it: this one, now
        return d;
    }

    /**
     * Deletes through this node, locally and from the catalog; false if neither had it. Waits for a load of the
     * function in progress at most {@link ClusterOptions#changeWait()} ({@link #lockToChange}), then 503 {@code
     * FunctionLoading}.
     */
    boolean delete(FunctionRegistry registry, String name) {
        String key = registry.namespace() + "/" + name;
        ReentrantLock lock = lockToChange(name, key, "deleted");
        boolean existed;
        try {
            boolean local = registry.delete(name);
            applied.remove(key);
            try {
                existed = store.remove(registry.namespace(), name) || local;
            } catch (ClusterException e) {
                resync = true;
                throw new ApiException(503, "ClusterUnavailable", "Function '" + name
                        + "' is deleted on this node only: " + e.getMessage());
            }
        } finally {
            lock.unlock();
        }
        heartbeat();
        return existed;
    }

    /**
     * Says what this node holds, how loaded it is and how warm each function runs on it; then reads the others' and
     * gives each function's tracker the fleet's best steady state of the cluster version this node runs.
     */
    private void heartbeat() {
        ClusterAsync a = async;
        if (a == null) {
            return; // still joining: the first heartbeat follows
        }
        int inflight = a.running();
        List<String> held = new ArrayList<>();
        Map<String, NodeInfo.Warmth> warmth = new HashMap<>();
        Map<String, FunctionRegistry> all = new HashMap<>(namespaces.all());
        for (Map.Entry<String, FunctionRegistry> e : all.entrySet()) {
            for (FunctionRegistry.Live l : e.getValue().all()) {
                FunctionDispatcher d = l.dispatcher();
                inflight += d.busySandboxes() + d.queueDepth();
                String key = e.getKey() + "/" + l.stored().name();
                Long v = applied.get(key);
                held.add(key + "@" + (v == null ? "local" : v));
                e.getValue().warmth().summary(l.stored().name()).filter(w -> w.version() == l.stored().version())
                        .ifPresent(w -> warmth.put(key, new NodeInfo.Warmth(w.state().id(), w.steadyStateNanos())));
            }
        }
        try {
            store.heartbeat(NodeInfo.heartbeat(options.nodeId(), url, clock.instant(), inflight, held, warmth,
                    ready.getAsBoolean()), HEARTBEAT_TTL);
            List<NodeInfo> nodes = store.nodes();
            for (Map.Entry<String, FunctionRegistry> e : all.entrySet()) {
                for (FunctionRegistry.Live l : e.getValue().all()) {
                    String key = e.getKey() + "/" + l.stored().name();
                    Long v = applied.get(key);
                    long best = v == null ? 0 : NodeInfo.fleetBest(nodes, key, v).orElse(0);
                    e.getValue().warmth().fleetBest(l.stored().name(), l.stored().version(), best);
                }
            }
        } catch (ClusterException e) {
            // logged by sync
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "Heartbeat failed", e);
        }
    }

    @Override
    public void close() {
        timers.shutdownNow();
        loaders.shutdownNow();
        async.close();
        try {
            store.leave(options.nodeId());
        } catch (ClusterException e) {
            LOG.log(Level.WARNING, "Could not leave the cluster cleanly: " + e.getMessage());
        }
        store.close();
    }
}
