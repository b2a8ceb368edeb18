package io.hotvisor.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * The cluster's front door: the nodes' v1 API on one address.
 *
 * <ul>
 *   <li>Keys are checked here against the hashes in Redis ({@link GatewayAuth}); the {@code Authorization} and
 *   {@code X-Hotvisor-Namespace} headers are passed on, so nodes check them again.</li>
 *   <li>Synchronous invocations go to a node chosen by {@link Placement} (by default warmth-aware: hot nodes
 *   first, load moved gradually onto a node that is not hot; {@link GatewayConfig#warmthRouting}). A node that
 *   refused the connection or did not accept it in time never saw the request: the next node is tried. A node that
 *   accepted it and then failed (reset, died) may have run it: that is retried only for a function deployed with
 *   {@code "idempotent": true}; otherwise the client gets 502 {@code NodeFailed}. A node that answers 503 {@code
 *   FunctionLoading} (its copy is still loading: the function did not run there) is passed over for the next node, for
 *   any function, up to {@value #MAX_LOADING_ANSWERS} such answers; if no node serves, the last one is relayed, with
 *   its {@code Retry-After}. Such a node is remembered ({@link LoadingNodes}): for its {@code Retry-After}, and
 *   until its heartbeat lists the function, the function's invocations try the other candidates first. Other 5xx
 *   answers are relayed: the function may have run.</li>
 *   <li>Async invocations are queued straight into Redis (the nodes take them from there), and
 *   {@code GET /v1/invocations/{id}} reads Redis: neither needs a node, nor this gateway to live on.</li>
 *   <li>{@code GET /v1/cluster} (admin keys) lists the nodes and the routing policy, {@code GET
 *   /v1/cluster/functions/{name}} where one function goes; everything else (deploy, list, namespaces, keys) goes to
 *   any live node, which writes it to Redis.</li>
 * </ul>
 *
 * <p>Members and the catalog's revision are re-read from Redis every 250 ms by a background thread, not on request
 * threads; a request reads Redis itself only right after a deploy (see {@link #holders}) and for a namespace's
 * catalog it has not read since the revision changed.
 */
public final class Gateway implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Gateway.class.getName());
    static final String NODE_HEADER = "X-Hotvisor-Node";
    /** To the node: the function's cluster version this gateway routes for (the node loads it first if behind). */
    static final String CATALOG_VERSION_HEADER = "X-Hotvisor-Catalog-Version";
    private static final List<String> PASSED_REQUEST_HEADERS = List.of("Authorization", "X-Hotvisor-Namespace",
            "Content-Type");
    private static final Duration SUSPECT_FOR = Duration.ofSeconds(2);
    /** The lines {@code GET /v1/functions/{name}/logs} answers with when it names no {@code limit}, as a node does. */
    private static final int DEFAULT_LOG_LINES = 100;
    private static final long REFRESH_MILLIS = 250;
    /**
     * The most nodes one invocation is sent to that answer 503 {@code FunctionLoading}: each made it wait its {@code
     * --load-wait} (10 s by default), so a fleet where every node is loading answers within about three of those, not
     * one per node.
     */
    static final int MAX_LOADING_ANSWERS = 3;

    private final GatewayConfig config;
    private final ClusterStore store;
    private final GatewayAuth auth;
    private final Placement placement;
    private final LoadingNodes loadingNodes = new LoadingNodes(System::nanoTime);
    private final HttpClient http;
    private final Map<String, Long> suspects = new ConcurrentHashMap<>();
    private final Map<String, Map<String, FunctionPointer>> catalog = new ConcurrentHashMap<>();
    private final AtomicInteger roundRobin = new AtomicInteger();
    private volatile List<NodeInfo> nodes = List.of();
    private volatile long nodesReadAt;
    private volatile long catalogRev = -1;
    /** Set after a deploy or delete went through this gateway: the next call re-reads the catalog. */
    private volatile boolean catalogStale;
    private final ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("hv-gateway-refresh").daemon(true).factory());
    private WebServer server;

    private Gateway(GatewayConfig config, ClusterStore store) {
        this.config = config;
        this.store = store;
        this.auth = new GatewayAuth(store, config.adminKey());
        this.placement = new Placement(System::currentTimeMillis, config.warmthRouting(), config.warmthRamp());
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(config.connectTimeout()).build();
    }

    /** Starts a gateway: connects to Redis and listens. */
    public static Gateway start(GatewayConfig config) {
        ClusterStore store = ClusterStore.connect(config.redis(), config.cluster(), Clock.systemUTC());
        Gateway g = new Gateway(config, store);
        g.refresh();
        g.refresher.scheduleWithFixedDelay(g::refresh, REFRESH_MILLIS, REFRESH_MILLIS, TimeUnit.MILLISECONDS);
        HttpRouting.Builder routing = HttpRouting.builder();
        g.routes(routing);
        g.server = WebServer.builder().host(config.host()).port(config.port()).maxPayloadSize(config.maxBodyBytes())
                .shutdownHook(false).routing(routing).build().start();
        LOG.log(Level.INFO, "Hotvisor gateway listening on http://" + config.host() + ":" + g.server.port()
                + " for cluster '" + config.cluster() + "' at " + config.redis());
        return g;
    }

    /** The port it listens on. */
    public int port() {
        return server.port();
    }

    private void routes(HttpRouting.Builder r) {
        Endpoints own = new Endpoints(r);
        own.get("/healthz", (req, res) -> json(res, 200, ClusterStore.JSON.createObjectNode().put("status", "ok")
                        .put("role", "gateway")))
                .get("/v1/cluster", (req, res) -> {
                    admin(req);
                    json(res, 200, clusterStatus());
                })
                .get("/v1/cluster/functions/{name}", (req, res) -> {
                    admin(req);
                    json(res, 200, functionPlacement(namespace(req), req.path().pathParameters().get("name")));
                })
                .post("/v1/functions/{name}/invoke", this::invoke)
                .get("/v1/functions/{name}/logs", this::logs)
                .get("/v1/invocations/{id}", this::invocation);
        r.any((req, res) -> unrouted(own, req, Endpoints.forMethod(req, res)))
                .error(GatewayException.class, (req, res, e) -> {
                    ServerResponse out = Endpoints.forMethod(req, res);
                    if (e.status() == 401) {
                        out.header(HeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"hotvisor\"");
                    }
                    error(out, e.status(), e.type(), e.getMessage());
                })
                .error(ClusterException.class, (req, res, e) -> error(Endpoints.forMethod(req, res), 503,
                        "ClusterUnavailable", e.getMessage()))
                .error(Exception.class, (req, res, e) -> {
                    LOG.log(Level.ERROR, "Request " + req.path().path() + " failed", e);
                    error(Endpoints.forMethod(req, res), 500, "InternalError",
                            "The gateway failed to handle the request; see its log");
                });
    }

    /**
     * A request none of the gateway's own routes took: on one of their paths with another method, 405 and the methods
     * it takes ({@code OPTIONS}: 204), once the key is checked; anything else goes to a node.
     */
    private void unrouted(Endpoints own, ServerRequest req, ServerResponse res) {
        if (own.allow(req.prologue().method(), req.path().path()).isEmpty()) {
            proxy(req, res);
            return;
        }
        caller(req);
        own.answerOtherMethod(req, res, req.path().path(), Gateway::error);
    }

    // ---- auth

    private GatewayAuth.Caller caller(ServerRequest req) {
        String h = req.headers().first(HeaderNames.AUTHORIZATION).map(String::strip).orElse("");
        if (h.isEmpty()) {
            throw new GatewayException(401, "Unauthorized", "This call needs an API key: send 'Authorization: Bearer <key>'");
        }
        if (h.length() < 7 || !h.regionMatches(true, 0, "Bearer ", 0, 7) || h.substring(7).isBlank()) {
            throw new GatewayException(401, "Unauthorized", "The Authorization header must be 'Bearer <key>'");
        }
        return auth.authenticate(h.substring(7).strip()).orElseThrow(() -> new GatewayException(401,
                "Unauthorized", "The API key is not valid (unknown or revoked)"));
    }

    private void admin(ServerRequest req) {
        GatewayAuth.Caller c = caller(req);
        if (!c.admin()) {
            throw new GatewayException(403, "Forbidden", "This call needs an admin key; key '" + c.keyId()
                    + "' belongs to namespace '" + c.namespace() + "'");
        }
    }

    /** The namespace a function call acts on (the node's rules: see the README's keys and namespaces). */
    private String namespace(ServerRequest req) {
        GatewayAuth.Caller c = caller(req);
        Optional<String> asked = req.headers().first(HeaderNames.create("X-Hotvisor-Namespace")).map(String::strip);
        if (asked.isPresent() && !asked.get().matches("[A-Za-z0-9][A-Za-z0-9_-]{0,63}")) {
            throw new GatewayException(400, "BadRequest", "Invalid namespace name '" + asked.get() + "'");
        }
        if (!c.admin()) {
            if (asked.isPresent() && !asked.get().equals(c.namespace())) {
                throw new GatewayException(403, "Forbidden", "Key '" + c.keyId() + "' belongs to namespace '"
                        + c.namespace() + "'; it cannot act on namespace '" + asked.get() + "'");
            }
            return c.namespace();
        }
        String ns = asked.orElse("default");
        if (!auth.namespaceExists(ns)) {
            throw new GatewayException(404, "NotFound", "Namespace '" + ns + "' not found");
        }
        return ns;
    }

    // ---- invocations

    private void invoke(ServerRequest req, ServerResponse res) {
        String ns = namespace(req);
        String name = req.path().pathParameters().get("name");
        String mode = req.query().contains("mode") ? req.query().get("mode") : "sync";
        byte[] body = body(req);
        if ("async".equals(mode)) {
            if (!functions(ns, true).containsKey(name)) {
                throw new GatewayException(404, "NotFound", "Function '" + name + "' not found; functions: "
                        + functions(ns, false).keySet());
            }
            String event = body.length == 0 ? "{}" : new String(body, StandardCharsets.UTF_8);
            try {
                ClusterStore.JSON.readTree(event);
            } catch (IOException e) {
                throw new GatewayException(400, "BadRequest", "The event is not valid JSON: " + e.getMessage());
            }
            String id = UUID.randomUUID().toString();
            store.submit(new AsyncTask("", id, ns, name, event, store.now()), config.asyncRetention());
            res.header("X-Hotvisor-Invocation-Id", id);
            json(res, 202, ClusterStore.JSON.createObjectNode().put("id", id).put("status", "queued"));
            return;
        }
        if (!"sync".equals(mode)) {
            throw new GatewayException(400, "BadRequest", "Query parameter 'mode' must be 'sync' or 'async'; got '"
                    + mode + "'");
        }
        FunctionPointer p = functions(ns, false).get(name);
        boolean idempotent = p != null && p.idempotent();
        String fn = ns + "/" + name;
        long version = p == null ? -1 : p.version();
        List<NodeInfo> placed = placement.order(fn, version, holders(fn, version));
        if (placed.isEmpty()) {
            throw new GatewayException(503, "NoNodes", "No live node in cluster '" + config.cluster() + "'");
        }
        try (LoadingNodes.Route route = loadingNodes.order(fn, placed)) {
            invoke(req, res, route.nodes(), body, fn, version, idempotent);
        }
    }

    /** Sends a sync invocation to the first of {@code order} that takes it (see the class comment). */
    private void invoke(ServerRequest req, ServerResponse res, List<NodeInfo> order, byte[] body, String fn,
                        long version, boolean idempotent) {
        String name = req.path().pathParameters().get("name");
        GatewayException last = null;
        HttpResponse<byte[]> loading = null; // the last FunctionLoading answer, relayed if no node serves
        NodeInfo loadingNode = null;
        int loadingAnswers = 0;
        for (NodeInfo n : order) {
            if (loadingAnswers == MAX_LOADING_ANSWERS) {
                break;
            }
            placement.started(fn, n.id());
            boolean served = false;
            try {
                HttpResponse<byte[]> r = forward(n, req, body, version);
                served = r.statusCode() / 100 == 2;
                if (functionLoading(r.statusCode(), r.body())) {
                    // The node waited its --load-wait for its copy and gave up: the function did not run there.
                    loading = r;
                    loadingNode = n;
                    loadingAnswers++;
                    loadingNodes.loading(fn, version, n.id(), r.headers().firstValue("Retry-After"));
                    LOG.log(Level.DEBUG, "Node '" + n.id() + "' is still loading '" + fn + "'; trying the next node");
                    continue;
                }
                loadingNodes.served(fn, n.id()); // past its load there, whatever the function answered
                relay(r, n, res);
                return;
            } catch (HttpConnectTimeoutException | ConnectException e) {
                suspect(n, e);
                last = new GatewayException(503, "NoNodes", "No node took the request; last: " + n.id() + ": " + e);
            } catch (IOException e) {
                if (!idempotent) {
                    suspect(n, e);
                    throw new GatewayException(502, "NodeFailed", "Node '" + n.id() + "' failed after it accepted"
                            + " the invocation (" + e + "); not retried: it may have run, and function '" + name
                            + "' is not marked idempotent");
                }
                suspect(n, e);
                last = new GatewayException(502, "NodeFailed", "Node '" + n.id() + "' failed: " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new GatewayException(503, "Cancelled", "The gateway is stopping");
            } finally {
                placement.finished(fn, n.id(), served);
            }
        }
        if (loading != null) {
            relay(loading, loadingNode, res); // with its Retry-After
            return;
        }
        throw last;
    }

    /**
     * Whether a node answered 503 {@code FunctionLoading}: it waited its {@code --load-wait} for its copy of the
     * function to load and gave up before running it, so another node may take the invocation, idempotent or not.
     * Any other 5xx may come after the function ran, and is relayed.
     */
    static boolean functionLoading(int status, byte[] body) {
        if (status != 503) {
            return false;
        }
        try {
            return "FunctionLoading".equals(ClusterStore.JSON.readTree(body).path("error").path("type").asText());
        } catch (IOException e) {
            return false; // not the nodes' error shape
        }
    }

    private void invocation(ServerRequest req, ServerResponse res) {
        String ns = namespace(req);
        String id = req.path().pathParameters().get("id");
        JsonNode n = store.invocation(id).filter(j -> j.path("namespace").asText().equals(ns))
                .orElseThrow(() -> new GatewayException(404, "NotFound", "Invocation '" + id
                        + "' not found (unknown, or its result expired)"));
        ((ObjectNode) n).remove("namespace");
        json(res, 200, n);
    }

    // ---- control plane: any live node

    private void proxy(ServerRequest req, ServerResponse res) {
        caller(req);
        byte[] body = body(req);
        List<NodeInfo> live = liveNodes();
        if (live.isEmpty()) {
            live = freshLiveNodes(); // a gateway started a moment ago may not have seen the nodes' first heartbeats
        }
        if (live.isEmpty()) {
            throw new GatewayException(503, "NoNodes", "No live node in cluster '" + config.cluster() + "'");
        }
        int start = Math.floorMod(roundRobin.getAndIncrement(), live.size());
        for (int i = 0; i < live.size(); i++) {
            NodeInfo n = live.get((start + i) % live.size());
            try {
                relay(forward(n, req, body, -1), n, res);
                catalogStale = true; // a deploy or delete: re-read the catalog
                return;
            } catch (HttpConnectTimeoutException | ConnectException e) {
                suspect(n, e);
            } catch (IOException e) {
                suspect(n, e);
                throw new GatewayException(502, "NodeFailed", "Node '" + n.id() + "' failed after it accepted the"
                        + " request (" + e + "); not retried");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new GatewayException(503, "Cancelled", "The gateway is stopping");
            }
        }
        throw new GatewayException(503, "NoNodes", "No live node of cluster '" + config.cluster() + "' answered");
    }

    private HttpResponse<byte[]> forward(NodeInfo n, ServerRequest req, byte[] body, long catalogVersion)
            throws IOException, InterruptedException {
        return forward(n, req, req.prologue().method().text(), body, catalogVersion);
    }

    /** As the request came, with {@code method}. */
    private HttpResponse<byte[]> forward(NodeInfo n, ServerRequest req, String method, byte[] body,
                                         long catalogVersion) throws IOException, InterruptedException {
        String query = req.query().rawValue();
        URI uri = URI.create(n.url() + req.path().rawPath() + (query.isEmpty() ? "" : "?" + query));
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(config.requestTimeout())
                .method(method, body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        for (String h : PASSED_REQUEST_HEADERS) {
            req.headers().first(HeaderNames.create(h)).ifPresent(v -> b.header(h, v));
        }
        if (catalogVersion >= 0) {
            b.header(CATALOG_VERSION_HEADER, Long.toString(catalogVersion));
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static void relay(HttpResponse<byte[]> r, NodeInfo n, ServerResponse res) {
        r.headers().map().forEach((k, vs) -> {
            String lk = k.toLowerCase(java.util.Locale.ROOT);
            if (lk.startsWith("x-hotvisor-") || lk.equals("content-type") || lk.equals("www-authenticate")
                    || lk.equals("retry-after") // e.g. a node's 503 FunctionLoading
                    || lk.equals("allow")) { // a node's 405
                vs.forEach(v -> res.header(k, v));
            }
        });
        res.header(NODE_HEADER, n.id());
        if (Method.HEAD.text().equals(r.request().method())) { // no body came: the node's length is the answer's
            r.headers().firstValue("content-length").ifPresent(v -> res.header(HeaderNames.CONTENT_LENGTH, v));
            res.status(r.statusCode()).send();
            return;
        }
        res.status(r.statusCode()).send(r.body());
    }

    /**
     * {@code GET /v1/functions/{name}/logs} through the gateway: what each live node kept of the function's output
     * (the node's answer, see the node's API), merged by time, each line with the {@code node} that kept it, the newest
     * {@code limit} (as a node counts it); {@code dropped} summed. A node that does not hold the function has no
     * lines (its 404 is the answer only if every node says so); one that cannot be reached is named in
     * {@code unreachable}; a node's refusal (a bad {@code limit}, a key it does not accept) is the answer.
     */
    private void logs(ServerRequest req, ServerResponse res) {
        namespace(req); // checks the key here first; each node checks it again
        List<NodeInfo> alive = aliveNodes(); // a node still warming up may have served calls sent to it
        if (alive.isEmpty()) {
            throw new GatewayException(503, "NoNodes", "No live node in cluster '" + config.cluster() + "'");
        }
        List<ObjectNode> lines = new ArrayList<>();
        ArrayNode unreachable = ClusterStore.JSON.createArrayNode();
        long dropped = 0;
        boolean held = false;
        HttpResponse<byte[]> notFound = null;
        NodeInfo notFoundBy = null;
        for (NodeInfo n : alive) {
            HttpResponse<byte[]> r;
            try {
                r = forward(n, req, Method.GET.text(), new byte[0], -1);
            } catch (IOException e) {
                unreachable.add(n.id());
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new GatewayException(503, "Cancelled", "The gateway is stopping");
            }
            if (r.statusCode() == 404) {
                notFound = r;
                notFoundBy = n;
                continue;
            }
            if (r.statusCode() != 200) {
                relay(r, n, res);
                return;
            }
            held = true;
            JsonNode body;
            try {
                body = ClusterStore.JSON.readTree(r.body());
            } catch (IOException e) {
                unreachable.add(n.id());
                continue;
            }
            dropped += body.path("dropped").asLong();
            for (JsonNode l : body.path("lines")) {
                lines.add(((ObjectNode) l.deepCopy()).put("node", n.id()));
            }
        }
        if (!held && notFound != null) {
            relay(notFound, notFoundBy, res);
            return;
        }
        if (!held) {
            throw new GatewayException(503, "NoNodes", "No live node of cluster '" + config.cluster() + "' answered");
        }
        lines.sort(java.util.Comparator.comparing(l -> java.time.Instant.parse(l.path("time").asText())));
        int limit = req.query().contains("limit") ? Integer.parseInt(req.query().get("limit").strip())
                : DEFAULT_LOG_LINES;
        ObjectNode root = ClusterStore.JSON.createObjectNode().put("function", req.path().pathParameters().get("name"));
        root.putArray("lines").addAll(lines.subList(Math.max(0, lines.size() - limit), lines.size()));
        root.put("dropped", dropped).set("unreachable", unreachable);
        json(res, 200, root);
    }

    private void suspect(NodeInfo n, Exception e) {
        suspects.put(n.id(), System.nanoTime() + SUSPECT_FOR.toNanos());
        LOG.log(Level.WARNING, "Node '" + n.id() + "' (" + n.url() + ") failed: " + e);
    }

    /**
     * Re-reads the members and the catalog's revision (a changed revision drops the cached catalogs), on the
     * background thread every {@value #REFRESH_MILLIS} ms. Redis down: routing goes on with what was read last.
     */
    private void refresh() {
        try {
            readNodes();
            long rev = store.catalogRevision();
            if (rev != catalogRev) {
                catalog.clear();
                catalogRev = rev;
            }
        } catch (ClusterException e) {
            LOG.log(Level.DEBUG, "Cannot refresh the cluster's members: " + e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "Refreshing the cluster's members failed", e); // keep the schedule alive
        }
    }

    private void readNodes() {
        long now = System.nanoTime();
        List<NodeInfo> read = store.nodes();
        loadingNodes.members(read); // first: a node listed holding a function it was loading is forgotten loading
        nodes = read;
        nodesReadAt = now;
    }

    /**
     * Live nodes (heartbeat current, not suspected in the last 2 s), as last read (see {@link #refresh}); of those,
     * only the ones ready for traffic (not still warming up after a start), unless none is.
     */
    List<NodeInfo> liveNodes() {
        return readyFirst(aliveNodes());
    }

    /** Nodes with a current heartbeat, not suspected in the last 2 s, ready for traffic or not. */
    private List<NodeInfo> aliveNodes() {
        long now = System.nanoTime();
        return nodes.stream().filter(NodeInfo::alive).filter(n -> suspects.getOrDefault(n.id(), 0L) < now).toList();
    }

    /** {@link #liveNodes()}, re-read from Redis on this thread first if the last read is older than 50 ms. */
    private List<NodeInfo> freshLiveNodes() {
        if (System.nanoTime() - nodesReadAt > 50_000_000L) {
            try {
                readNodes();
            } catch (ClusterException e) {
                // Redis down: route with the last known members
            }
        }
        return liveNodes();
    }

    /** The ready ones of {@code live}; all of them when none is ready (a whole fleet restarting still serves). */
    static List<NodeInfo> readyFirst(List<NodeInfo> live) {
        List<NodeInfo> ready = live.stream().filter(NodeInfo::ready).toList();
        return ready.isEmpty() ? live : ready;
    }

    /**
     * Live nodes that hold the function's current version; else those holding any version; else every live node.
     * Whichever node gets the invocation loads the current version first if it does not hold it (the
     * {@value #CATALOG_VERSION_HEADER} header), so the preference only spares the client a node's load time. Just
     * after a deploy no heartbeat may list the new version yet: the members are then re-read every 50 ms (not 250),
     * so the invocations move to the nodes that have loaded it soon after they report it. So are they when no node
     * is live as last read (a gateway started a moment ago: its first read can precede the nodes' first heartbeats).
     */
    private List<NodeInfo> holders(String fn, long version) {
        List<NodeInfo> live = liveNodes();
        List<NodeInfo> current = live.stream().filter(n -> n.holds(fn, version)).toList();
        if (current.isEmpty() && (version >= 0 || live.isEmpty())) {
            live = freshLiveNodes();
            current = live.stream().filter(n -> n.holds(fn, version)).toList();
        }
        if (!current.isEmpty()) {
            return current;
        }
        List<NodeInfo> any = live.stream().filter(n -> n.holds(fn, -1)).toList();
        return any.isEmpty() ? live : any;
    }

    private Map<String, FunctionPointer> functions(String ns, boolean fresh) {
        if (fresh || catalogStale) {
            try {
                catalogStale = false;
                long rev = store.catalogRevision();
                if (rev != catalogRev) {
                    catalog.clear();
                    catalogRev = rev;
                }
            } catch (ClusterException e) {
                if (fresh) {
                    throw e;
                }
            }
        }
        try {
            return catalog.computeIfAbsent(ns, store::functions);
        } catch (ClusterException e) {
            if (fresh) {
                throw e;
            }
            return Map.of(); // Redis down: route anyway, treating the function as not idempotent
        }
    }

    /**
     * Where invocations of one function go: its cluster version, the live nodes in its hash order (its home first),
     * those holding its current version, (warmth routing) each node's weight, and the nodes remembered loading it.
     * Answers for a name the catalog does not know too (404 would hide where it would go).
     */
    private ObjectNode functionPlacement(String ns, String name) {
        String fn = ns + "/" + name;
        FunctionPointer p = functions(ns, true).get(name);
        long version = p == null ? -1 : p.version();
        ObjectNode root = ClusterStore.JSON.createObjectNode().put("function", fn).put("deployed", p != null);
        if (p != null) {
            root.put("version", version);
        }
        List<NodeInfo> live = liveNodes();
        ArrayNode order = root.putArray("hashOrder");
        Placement.hashOrder(fn, live).forEach(n -> order.add(n.id()));
        ArrayNode holding = root.putArray("holders");
        live.stream().filter(n -> n.holds(fn, version)).forEach(n -> holding.add(n.id()));
        root.put("policy", placement.policy());
        ObjectNode weights = root.putObject("weights");
        placement.weights().getOrDefault(fn, Map.of()).forEach(weights::put);
        ObjectNode loading = root.putObject("loading");
        loadingNodes.of(fn).forEach((node, m) -> loading.putObject(node).put("version", m.version())
                .put("heldForMs", m.heldForMs()).put("probing", m.probing()));
        return root;
    }

    private ObjectNode clusterStatus() {
        ObjectNode root = ClusterStore.JSON.createObjectNode().put("cluster", config.cluster());
        ArrayNode arr = root.putArray("nodes");
        List<NodeInfo> all = store.nodes();
        for (NodeInfo n : all) {
            ObjectNode o = arr.addObject().put("id", n.id()).put("url", n.url())
                    .put("state", n.alive() ? "alive" : "dead").put("ready", n.ready())
                    .put("seenAt", n.seenAt().toString()).put("load", n.inflight());
            ArrayNode fs = o.putArray("functions");
            n.functions().forEach(fs::add);
            ObjectNode warmth = o.putObject("warmth");
            n.warmth().forEach((f, w) -> {
                ObjectNode fw = warmth.putObject(f).put("state", w.state());
                if (w.steadyStateNanos() > 0) {
                    fw.put("steadyStateUs", w.steadyStateNanos() / 1000.0);
                }
            });
        }
        root.set("warmth", fleetWarmth(all));
        ObjectNode routing = root.putObject("routing").put("policy", placement.policy());
        if (config.warmthRouting()) {
            routing.put("rampInvocations", placement.rampInvocations());
            ObjectNode weights = routing.putObject("weights");
            placement.weights().forEach((fn, byNode) -> {
                ObjectNode o = weights.putObject(fn);
                byNode.forEach(o::put);
            });
        }
        root.put("asyncQueued", store.queued());
        return root;
    }

    /**
     * Per function version held by a live node ({@code namespace/name@version}): the fleet's best steady state (the
     * minimum over live nodes, what each node judges its own warmth against) and which live nodes are hot, warming
     * or cold with it.
     */
    private static ObjectNode fleetWarmth(List<NodeInfo> nodes) {
        Map<String, ObjectNode> byFunction = new TreeMap<>();
        for (NodeInfo n : nodes) {
            if (!n.alive()) {
                continue;
            }
            for (String held : n.functions()) {
                int at = held.lastIndexOf('@');
                String fn = held.substring(0, at);
                ObjectNode o = byFunction.computeIfAbsent(held, h -> {
                    ObjectNode f = ClusterStore.JSON.createObjectNode();
                    try {
                        NodeInfo.fleetBest(nodes, fn, Long.parseLong(held.substring(at + 1)))
                                .ifPresent(best -> f.put("bestSteadyStateUs", best / 1000.0));
                    } catch (NumberFormatException e) {
                        // "local": deployed while Redis was unreachable, no version to compare across nodes
                    }
                    f.putArray("hot");
                    f.putArray("warming");
                    f.putArray("cold");
                    return f;
                });
                NodeInfo.Warmth w = n.warmth().get(fn);
                if (w != null && o.get(w.state()) instanceof ArrayNode a) {
                    a.add(n.id());
                }
            }
        }
        ObjectNode root = ClusterStore.JSON.createObjectNode();
        byFunction.forEach(root::set);
        return root;
    }

    private static byte[] body(ServerRequest req) {
        try {
            return req.content().inputStream().readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void json(ServerResponse res, int status, JsonNode body) {
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.status(status).send(body.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static void error(ServerResponse res, int status, String type, String message) {
        ObjectNode root = ClusterStore.JSON.createObjectNode();
        root.putObject("error").put("type", type).put("message", message);
        json(res, status, root);
    }

    @Override
    public void close() {
        server.stop();
        refresher.shutdownNow();
        store.close();
    }
}
