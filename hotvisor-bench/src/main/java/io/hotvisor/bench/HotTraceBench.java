package io.hotvisor.bench;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Issue 6's trace replay: a window of the Azure Functions 2019 trace (read and scheduled as {@link TraceBench} does,
 * {@link AzureTrace}, {@link TraceSchedule}) sent through a gateway to a cluster whose nodes join and leave on a
 * schedule ({@link #MEMBERSHIP}), once with the hot-start mechanisms on and once with them off; the result is the
 * fraction of invocations the nodes executed while not hot, by their own warmth classification.
 *
 * <p>Each replayed trace function (the busiest of the window) is played by one bench function, in turn word count and
 * JSON transform in JavaScript, Python and Java ({@link HotStartBench#deployBody}), deployed under the trace
 * function's name with {@code "idempotent": true} (so the gateway retries a call a leaving node dropped). Per side:
 * Redis, nodes 1 and 2 and a gateway start with the side's options ("on": the {@code all} configuration of
 * {@link HotStartMechanism}, "off": every mechanism off, the gateway hashing); the functions are deployed and made hot
 * on nodes 1 and 2 (the fleet knows them: at most {@code warm-max} invocations each, fewer once the node answered
 * {@link #HOT_RUN} in a row hot after at least {@link #WARM_MIN}), then served mixed in rounds ({@link #warmMixed}),
 * not counted, and the machine left to calm down; then the replay, with node 3 joining,
 * node 1 leaving and node 4 joining at fixed fractions of the window. Counted: each node's
 * {@code warmth.invocations} ({@code GET /v1/functions/{name}}) hot and warming since the replay started, read
 * before a node leaves and at the end, cross-checked against its {@code /metrics}
 * {@code hotvisor_invocations_by_warmth_total} and against the answers the clients got from it
 * ({@code X-Hotvisor-Node}).
 *
 * <p>Run: {@code bench/hot-trace.sh [--quick] [options]} ({@link HotTraceOptions#USAGE}). Writes, with MODE quick or
 * full, {@code hot-trace-MODE.{json,csv}} (one row per side), {@code hot-trace-MODE-nodes.{json,csv}} (per side, node
 * and function), {@code hot-trace-MODE-calls.{json,csv}} (every call), {@code hot-trace-MODE-cores.{json,csv,png}}
 * (per side, who used the cores in each second of the replay, {@link #sampleCores}, and how slow each CPU ran a fixed
 * unit of work then, {@link HostSpeedSampler}: its threads' CPU time counts as the bench's),
 * {@code hot-trace-MODE.png} and {@code README-hot-trace-MODE.md} ({@code notes-hot-trace.md} appended if present).
 */
public final class HotTraceBench {
    /**
     * Who is in the cluster when: the replay starts with {@link #STARTING}; then these, at a fraction of the window.
     * Early, because a joining node takes minutes on the loaded 2-core machine to start and load (and replay) the six
     * functions before it serves them.
     */
    static final List<Event> MEMBERSHIP = List.of(new Event(0.1, true, "node-3"), new Event(0.35, false, "node-1"),
            new Event(0.45, true, "node-4"));
    static final List<String> STARTING = List.of("node-1", "node-2");
    /**
     * The nodes whose CPU time the replay samples ({@link #sampleCores}): node 2 first, the one node in the cluster
     * through the whole replay (the first party's JIT compiler and GC threads are told apart).
     */
    static final List<String> SAMPLED_NODES = List.of("node-2", "node-1", "node-3", "node-4");
    /** Before the replay a starting node warms each function until this many invocations in a row were hot. */
    static final int HOT_RUN = 10;
    /**
     * ... and at least this many (or {@code warm-max} if lower). A node alone judges a function hot against its own
     * steady state once its latency stops falling, also on a plateau before the last compilations: on 2026-11-25
     * node 2 called the JavaScript JSON transform hot after 14 calls at 20-25 ms (3.3 ms once compiled), kept that as
     * its steady state through the replay (its few calls there could not move the median of 32) and, the fleet's
     * best in the "off" side, node 4's calls at 4-10x were judged against it and counted hot.
     */
    static final int WARM_MIN = 150;
    /** Then the functions mixed ({@link #warmMixed}): at least this many rounds (or {@code warm-max} if lower). */
    static final int MIX_MIN = 30;
    /**
     * ... each function called this many times at once in a round: the trace's bursts run a function in several
     * sandboxes at once on a node, and a node that served it long has made them (the 2026-11-26 11:41 run: node 2's
     * JavaScript word count, hot through the mixed rounds one call at a time, compiled again and answered warming for
     * 4 s after the replay's first burst of 5 calls in a second).
     */
    static final int MIX_CONCURRENCY = 3;
    /**
     * The bench functions that play the trace functions, busiest first, in turn: kind and language. Python last: its
     * calls cost the most CPU (GraalPy), and in minutes 781-786 the three busiest functions have 87 % of the calls.
     */
    static final List<String[]> PLAYERS = List.of(new String[] {"word-count", "js"},
            new String[] {"json-transform", "java"}, new String[] {"word-count", "java"},
            new String[] {"json-transform", "js"}, new String[] {"word-count", "python"},
            new String[] {"json-transform", "python"});

    private HotTraceBench() {
    }

    /** A node joins ({@code join}) or leaves at {@code fraction} of the replayed window. */
    record Event(double fraction, boolean join, String node) {
    }

    /** One trace function as deployed: its name, the bench function playing it. */
    record Player(String name, String kind, String language, long traceCalls) {
    }

    /**
     * One call as the client saw it; {@code node} from X-Hotvisor-Node, {@code warmth} the state the serving node
     * counted it in (X-Hotvisor-Warmth, empty without), {@code cpuUs} the CPU time it judged that on
     * (X-Hotvisor-Cpu-Us, -1 without), status -1 when no answer came.
     */
    record Call(String side, Player player, long plannedMs, long sentMs, long wallUs, int status, String node,
                String warmth, boolean correct, long cpuUs) {
        /** A call whose answer said no CPU time. */
        Call(String side, Player player, long plannedMs, long sentMs, long wallUs, int status, String node,
             String warmth, boolean correct) {
            this(side, player, plannedMs, sentMs, wallUs, status, node, warmth, correct, -1);
        }
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("java.awt.headless", "true");
        HotTraceOptions o = HotTraceOptions.parse(args);
        Path root = Path.of(System.getProperty("hotvisor.root", ".")).toAbsolutePath();
        String buildDir = System.getenv().getOrDefault("HOTVISOR_BUILD_DIR", "target");
        AzureTrace trace = AzureTrace.read(o.trace(), 100);
        long traceCalls = TraceSchedule.create(trace, o.schedule(1.0)).invocations().size();
        double scale = (double) o.calls() / traceCalls;
        TraceSchedule schedule = TraceSchedule.create(trace, o.schedule(scale));
        List<Player> players = new ArrayList<>();
        for (int i = 0; i < schedule.functions().size(); i++) {
            TraceSchedule.Target t = schedule.functions().get(i);
            String[] p = PLAYERS.get(i % PLAYERS.size());
            players.add(new Player(t.name(), p[0], p[1], t.function().invocations(o.startMinute(), o.minutes())));
        }
        String loadAtStart = Files.readString(Path.of("/proc/loadavg")).trim();
        System.out.println("Hot-start trace replay: " + o + "; " + traceCalls + " calls in the window, scaled by "
                + String.format("%.4f", scale) + " to " + schedule.invocations().size() + "; players "
                + players.stream().map(p -> p.name() + "=" + p.kind() + "-" + p.language()).toList());

        List<Map<String, Object>> sides = new ArrayList<>();
        List<Map<String, Object>> nodes = new ArrayList<>();
        List<Map<String, Object>> warmthRows = new ArrayList<>();
        List<Map<String, Object>> coreRows = new ArrayList<>();
        List<Call> calls = new ArrayList<>();
        Map<String, String> failed = new LinkedHashMap<>();
        for (boolean on : List.of(true, false)) {
            String side = on ? "on" : "off";
            HotStartMechanism.Configuration c = new HotStartMechanism.Configuration(side, o.mechanisms(),
                    on ? o.mechanisms().stream().filter(HotStartMechanism::inAll).toList() : List.of(), true);
            try {
                sides.add(side(root, buildDir, o, schedule, players, c, nodes, warmthRows, coreRows, calls));
                System.out.println(sides.getLast());
            } catch (IOException | RuntimeException e) {
                failed.put(side, String.valueOf(e));
                System.err.println("Side " + side + " failed: " + e);
                e.printStackTrace();
            }
            HotTraceReport.write(o, loadAtStart, scale, traceCalls, players, failed, sides, nodes, warmthRows,
                    coreRows, calls);
        }
    }

    private static Map<String, Object> side(Path root, String buildDir, HotTraceOptions o, TraceSchedule schedule,
                                            List<Player> players, HotStartMechanism.Configuration c,
                                            List<Map<String, Object>> nodeRows, List<Map<String, Object>> warmthRows,
                                            List<Map<String, Object>> coreRows, List<Call> allCalls)
            throws Exception {
        Path work = Files.createTempDirectory("hv-bench-hot-trace");
        Map<String, ServerProcess> live = new ConcurrentHashMap<>();
        // Per node: the warmth counts before the replay (nodes 1 and 2) and when read last.
        Map<String, Map<String, long[]>> before = new ConcurrentHashMap<>();
        Map<String, Map<String, long[]>> after = new ConcurrentHashMap<>();
        // Per node: each function's warmth (its latencies and reference) when the counts were read last.
        Map<String, Map<String, JsonNode>> warmth = new ConcurrentHashMap<>();
        Map<String, String> timeline = Collections.synchronizedMap(new LinkedHashMap<>());
        // The starting nodes' functions that warm-max stopped before HOT_RUN answers in a row were hot (alone, mixed).
        List<String> startingNotHot = Collections.synchronizedList(new ArrayList<>());
        // Per starting node: how many mixed rounds it served before the replay.
        List<String> startingMixed = Collections.synchronizedList(new ArrayList<>());
        ServerProcess gateway = null;
        boolean succeeded = false;
        try (ClusterProcesses.Redis redis = ClusterProcesses.redis(work)) {
            List<String> options = new ArrayList<>(List.of("--redis", redis.url(), "--cluster", "hottrace"));
            options.addAll(c.nodeOptions());
            try {
                for (ServerProcess n : HotStartBench.startAll(root, work, STARTING, options)) {
                    live.put(n.label(), n);
                }
                gateway = ClusterProcesses.gateway(root, work, "gateway", redis.url(), "hottrace",
                        c.gatewayOptions(), HotStartBench.KEY);
                ServerProcess first = live.get(STARTING.getFirst());
                for (Player p : players) {
                    ObjectNode body = HotStartBench.deployBody(root, buildDir, p.kind(), p.language());
                    body.put("idempotent", true);
                    c.deployFields().forEach((k, v) -> {
                        if (v == null) {
                            body.remove(k);
                        } else {
                            body.set(k, Results.JSON.valueToTree(v));
                        }
                    });
                    HttpResponse<String> d = first.send("PUT", "/v1/functions/" + p.name(), body.toString());
                    if (d.statusCode() != 201) {
                        throw new IllegalStateException("Deploy of " + p.name() + " failed: " + d.statusCode() + " "
                                + d.body());
                    }
                }
                // The starting nodes warm at once (a node is seconds per call while it warms on 2 loaded cores).
                try (ExecutorService warming = Executors.newVirtualThreadPerTaskExecutor()) {
                    List<java.util.concurrent.Future<Object>> done = new ArrayList<>();
                    for (String id : STARTING) {
                        ServerProcess n = live.get(id);
                        done.add(warming.submit(() -> {
                            for (Player p : players) {
                                awaitLoaded(n, p);
                                int took = warm(n, p, o.warmMax());
                                if (took > 0) {
                                    startingNotHot.add(id + " " + p.kind() + "-" + p.language() + " (" + took
                                            + " calls)");
                                }
                            }
                            Mixed mixed = warmMixed(n, players, o.warmMax());
                            startingMixed.add(id + " " + mixed.rounds() + " rounds");
                            mixed.notHot().forEach(p -> startingNotHot.add(id + " " + p.kind() + "-" + p.language()
                                    + " (mixed, " + mixed.rounds() + " rounds)"));
                            before.put(id, counts(n, players));
                            return null;
                        }));
                    }
                    for (var f : done) {
                        try {
                            f.get();
                        } catch (java.util.concurrent.ExecutionException e) {
                            // The side fails, not the whole run: a warming call answered 504 once ended the bench.
                            throw new IllegalStateException("Warming nodes " + STARTING + " failed: "
                                    + e.getCause().getMessage(), e.getCause());
                        }
                    }
                }
                for (String id : STARTING) {
                    HotStartBench.awaitMember(gateway, id);
                }
                // The starting nodes' compilers finish what the mixed rounds queued before the replay's clock starts.
                HotStartBench.Calm calm = HotStartBench.awaitCalm(HotStartBench::busyCores,
                        HotStartBench.CALM_MAX_WINDOWS);
                String warmedMixed = startingMixed.stream().sorted().toList() + (calm.reached() ? "; calm after "
                        : "; not calm after ") + calm.waitedMs() + " ms";
                Map<String, String> shown = new LinkedHashMap<>();
                before.forEach((id, m) -> shown.put(id, m.entrySet().stream().map(e -> e.getKey() + " hot "
                        + e.getValue()[0] + " warming " + e.getValue()[1]).toList().toString()));
                System.out.println("Side " + c.name() + ": fleet warmed " + shown + "; replaying "
                        + schedule.invocations().size() + " calls in " + o.window().toSeconds() + " s");
                List<Map<String, Object>> cores = Collections.synchronizedList(new ArrayList<>());
                List<String> hostUnpinned = new ArrayList<>();
                List<Call> calls = replay(root, work, o, schedule, players, c, options, gateway, live, after,
                        warmth, timeline, cores, hostUnpinned);
                coreRows.addAll(cores);
                allCalls.addAll(calls);
                for (var e : live.entrySet()) {
                    Map<String, JsonNode> w = new LinkedHashMap<>();
                    after.put(e.getKey(), counts(e.getValue(), players, w));
                    warmth.put(e.getKey(), w);
                }
                Map<String, Object> result = HotTraceReport.side(c, players, calls, before, after, warmth, timeline,
                        nodeRows, warmthRows);
                result.put("starting_not_hot", startingNotHot.isEmpty() ? "none"
                        : String.join("; ", startingNotHot.stream().sorted().toList()));
                result.put("starting_mixed", warmedMixed);
                result.put("not_hot_by_load", HotTraceReport.bucketText(HotTraceReport.notHotByLoad(calls, cores)));
                result.put("not_hot_by_host", HotTraceReport.bucketText(HotTraceReport.notHotByHost(calls, cores)));
                if (!hostUnpinned.isEmpty()) {
                    result.put("host_unpinned", String.join("; ", hostUnpinned));
                }
                succeeded = true;
                return result;
            } finally {
                if (gateway != null) {
                    gateway.close();
                }
                // Before Redis stops: a node leaving the cluster tells Redis.
                live.values().forEach(ServerProcess::close);
            }
        } finally {
            if (succeeded) {
                SandboxCreationBench.deleteTree(work);
            } else {
                System.err.println("Side " + c.name() + " failed: its nodes' logs are kept in " + work);
            }
        }
    }

    /**
     * Sends every call at its time through the gateway while nodes join and leave; waits for the answers. Fills
     * {@code cores} with the seconds' samples ({@link #sampleCores}, {@link HostSpeedSampler#annotate}) and
     * {@code hostUnpinned} with why a CPU went without host-speed samples ({@link HostSpeedSampler#unpinned}).
     */
    private static List<Call> replay(Path root, Path work, HotTraceOptions o, TraceSchedule schedule,
                                     List<Player> players, HotStartMechanism.Configuration c, List<String> options,
                                     ServerProcess gateway, Map<String, ServerProcess> live,
                                     Map<String, Map<String, long[]>> after,
                                     Map<String, Map<String, JsonNode>> warmth, Map<String, String> timeline,
                                     List<Map<String, Object>> cores, List<String> hostUnpinned)
            throws InterruptedException {
        Map<String, Player> byName = new LinkedHashMap<>();
        players.forEach(p -> byName.put(p.name(), p));
        long windowMs = o.window().toMillis();
        long start = System.nanoTime();
        List<CompletableFuture<Call>> futures = new ArrayList<>();
        AtomicBoolean sampling = new AtomicBoolean(true);
        Thread sampler = Thread.ofVirtual().start(() -> sampleCores(c.name(), start, live, gateway, sampling, cores));
        HostSpeedSampler hostSpeed = HostSpeedSampler.start(start);
        try (ExecutorService membership = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Event e : MEMBERSHIP) {
                membership.submit(() -> {
                    sleepUntil(start + TimeUnit.MILLISECONDS.toNanos((long) (e.fraction() * windowMs)));
                    long at = (System.nanoTime() - start) / 1_000_000;
                    try {
                        if (e.join()) {
                            ServerProcess n = ClusterProcesses.node(root, work, e.node(), options, HotStartBench.KEY,
                                    Duration.ofMinutes(10));
                            live.put(e.node(), n);
                            for (Player p : players) {
                                awaitLoaded(n, p);
                            }
                            timeline.put(e.node() + " joins", at + " ms: started; holds every function at "
                                    + (System.nanoTime() - start) / 1_000_000 + " ms");
                        } else {
                            ServerProcess n = live.get(e.node());
                            Map<String, JsonNode> w = new LinkedHashMap<>();
                            after.put(e.node(), counts(n, players, w));
                            warmth.put(e.node(), w);
                            live.remove(e.node());
                            n.close();
                            timeline.put(e.node() + " leaves", at + " ms: counts read, stopped at "
                                    + (System.nanoTime() - start) / 1_000_000 + " ms");
                        }
                    } catch (Exception ex) {
                        timeline.put(e.node() + (e.join() ? " joins" : " leaves"), at + " ms: FAILED " + ex);
                    }
                    return null;
                });
            }
            for (TraceSchedule.Invocation inv : schedule.invocations()) {
                sleepUntil(start + inv.atNanos());
                Player p = byName.get(inv.target().name());
                long sent = System.nanoTime();
                HttpRequest request = HttpRequest.newBuilder(gateway.url.resolve("/v1/functions/" + p.name()
                                + "/invoke")).timeout(Duration.ofMinutes(2))
                        .header("Authorization", "Bearer " + HotStartBench.KEY)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(HotStartBench.EVENT)).build();
                futures.add(ServerProcess.HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                        .handle((r, ex) -> {
                            long wall = (System.nanoTime() - sent) / 1000;
                            long planned = inv.atNanos() / 1_000_000;
                            long sentMs = (sent - start) / 1_000_000;
                            if (ex != null) {
                                return new Call(c.name(), p, planned, sentMs, wall, -1, "", "", false);
                            }
                            return new Call(c.name(), p, planned, sentMs, wall, r.statusCode(),
                                    r.headers().firstValue("X-Hotvisor-Node").orElse(""),
                                    r.headers().firstValue("X-Hotvisor-Warmth").orElse(""), r.statusCode() == 200
                                    && DensityFunctions.matches(r.body(), HotStartBench.EXPECTED.get(p.kind())),
                                    r.headers().firstValue("X-Hotvisor-Cpu-Us").map(Long::parseLong).orElse(-1L));
                        }));
            }
            List<Call> calls = new ArrayList<>();
            long deadline = start + TimeUnit.MILLISECONDS.toNanos(windowMs) + TimeUnit.MINUTES.toNanos(2);
            for (int i = 0; i < futures.size(); i++) {
                try {
                    calls.add(futures.get(i).get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
                } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
                    TraceSchedule.Invocation inv = schedule.invocations().get(i);
                    calls.add(new Call(c.name(), byName.get(inv.target().name()), inv.atNanos() / 1_000_000, 0, 0,
                            -1, "", "", false));
                }
            }
            // The membership changes are part of the run: a join still starting holds up the end, not the counts.
            return calls;
        } finally {
            // However the replay ends (also thrown out of), the samplers stop.
            sampling.set(false);
            List<HostSpeedSampler.Sample> hostSamples = hostSpeed.stop();
            hostUnpinned.addAll(hostSpeed.unpinned());
            sampler.join();
            HostSpeedSampler.annotate(cores, hostSamples);
        }
    }

    /**
     * Until {@code sampling} goes false, second by second: who used the machine's cores ({@link CpuAccount}) in that
     * second, each node in {@link #SAMPLED_NODES} (its JVM and worker JVMs; 0 while it is not in the cluster), the
     * gateway, Redis, nodes still starting (a joining node until it holds every function), the bench and the rest, so
     * the report can tell a loaded machine from cold code. Rows in
     * {@code out}: {@code side}, {@code from_ms} and {@code to_ms} since the replay started, and
     * {@link CpuAccount#between}'s columns.
     */
    private static void sampleCores(String side, long start, Map<String, ServerProcess> live, ServerProcess gateway,
                                    AtomicBoolean sampling, List<Map<String, Object>> out) {
        List<Long> redis = CpuAccount.descendantsNamed("redis-server");
        while (sampling.get()) {
            List<CpuAccount.Party> parties = new ArrayList<>();
            for (String id : SAMPLED_NODES) {
                ServerProcess n = live.get(id);
                parties.add(new CpuAccount.Party(id, n == null ? List.of() : List.of(n.pid()),
                        CpuAccount.Scope.TREE));
            }
            parties.add(new CpuAccount.Party("gateway", List.of(gateway.pid()), CpuAccount.Scope.TREE));
            parties.add(new CpuAccount.Party("redis", redis, CpuAccount.Scope.PROCESS));
            // A joining node's JVM is the bench's child before it answers and joins `live`.
            List<Long> known = new ArrayList<>(redis);
            known.add(gateway.pid());
            live.values().forEach(n -> known.add(n.pid()));
            parties.add(new CpuAccount.Party("starting_nodes", ProcessHandle.current().children()
                    .map(ProcessHandle::pid).filter(pid -> !known.contains(pid)).toList(), CpuAccount.Scope.TREE));
            CpuAccount account = CpuAccount.of(parties);
            CpuAccount.Snapshot a = account.take();
            LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
            CpuAccount.Snapshot b = account.take();
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("side", side);
            row.put("from_ms", (a.nanos() - start) / 1_000_000);
            row.put("to_ms", (b.nanos() - start) / 1_000_000);
            row.putAll(account.between(a, b, ""));
            out.add(row);
        }
    }

    private static void sleepUntil(long nanos) {
        long wait;
        while ((wait = nanos - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
        }
    }

    /**
     * Per function: {hot, warming} from GET /v1/functions/{name}, then {hot, warming} from /metrics. A read that gets
     * no answer fails naming the node and the read, with the node's threads dumped to a file beside its log (the
     * post-merge full run lost its "on" side to such a read, and nothing said which node it was).
     */
    static Map<String, long[]> counts(ServerProcess node, List<Player> players)
            throws IOException, InterruptedException {
        return counts(node, players, new LinkedHashMap<>());
    }

    /**
     * {@link #counts(ServerProcess, List)}, and into {@code warmth} each function's whole {@code warmth} object from
     * the same read (latencies, reference, steady states; an empty object if the node does not hold it): why the node
     * counted its invocations hot or not. The function's {@code warmUp} object, when it has one (the target its
     * replays aimed at, how many, their outcome), is added to it as {@code warmUp}.
     */
    static Map<String, long[]> counts(ServerProcess node, List<Player> players, Map<String, JsonNode> warmth)
            throws IOException, InterruptedException {
        String metrics = read(node, "/metrics").body();
        Map<String, long[]> counts = new LinkedHashMap<>();
        for (Player p : players) {
            HttpResponse<String> r = read(node, "/v1/functions/" + p.name());
            JsonNode body = r.statusCode() == 200 ? Results.JSON.readTree(r.body()) : Results.JSON.createObjectNode();
            JsonNode f = body.path("warmth");
            if (f instanceof ObjectNode o && body.has("warmUp")) {
                o.set("warmUp", body.get("warmUp"));
            }
            warmth.put(p.name(), f.isMissingNode() ? Results.JSON.createObjectNode() : f);
            JsonNode w = f.path("invocations");
            Map<String, Long> m = HotStartReport.byWarmth(metrics, p.name());
            counts.put(p.name(), new long[] {w.path("hot").asLong(), w.path("warming").asLong(),
                m.getOrDefault("hot", 0L), m.getOrDefault("warming", 0L)});
        }
        return counts;
    }

    private static HttpResponse<String> read(ServerProcess node, String path) throws IOException, InterruptedException {
        try {
            return node.send("GET", path, null);
        } catch (IOException e) {
            throw new IOException(node + " did not answer GET " + path + " (" + e + "); process "
                    + (node.alive() ? "alive" : "gone") + ", " + threadDump(node) + "; its log ends:\n" + node.tail(),
                    e);
        }
    }

    /** Dumps the node's threads, virtual ones too, with jcmd; says where, or why not. */
    private static String threadDump(ServerProcess node) throws InterruptedException {
        Path file = Path.of(System.getProperty("java.io.tmpdir"), "hot-trace-" + node.label() + "-threads-"
                + System.currentTimeMillis() + ".txt");
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        try {
            Process p = new ProcessBuilder(jcmd.toString(), Long.toString(node.pid()), "Thread.dump_to_file",
                    "-format=text", file.toString()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "jcmd Thread.dump_to_file did not finish within 60 s";
            }
            return Files.isRegularFile(file) ? "threads dumped to " + file
                    : "jcmd Thread.dump_to_file exited " + p.exitValue() + " without a dump";
        } catch (IOException e) {
            return "no thread dump: " + e.getMessage();
        }
    }

    /** Waits until the node holds the function (loaded, replays done, for Java a worker started). */
    private static void awaitLoaded(ServerProcess node, Player p) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = node.send("GET", "/v1/functions/" + p.name(), null);
            if (r.statusCode() == 200 && (!p.language().equals("java")
                    || !Results.JSON.readTree(r.body()).path("aotCache").path("source").asText().isEmpty())) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(node + " did not load " + p.name() + " within 5 minutes; its log:\n"
                + node.tail());
    }

    /** How a starting node's mixed rounds ended: how many it served, and the players not hot at the end. */
    record Mixed(int rounds, List<Player> notHot) {
    }

    /**
     * Serves every function on {@code node} in rounds, {@link #MIX_CONCURRENCY} calls at once of each in the players'
     * order, until {@link #mixedEnough} says so: after {@link #warm} made each hot alone. Warmed one after the other,
     * a function's compiled code can be undone by the next of its language on the node's shared engine (the
     * 2026-11-26 09:47 run: node 2's JavaScript word count, warmed first and hot 10 in a row, answered its first
     * replayed calls warming at 5-20x); the trace brings them mixed, as a long-serving node has seen them.
     */
    private static Mixed warmMixed(ServerProcess node, List<Player> players, int max)
            throws IOException, InterruptedException {
        int[] runs = new int[players.size()];
        int rounds = 0;
        try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            while (!mixedEnough(rounds, runs, max)) {
                rounds++;
                for (int i = 0; i < players.size(); i++) {
                    Player p = players.get(i);
                    List<java.util.concurrent.Future<String>> answers = new ArrayList<>();
                    for (int k = 0; k < MIX_CONCURRENCY; k++) {
                        answers.add(callers.submit(() -> invoke(node, p)));
                    }
                    for (var a : answers) {
                        try {
                            runs[i] = hotRun(runs[i], a.get());
                        } catch (java.util.concurrent.ExecutionException e) {
                            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
                        }
                    }
                }
            }
        }
        List<Player> notHot = new ArrayList<>();
        for (int i = 0; i < players.size(); i++) {
            if (runs[i] < HOT_RUN) {
                notHot.add(players.get(i));
            }
        }
        return new Mixed(rounds, notHot);
    }

    /**
     * Whether a starting node served its functions mixed long enough after {@code rounds} rounds, {@code runs} being
     * each function's answers in a row hot: {@code max} rounds, or {@link #MIX_MIN} (or {@code max} if lower) with
     * every run at least {@link #HOT_RUN}.
     */
    static boolean mixedEnough(int rounds, int[] runs, int max) {
        return rounds >= max || rounds >= Math.min(MIX_MIN, max) && Arrays.stream(runs).allMatch(r -> r >= HOT_RUN);
    }

    /** One warming call of {@code p} on {@code node}; the warmth it answered in. */
    private static String invoke(ServerProcess node, Player p) throws IOException, InterruptedException {
        HttpResponse<String> r = node.send("POST", "/v1/functions/" + p.name() + "/invoke", HotStartBench.EVENT);
        if (r.statusCode() != 200) {
            throw new IllegalStateException(node + " answered " + p.name() + " with " + r.statusCode() + " "
                    + r.body());
        }
        return r.headers().firstValue("X-Hotvisor-Warmth").orElse("");
    }

    /**
     * Invokes {@code p} on {@code node} until the node answered {@link #HOT_RUN} invocations in a row hot
     * ({@code X-Hotvisor-Warmth}) after at least {@link #WARM_MIN}, at most {@code max} times
     * ({@link #warmedEnough}).
     *
     * @return 0 if the last {@link #HOT_RUN} answers were hot, else the invocations made ({@code max}: the fleet does
     *         not know the function hot on this node, as the replay assumes; the report says so)
     */
    private static int warm(ServerProcess node, Player p, int max) throws IOException, InterruptedException {
        int n = 0;
        int run = 0;
        while (!warmedEnough(n, run, max)) {
            n++;
            run = hotRun(run, invoke(node, p));
        }
        return run >= HOT_RUN ? 0 : n;
    }

    /**
     * Whether a starting node warmed a function enough after {@code n} invocations, the last {@code run} of them
     * answered hot in a row: {@code max} reached, or {@link #HOT_RUN} in a row hot after at least {@link #WARM_MIN}
     * (or {@code max} if lower). Stopping at the first time the node called it hot left functions with few trace calls
     * warming for most of the replay on a "long-hot" node (2026-11-24 18:34: node 2's JSON transform in JavaScript,
     * warmed until one check said hot, was not hot in 35 of its 36 calls).
     */
    static boolean warmedEnough(int n, int run, int max) {
        return n >= max || (run >= HOT_RUN && n >= Math.min(WARM_MIN, max));
    }

    /** The invocations in a row answered hot, after one more answered in state {@code warmth}. */
    static int hotRun(int run, String warmth) {
        return warmth.equals("hot") ? run + 1 : 0;
    }
}
