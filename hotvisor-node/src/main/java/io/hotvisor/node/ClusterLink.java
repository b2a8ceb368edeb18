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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import com.fasterxml.jackson.databind.JsonNode;

import io.hotvisor.cluster.ClusterException;
import io.hotvisor.cluster.ClusterStore;
import io.hotvisor.cluster.FunctionPointer;
import io.hotvisor.cluster.NodeInfo;
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
 */
final class ClusterLink implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ClusterLink.class.getName());
    static final long SYNC_MS = 200;
    static final Duration HEARTBEAT_TTL = Duration.ofSeconds(5);

    private final ClusterOptions options;
    private final ClusterStore store;
    private final TenantStore tenants;
    private final Namespaces namespaces;
    private final Clock clock;
    private final String url;
    /** Serializes local deploys/deletes with the catalog sync, so the sync never undoes a deploy being published. */
    private final ReentrantLock catalogLock = new ReentrantLock();
    /** {@code ns/name} -> the cluster version this node runs. */
    private final Map<String, Long> applied = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timers = Executors.newScheduledThreadPool(2,
            Thread.ofPlatform().name("hv-cluster-", 0).daemon(true).factory());
    private volatile long seenCatalogRev = -1;
    private volatile long seenTenantsRev = -1;
    private volatile boolean redisDown;
    private ClusterAsync async;

    private ClusterLink(ClusterOptions options, ClusterStore store, TenantStore tenants, Namespaces namespaces,
                        Clock clock, String url) {
        this.options = options;
        this.store = store;
        this.tenants = tenants;
        this.namespaces = namespaces;
        this.clock = clock;
        this.url = url;
    }

    static ClusterLink join(ClusterOptions options, TenantStore tenants, Namespaces namespaces, Clock clock,
                            String url, Duration asyncRetention) {
        ClusterStore store = ClusterStore.connect(URI.create(options.redis()), options.name(), clock);
        ClusterLink link = new ClusterLink(options, store, tenants, namespaces, clock, url);
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
        link.async = new ClusterAsync(store, namespaces, options, clock, asyncRetention);
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
        if (rev == seenCatalogRev) {
            return;
        }
        catalogLock.lock();
        try {
            for (Map.Entry<String, FunctionRegistry> ns : namespaces.all().entrySet()) {
                follow(ns.getKey(), ns.getValue(), store.functions(ns.getKey()));
            }
            seenCatalogRev = rev;
        } finally {
            catalogLock.unlock();
        }
    }

    private void follow(String ns, FunctionRegistry registry, Map<String, FunctionPointer> wanted) {
        boolean[] changed = {false};
        wanted.forEach((name, p) -> {
            Long have = applied.get(ns + "/" + name);
            if (have != null && have == p.version()) {
                return;
            }
            String doc = store.code(ns, name, p.version()).orElse(null);
            if (doc == null) {
                return; // replaced meanwhile: the next round sees the newer pointer
            }
            try {
                registry.deploy(DeployRequest.parse(name, Json.parse(doc.getBytes(StandardCharsets.UTF_8),
                        "a function definition")));
                LOG.log(Level.INFO, "Deployed '" + ns + "/" + name + "' cluster version " + p.version());
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "Function '" + ns + "/" + name + "' version " + p.version()
                        + " from the cluster does not load on this node: " + e.getMessage());
            }
            applied.put(ns + "/" + name, p.version());
            changed[0] = true;
        });
        for (String name : registry.names()) {
            if (!wanted.containsKey(name)) {
                registry.delete(name);
                applied.remove(ns + "/" + name);
                LOG.log(Level.INFO, "Removed '" + ns + "/" + name + "': deleted from the cluster");
                changed[0] = true;
            }
        }
        if (changed[0] && async != null) {
            heartbeat(); // tell the gateway now, not up to a second later
        }
    }

    /**
     * Deploys through this node: locally first (which validates the code), then into the catalog.
     *
     * @throws ApiException 503 when Redis is unreachable: the function then runs on this node only, until the
     *                      cluster's catalog is reachable and overrides it
     */
    FunctionRegistry.Deployed deploy(FunctionRegistry registry, DeployRequest request, JsonNode body) {
        catalogLock.lock();
        try {
            FunctionRegistry.Deployed d = registry.deploy(request);
            String key = registry.namespace() + "/" + request.config().name();
            applied.remove(key);
            try {
                long v = store.publish(registry.namespace(), request.config().name(), body.toString(),
                        DeployRequest.idempotent(body));
                applied.put(key, v);
            } catch (ClusterException e) {
                seenCatalogRev = -1;
                throw new ApiException(503, "ClusterUnavailable", "Function '" + request.config().name()
                        + "' is deployed on this node only: " + e.getMessage());
            }
            return d;
        } finally {
            catalogLock.unlock();
        }
    }

    /** Deletes through this node, locally and from the catalog; false if neither had it. */
    boolean delete(FunctionRegistry registry, String name) {
        catalogLock.lock();
        try {
            boolean local = registry.delete(name);
            applied.remove(registry.namespace() + "/" + name);
            try {
                return store.remove(registry.namespace(), name) || local;
            } catch (ClusterException e) {
                seenCatalogRev = -1;
                throw new ApiException(503, "ClusterUnavailable", "Function '" + name
                        + "' is deleted on this node only: " + e.getMessage());
            }
        } finally {
            catalogLock.unlock();
        }
    }

    /**
     * Says what this node holds, how loaded it is and how warm each function runs on it; then reads the others' and
     * gives each function's tracker the fleet's best steady state of the cluster version this node runs.
     */
    private void heartbeat() {
        int inflight = async.running();
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
            store.heartbeat(NodeInfo.heartbeat(options.nodeId(), url, clock.instant(), inflight, held, warmth),
                    HEARTBEAT_TTL);
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
        async.close();
        try {
            store.leave(options.nodeId());
        } catch (ClusterException e) {
            LOG.log(Level.WARNING, "Could not leave the cluster cleanly: " + e.getMessage());
        }
        store.close();
    }
}
