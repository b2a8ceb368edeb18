package io.hotvisor.bench;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Hot starts on a node that joins a fleet (issue 6): three nodes, each function hot on node 1; a fourth node joins
 * and takes traffic; the latency of its first invocations of each function relative to the fleet's steady state,
 * with no mechanism, each mechanism alone and all together ({@link HotStartMechanism}).
 *
 * <p>Functions, in JavaScript, Python and Java: the Ignite paper's word count over a 256 KB generated text and a
 * JSON transform of a 190 KB document ({@code bench/functions/{js,python}/}, {@code examples/bench-functions}); the
 * data is made once per sandbox at load, so an invocation is the CPU work alone. Every function declares its event as
 * {@code warmupInputs}; Java runs with {@code "isolation": "process"} (its replays run inside the worker JVM that
 * serves; its other hot starts are the AOT cache and the CRIU snapshot).
 *
 * <p>Once per run: redis-server and nodes 1-3 ({@code bin/hotvisor node}, every mechanism on: the fleet holds the
 * knowledge), the functions deployed through node 1, which then takes at least {@code warm-min} invocations of each
 * and more until its own warmth says hot (at most {@code warm-max}), and, for Java, until it shared its AOT cache.
 * Per configuration: the steady state, the median of {@code steady} invocations on node 1 (its
 * {@code X-Hotvisor-Duration-Us}, the invocation inside the node, HTTP excluded); then a fresh node 4 joins with the
 * configuration's options, the time until it holds every function is taken, and it takes {@code invocations}
 * invocations of each function, one function after the other in turn, straight or through a gateway started with the
 * configuration's gateway options ({@code --target gateway}: the invocations the gateway sent to node 4 count);
 * then its own warmth count of the invocations not hot ({@code GET /v1/functions/{name}}, cross-checked against
 * {@code /metrics}); node 4 stops.
 *
 * <p>Run: {@code bench/hot-start.sh [--quick] [options]} ({@link HotStartOptions#USAGE}). Writes, with MODE quick
 * or full, {@code hot-start-MODE.{json,csv}} (one row per configuration and function),
 * {@code hot-start-MODE-invocations.{json,csv}} (every measured invocation), {@code hot-start-MODE.png} and
 * {@code README-hot-start-MODE.md} (with {@code notes-hot-start.md} appended if present).
 */
public final class HotStartBench {
    static final String KEY = "hv_bench-hot-start-admin-key-0123456789abcdef";
    static final String EVENT = "{\"seed\":42}";
    private static final String DURATION_HEADER = "X-Hotvisor-Duration-Us";
    private static final String NODE_HEADER = "X-Hotvisor-Node";
    /** The answer of each function kind, the same in every language. */
    static final Map<String, Map<String, Object>> EXPECTED = Map.of(
            "word-count", Map.of("words", 41065, "distinct", 991),
            "json-transform", Map.of("items", 1515, "regions", 8, "total", 24331166, "bytes", 140115));

    private HotStartBench() {
    }

    /**
     * One function as deployed: its name, the name in the results ({@code base}: a configuration's variant is deployed
     * under its own name), what it is, its PUT body.
     */
    private record Function(String name, String base, String kind, String language, ObjectNode deploy) {

        /** This function deployed with {@code fields} merged in (null removes one), named for the configuration. */
        Function variant(String configuration, Map<String, Object> fields) {
            ObjectNode body = deploy.deepCopy();
            fields.forEach((k, v) -> {
                if (v == null) {
                    body.remove(k);
                } else {
                    body.set(k, Results.JSON.valueToTree(v));
                }
            });
            return new Function(name + "-" + configuration, name, kind, language, body);
        }
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("java.awt.headless", "true");
        HotStartOptions o = HotStartOptions.parse(args);
        Path root = Path.of(System.getProperty("hotvisor.root", ".")).toAbsolutePath();
        String buildDir = System.getenv().getOrDefault("HOTVISOR_BUILD_DIR", "target");
        List<Function> functions = functions(root, buildDir, o);
        System.out.println("Hot-start benchmark: " + o);
        String loadAtStart = Files.readString(Path.of("/proc/loadavg")).trim();
        Path work = Files.createTempDirectory("hv-bench-hot-start");
        List<Map<String, Object>> rows = new ArrayList<>();
        List<Map<String, Object>> invocations = new ArrayList<>();
        List<HotStartReport.Line> lines = new ArrayList<>();
        Map<String, Object> fleet = new LinkedHashMap<>();
        List<ServerProcess> fleetNodes = new ArrayList<>();
        Map<String, String> failed = new LinkedHashMap<>();
        try (ClusterProcesses.Redis redis = ClusterProcesses.redis(work)) {
            String cluster = "hotstart";
            List<String> base = List.of("--redis", redis.url(), "--cluster", cluster);
            List<String> fleetOptions = new ArrayList<>(base);
            fleetOptions.addAll(new HotStartMechanism.Configuration("fleet", o.mechanisms(), o.mechanisms(), false)
                    .nodeOptions());
            fleet.put("fleet_node_options", String.join(" ", fleetOptions));
            fleetNodes.addAll(startAll(root, work, List.of("node-1", "node-2", "node-3"), fleetOptions));
            try {
                fleet(root, work, base, redis.url(), cluster, fleetNodes, functions, o, loadAtStart, fleet,
                        failed, rows, invocations, lines);
            } finally {
                // Before Redis stops: a node leaving the cluster tells Redis.
                fleetNodes.forEach(ServerProcess::close);
            }
        } finally {
            if ("1".equals(System.getenv("HOTVISOR_BENCH_KEEP_WORK"))) {
                System.out.println("Kept the nodes' logs and files (HOTVISOR_BENCH_KEEP_WORK=1): " + work);
            } else {
                SandboxCreationBench.deleteTree(work);
            }
        }
        write(o, loadAtStart, fleet, failed, rows, invocations, lines);
    }

    /** Writes every result file; after each configuration too, so a run stopped early keeps what it measured. */
    private static void write(HotStartOptions o, String loadAtStart, Map<String, Object> fleet,
                              Map<String, String> failed, List<Map<String, Object>> rows,
                              List<Map<String, Object>> invocations, List<HotStartReport.Line> lines)
            throws IOException {
        String name = "hot-start-" + o.mode();
        Map<String, Object> header = Results.header("hot-start", "optimizing (the nodes' Graal JIT)", false,
                "3 nodes (every mechanism of the run on) and Redis, all on loopback; each function deployed through"
                        + " node 1 and made hot there; per configuration a fresh node 4 joins with its options and"
                        + " takes its first " + o.invocations() + " invocations of each function (one function after"
                        + " the other in turn), or, in a configuration through the gateway (via), the gateway gets "
                        + o.invocations() + " invocations of each, all measured whichever node served them"
                        + " (node4_share: node 4's part); ratio = X-Hotvisor-Duration-Us (the serving node's) / steady_us, the median of "
                        + o.steady() + " invocations on node 1 just before, back to back; mixed: node 1's "
                        + o.steady() + " calls of each function one of each in turn, as node 4 takes them (first call"
                        + " vs node 1 mixed: node 4's first call's duration and CPU time over their medians there);"
                        + " not_hot = node 4's own warmth count"
                        + " (warming); 'acting' = the mechanisms switched on that act on the function's language;"
                        + " all processes share the machine's cores with whatever else runs on it", failed);
        header.put("mode", o.mode());
        header.put("loadavg_at_start", loadAtStart);
        header.put("options", o.toString());
        header.put("event", EVENT);
        header.putAll(fleet);
        Results.write(o.out(), name + "-invocations", header, invocations);
        Path json = Results.write(o.out(), name, header, rows);
        if (!lines.isEmpty()) {
            HotStartReport.chart(o.out().resolve(name + ".png"), "Joining node: latency of invocation i / fleet steady"
                    + " state (" + o.mode() + ", " + header.get("date") + ")", lines);
        }
        HotStartReport.markdown(o.out(), name, header, rows);
        System.out.println("Wrote " + json + ", " + name + ".png, README-" + name + ".md");
    }

    private static void fleet(Path root, Path work, List<String> base, String redis, String cluster,
                              List<ServerProcess> fleetNodes, List<Function> functions, HotStartOptions o, String loadAtStart,
                              Map<String, Object> fleet, Map<String, String> failed, List<Map<String, Object>> rows,
                              List<Map<String, Object>> invocations, List<HotStartReport.Line> lines)
            throws IOException, InterruptedException {
        ServerProcess n1 = fleetNodes.getFirst();
        for (Function f : functions) {
            deploy(n1, f);
        }
        for (Function f : functions) {
            fleet.put("node1_warm_" + f.name(), warm(n1, f, o));
        }
        for (HotStartMechanism.Configuration c : o.configurations()) {
            try {
                configuration(root, work, base, redis, cluster, fleetNodes, functions, c, o, rows, invocations,
                        lines);
                rows.stream().filter(r -> r.get("configuration").equals(c.name())).forEach(System.out::println);
                write(o, loadAtStart, fleet, failed, rows, invocations, lines);
            } catch (IOException | RuntimeException e) {
                // The other configurations are still worth their minutes; the header says what failed.
                failed.put(c.name(), String.valueOf(e));
                System.err.println("Configuration " + c.name() + " failed: " + e);
            }
        }
    }

    private static void configuration(Path root, Path work, List<String> base, String redis, String cluster,
                                      List<ServerProcess> fleetNodes, List<Function> functions, HotStartMechanism.Configuration c,
                                      HotStartOptions o, List<Map<String, Object>> rows,
                                      List<Map<String, Object>> invocations, List<HotStartReport.Line> lines)
            throws IOException, InterruptedException {
        ServerProcess n1 = fleetNodes.getFirst();
        if (!c.deployFields().isEmpty()) {
            // The configuration deploys the functions otherwise (e.g. sampled inputs): copies under their own names,
            // made hot on node 1 like the others.
            List<Function> variants = new ArrayList<>();
            for (Function f : functions) {
                Function v = f.variant(c.name(), c.deployFields());
                deploy(n1, v);
                warm(n1, v, o);
                variants.add(v);
            }
            functions = variants;
        }
        Map<String, Long> steady = new LinkedHashMap<>();
        Map<String, String> node1State = new LinkedHashMap<>();
        // Who used the cores while node 1 set the steady state, to set against node 4's calls (measure).
        CpuAccount steadyAccount = CpuAccount.of(parties(n1, fleetNodes.subList(1, fleetNodes.size()), null));
        // Not while node 1 still compiles what it was just warmed on, or the last node 4 still winds down.
        Calm calm = awaitCalm(HotStartBench::busyCores, CALM_MAX_WINDOWS);
        CpuAccount.Snapshot steadyStart = steadyAccount.take();
        Map<String, long[]> steadyCpuUs = new LinkedHashMap<>();
        for (Function f : functions) {
            Samples s = new Samples(o.steady());
            long[] cpuUs = new long[o.steady()];
            for (int i = 0; i < o.steady(); i++) {
                Call call = invoke(n1, f);
                s.add(call.durationUs() * 1000);
                cpuUs[i] = call.cpuUs();
            }
            steady.put(f.name(), Math.max(1, Math.round(s.medianMs() * 1000)));
            steadyCpuUs.put(f.name(), cpuUs);
            node1State.put(f.name(), status(n1, f).path("warmth").path("state").asText("unknown"));
        }
        // The same number of calls again, one of each function in turn, as node 4 then takes them: a call that
        // follows other functions' calls finds less of its own in the caches than one that follows itself, so
        // node 4's calls are set against this too (the "mixed" columns), beside the back-to-back steady state.
        Map<String, long[]> mixedUs = new LinkedHashMap<>();
        Map<String, long[]> mixedCpuUs = new LinkedHashMap<>();
        functions.forEach(f -> {
            mixedUs.put(f.name(), new long[o.steady()]);
            mixedCpuUs.put(f.name(), new long[o.steady()]);
        });
        for (int i = 0; i < o.steady(); i++) {
            for (Function f : functions) {
                Call call = invoke(n1, f);
                mixedUs.get(f.name())[i] = call.durationUs();
                mixedCpuUs.get(f.name())[i] = call.cpuUs();
            }
        }
        Map<String, Map<String, Long>> references = new LinkedHashMap<>();
        for (Function f : functions) {
            Map<String, Long> r = new LinkedHashMap<>();
            r.put("steady_cpu_us", median(steadyCpuUs.get(f.name())));
            r.put("steady_mixed_us", median(mixedUs.get(f.name())));
            r.put("steady_mixed_cpu_us", median(mixedCpuUs.get(f.name())));
            references.put(f.name(), r);
        }
        Map<String, Object> steadyCpu = new LinkedHashMap<>();
        steadyCpu.put("steady_calm_wait_ms", calm.waitedMs());
        steadyCpu.put("steady_calm", calm.reached());
        steadyCpu.putAll(steadyAccount.between(steadyStart, steadyAccount.take(), "steady_"));
        List<String> options = new ArrayList<>(base);
        options.addAll(c.nodeOptions());
        String id = "node-4-" + c.name();
        ServerProcess gateway = null;
        try {
            if (c.gateway()) {
                // The gateway is there before node 4 joins, as in a scale-out; a fresh one per configuration, so
                // no ramp carries over.
                gateway = ClusterProcesses.gateway(root, work, "gateway-" + c.name(), redis, cluster,
                        c.gatewayOptions(), KEY);
            }
            measure(root, work, options, id, gateway, fleetNodes, functions, c, steady, references, steadyCpu,
                    node1State, o, rows, invocations, lines);
        } finally {
            if (gateway != null) {
                gateway.close();
            }
        }
    }

    private static void measure(Path root, Path work, List<String> options, String id, ServerProcess gateway,
                                List<ServerProcess> fleetNodes,
                                List<Function> functions, HotStartMechanism.Configuration c, Map<String, Long> steady,
                                Map<String, Map<String, Long>> references, Map<String, Object> steadyCpu,
                                Map<String, String> node1State, HotStartOptions o,
                                List<Map<String, Object>> rows, List<Map<String, Object>> invocations,
                                List<HotStartReport.Line> lines)
            throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        // Node 4 is ready once it loaded the fleet's functions (replays included): minutes on 2 loaded cores.
        try (ServerProcess n4 = ClusterProcesses.node(root, work, id, options, KEY, Duration.ofMinutes(10))) {
            for (Function f : functions) {
                awaitReady(n4, f);
            }
            awaitReadyz(n4);
            long readyMs = (System.nanoTime() - t0) / 1_000_000;
            ServerProcess target = n4;
            if (gateway != null) {
                awaitMember(gateway, id);
                target = gateway;
            }
            // Straight to node 4: its first invocations; through the gateway: every invocation as clients see it,
            // whichever node served it.
            Map<String, List<Call>> calls = new LinkedHashMap<>();
            functions.forEach(f -> calls.put(f.name(), new ArrayList<>()));
            Map<String, long[]> fleetBefore = fleetCounts(fleetNodes, functions);
            CpuAccount account = CpuAccount.of(parties(n4, fleetNodes, gateway));
            CpuAccount.Snapshot start = account.take();
            Map<String, Object> cpu = new LinkedHashMap<>(steadyCpu);
            for (int i = 0; i < o.invocations(); i++) {
                for (Function f : functions) {
                    Call call = invoke(target, f);
                    // A node answers without X-Hotvisor-Node; the gateway names the node that served.
                    calls.get(f.name()).add(target == n4
                            ? new Call(call.durationUs(), call.cpuUs(), call.wallUs(), id, call.warmth()) : call);
                }
                if (i == 0) {
                    cpu.putAll(account.between(start, account.take(), "first_round_"));
                }
            }
            cpu.putAll(account.between(start, account.take(), "calls_"));
            String metrics = n4.send("GET", "/metrics", null).body();
            Map<String, long[]> fleetAfter = fleetCounts(fleetNodes, functions);
            for (Function f : functions) {
                rows.add(row(c, f, n4, id, calls.get(f.name()), steady.get(f.name()), node1State.get(f.name()),
                        readyMs, metrics, invocations, lines));
                Map<String, Object> row = rows.getLast();
                row.putAll(againstMixed(references.get(f.name()), calls.get(f.name())));
                // Every node's own count of these calls: what clients got through the gateway.
                row.putAll(cpu);
                long notHot = fleetAfter.get(f.name())[1] - fleetBefore.get(f.name())[1] + (long) row.get("not_hot");
                long hot = fleetAfter.get(f.name())[0] - fleetBefore.get(f.name())[0] + (long) row.get("hot");
                row.put("all_nodes_not_hot", notHot);
                row.put("all_nodes_not_hot_fraction", hot + notHot == 0 ? 0
                        : Math.round(1000.0 * notHot / (hot + notHot)) / 1000.0);
            }
        }
    }

    /** The machine is calm enough to set a steady state when this few of its 2 cores were busy over a second. */
    static final double CALM_BUSY_CORES = 0.4;
    /** The longest wait for a calm machine, in windows of {@link #CALM_WINDOW_MS}. */
    static final int CALM_MAX_WINDOWS = 60;
    static final long CALM_WINDOW_MS = 1000;

    /** How the wait for a calm machine before a steady state ended: after how long, and whether calm. */
    record Calm(long waitedMs, boolean reached) {
    }

    /**
     * Waits until a window of {@link #CALM_WINDOW_MS} had at most {@link #CALM_BUSY_CORES} busy, at most
     * {@code maxWindows} windows: a configuration's variants were just warmed on node 1, and the last node 4 winds
     * down. A guard, not a cure: in the run of 2026-11-25 23:37 the machine was calm in the first second before every
     * configuration, and node 1 still compiled during its own steady calls in 6 of 12 (its window's JIT columns show
     * it), with steady states up to 4x the first configurations'.
     *
     * @param busyOverOneWindow measures one window and returns the machine's busy cores over it
     */
    static Calm awaitCalm(java.util.function.DoubleSupplier busyOverOneWindow, int maxWindows) {
        for (int i = 1; i <= maxWindows; i++) {
            if (busyOverOneWindow.getAsDouble() <= CALM_BUSY_CORES) {
                return new Calm(i * CALM_WINDOW_MS, true);
            }
        }
        return new Calm(maxWindows * CALM_WINDOW_MS, false);
    }

    /** The machine's busy cores over the next {@link #CALM_WINDOW_MS} (its {@code /proc/stat} alone). */
    static double busyCores() {
        long start = CpuAccount.machineNow()[0];
        try {
            Thread.sleep(CALM_WINDOW_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0; // stop waiting
        }
        return (CpuAccount.machineNow()[0] - start) / (CALM_WINDOW_MS / 1000.0 * CpuAccount.TICKS_PER_SECOND);
    }

    /**
     * The processes whose CPU time {@link CpuAccount} counts while {@code measured} serves: its JVM first (its JIT
     * compiler and GC threads apart), its worker JVMs, the other nodes, the gateway (none: no process) and Redis; the
     * same names for the steady state on node 1 and for node 4's calls, so every row has the same columns.
     */
    private static List<CpuAccount.Party> parties(ServerProcess measured, List<ServerProcess> others,
                                                  ServerProcess gateway) {
        List<Long> node = List.of(measured.pid());
        return List.of(new CpuAccount.Party("served", node, CpuAccount.Scope.PROCESS),
                new CpuAccount.Party("served_workers", node, CpuAccount.Scope.DESCENDANTS),
                new CpuAccount.Party("other_nodes", others.stream().map(ServerProcess::pid).toList(),
                        CpuAccount.Scope.TREE),
                new CpuAccount.Party("gateway", gateway == null ? List.of() : List.of(gateway.pid()),
                        CpuAccount.Scope.TREE),
                new CpuAccount.Party("redis", CpuAccount.descendantsNamed("redis-server"), CpuAccount.Scope.PROCESS));
    }

    /** Per function, {hot, warming} summed over nodes 1-3, from their own warmth. */
    private static Map<String, long[]> fleetCounts(List<ServerProcess> fleetNodes, List<Function> functions)
            throws IOException, InterruptedException {
        Map<String, long[]> counts = new LinkedHashMap<>();
        for (Function f : functions) {
            long[] c = new long[2];
            for (ServerProcess n : fleetNodes) {
                JsonNode w = status(n, f).path("warmth").path("invocations");
                c[0] += w.path("hot").asLong();
                c[1] += w.path("warming").asLong();
            }
            counts.put(f.name(), c);
        }
        return counts;
    }

    /** Waits until the gateway counts the node among the cluster's live members. */
    static void awaitMember(ServerProcess gateway, String id) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = gateway.send("GET", "/v1/cluster", null);
            if (r.statusCode() == 200) {
                for (JsonNode n : Results.JSON.readTree(r.body()).path("nodes")) {
                    if (n.path("id").asText().equals(id)) {
                        return;
                    }
                }
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(gateway + " has not seen " + id + " join within a minute");
    }

    private static Map<String, Object> row(HotStartMechanism.Configuration c, Function f, ServerProcess n4,
                                           String id, List<Call> calls, long steadyUs, String node1State, long readyMs,
                                           String metrics, List<Map<String, Object>> invocations,
                                           List<HotStartReport.Line> lines) throws IOException, InterruptedException {
        JsonNode status = status(n4, f);
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("configuration", c.name());
        row.put("function", f.base());
        row.put("language", f.language());
        List<String> acting = c.actingOn(f.language());
        row.put("acting", acting.isEmpty() ? "none" : String.join("+", acting));
        row.put("node4_options", String.join(" ", c.nodeOptions()));
        row.put("via", c.gateway() ? "gateway " + String.join(" ", c.gatewayOptions()) : "node 4");
        row.put("steady_us", steadyUs);
        row.put("node1_state", node1State);
        row.put("node4_ready_ms", readyMs);
        row.put("invocations", calls.size());
        long byNode4 = calls.stream().filter(call -> call.node().equals(id)).count();
        row.put("node4_share", calls.isEmpty() ? 0 : Math.round(1000.0 * byNode4 / calls.size()) / 1000.0);
        long[] wall = calls.stream().mapToLong(Call::wallUs).sorted().toArray();
        row.put("client_median_us", wall.length == 0 ? 0 : wall[(wall.length - 1) / 2]);
        row.put("client_p90_us", wall.length == 0 ? 0 : wall[(int) Math.ceil(0.9 * wall.length) - 1]);
        long[] us = calls.stream().mapToLong(Call::durationUs).toArray();
        if (us.length == 0) {
            // Only through a gateway that sent node 4 nothing: the same columns, every CSV line alike.
            HotStartReport.summary(new long[] {1}, 1).keySet().forEach(k -> row.put(k, "n/a"));
            row.put("first_wall_us", "n/a");
        } else {
            row.putAll(HotStartReport.summary(us, steadyUs));
            row.put("first_wall_us", calls.getFirst().wallUs());
            double[] ratios = HotStartReport.ratios(us, steadyUs);
            lines.add(new HotStartReport.Line(f.base(), c.name(), ratios));
            for (int i = 0; i < calls.size(); i++) {
                Map<String, Object> inv = new LinkedHashMap<>();
                inv.put("configuration", c.name());
                inv.put("function", f.base());
                inv.put("node", calls.get(i).node());
                inv.put("i", i + 1);
                inv.put("duration_us", us[i]);
                inv.put("wall_us", calls.get(i).wallUs());
                inv.put("warmth", calls.get(i).warmth());
                inv.put("ratio", Math.round(ratios[i] * 1000) / 1000.0);
                invocations.add(inv);
            }
        }
        row.put("node4_first_cpu_ratio", firstCpuRatio(status.path("warmth")));
        row.put("node4_first_cpu_us", firstCpuUs(status.path("warmth"), 5));
        row.put("node4_reference_us", status.path("warmth").path("referenceUs").asDouble(0));
        row.put("node4_last_replay_us", lastReplayUs(status.path("warmUp")));
        JsonNode counts = status.path("warmth").path("invocations");
        row.put("not_hot", counts.path("warming").asLong());
        row.put("hot", counts.path("hot").asLong());
        row.put("not_hot_fraction", counts.path("notHotFraction").asDouble());
        Map<String, Long> byWarmth = HotStartReport.byWarmth(metrics, f.name());
        row.put("metrics_not_hot", byWarmth.getOrDefault("warming", 0L));
        row.put("metrics_hot", byWarmth.getOrDefault("hot", 0L));
        row.put("node4_state_after", status.path("warmth").path("state").asText());
        JsonNode w = status.path("warmUp");
        row.put("warm_up", warmUpSummary(w));
        JsonNode a = status.path("aotCache");
        row.put("aot_cache", a.isMissingNode() ? "n/a" : a.path("source").asText() + (a.path("opened").asBoolean()
                ? " (used)" : " (not used)"));
        row.put("snapshot", snapshot(status.path("snapshot")));
        return row;
    }

    /**
     * Node 4's CRIU snapshot of a Java function in process isolation, from its status: the state, whether its last
     * worker was restored, how many were, and where the image came from ({@code n/a} for other functions).
     */
    static String snapshot(JsonNode s) {
        if (s.isMissingNode()) {
            return "n/a";
        }
        String origin = s.path("origin").asText();
        return s.path("state").asText() + ", last worker " + s.path("lastWorker").asText() + ", "
                + s.path("restores").asLong() + " restored" + (origin.isEmpty() ? "" : ", from " + origin);
    }

    /**
     * Node 4's first invocation by its own measure (CPU time, {@code firstInvocationsUs}) over the reference steady
     * state it judges warmth against, as read after the 200 calls: what its classification of that call rests on,
     * without the wall time's waits for a core on a shared machine. "n/a" when node 4 served nothing.
     */
    static Object firstCpuRatio(JsonNode warmth) {
        JsonNode first = warmth.path("firstInvocationsUs");
        double reference = warmth.path("referenceUs").asDouble(0);
        if (first.isEmpty() || reference <= 0) {
            return "n/a";
        }
        return Math.round(first.get(0).asDouble() / reference * 100.0) / 100.0;
    }

    /**
     * Node 4's first {@code n} invocations by its own measure (CPU time, microseconds, rounded), joined by ';' (one CSV
     * field): with {@link #lastReplayUs} they tell a first call that pays more than the replays before it from
     * replays that ended above the reference. Empty when node 4 served nothing.
     */
    static String firstCpuUs(JsonNode warmth, int n) {
        List<String> us = new ArrayList<>();
        for (JsonNode x : warmth.path("firstInvocationsUs")) {
            if (us.size() == n) {
                break;
            }
            us.add(Long.toString(Math.round(x.asDouble())));
        }
        return String.join(";", us);
    }

    /**
     * The CPU time of node 4's last warm-up replay before its first invocation, microseconds: its re-check's when it
     * ran one, else its first round's; "n/a" without replays.
     */
    static Object lastReplayUs(JsonNode warmUp) {
        JsonNode last = warmUp.path("recheck").path("replays").asLong(0) > 0 ? warmUp.path("recheck") : warmUp;
        if (last.path("replays").asLong(0) == 0) {
            return "n/a";
        }
        return Math.round(last.path("lastReplayUs").asDouble());
    }

    private static void deploy(ServerProcess n1, Function f) throws IOException, InterruptedException {
        HttpResponse<String> d = n1.send("PUT", "/v1/functions/" + f.name(), f.deploy().toString());
        if (d.statusCode() != 201) {
            throw new IllegalStateException("Deploy of " + f.name() + " failed: " + d.statusCode() + " " + d.body());
        }
    }

    /**
     * One invocation: the node's duration, its CPU time ({@code X-Hotvisor-Cpu-Us}, -1 if not sent), the client's
     * wall time, the serving node, the state it counted it in.
     */
    record Call(long durationUs, long cpuUs, long wallUs, String node, String warmth) {
    }

    /**
     * Node 1's references for one function ({@code steady_cpu_us}: the CPU time of its back-to-back steady calls;
     * {@code steady_mixed_us}, {@code steady_mixed_cpu_us}: its calls one of each function in turn, as node 4 takes
     * them), and the first of {@code calls} set against the mixed ones ({@code first_ratio_mixed} in the node's
     * duration, {@code first_cpu_ratio_mixed} and {@code first_cpu_ratio_b2b} in CPU time), with the median call's
     * duration ({@code median_ratio_mixed}); "n/a" where there is no call or no CPU time.
     */
    static Map<String, Object> againstMixed(Map<String, Long> references, List<Call> calls) {
        Map<String, Object> m = new LinkedHashMap<>(references);
        long mixedUs = references.get("steady_mixed_us");
        long mixedCpuUs = references.get("steady_mixed_cpu_us");
        long cpuUs = references.get("steady_cpu_us");
        Call first = calls.isEmpty() ? null : calls.getFirst();
        m.put("first_ratio_mixed", first == null || mixedUs <= 0 ? "n/a" : ratio(first.durationUs(), mixedUs));
        boolean cpu = first != null && first.cpuUs() >= 0;
        m.put("first_cpu_us", cpu ? first.cpuUs() : "n/a");
        m.put("first_cpu_ratio_mixed", cpu && mixedCpuUs > 0 ? ratio(first.cpuUs(), mixedCpuUs) : "n/a");
        m.put("first_cpu_ratio_b2b", cpu && cpuUs > 0 ? ratio(first.cpuUs(), cpuUs) : "n/a");
        m.put("median_ratio_mixed", calls.isEmpty() || mixedUs <= 0 ? "n/a"
                : ratio(median(calls.stream().mapToLong(Call::durationUs).toArray()), mixedUs));
        return m;
    }

    private static double ratio(long value, long reference) {
        return HotStartReport.round((double) value / reference);
    }

    /** The median (the lower one of an even count); -1 for none or when any value is unknown (negative). */
    static long median(long[] values) {
        if (values.length == 0 || java.util.Arrays.stream(values).anyMatch(v -> v < 0)) {
            return -1;
        }
        long[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        return sorted[(sorted.length - 1) / 2];
    }

    private static Call invoke(ServerProcess target, Function f) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        HttpResponse<String> r = target.send("POST", "/v1/functions/" + f.name() + "/invoke", EVENT);
        long wall = (System.nanoTime() - t0) / 1000;
        if (r.statusCode() != 200 || !DensityFunctions.matches(r.body(), EXPECTED.get(f.kind()))) {
            throw new IllegalStateException(target + " answered " + f.name() + " with " + r.statusCode() + " "
                    + r.body() + "; expected " + EXPECTED.get(f.kind()));
        }
        return new Call(Long.parseLong(r.headers().firstValue(DURATION_HEADER).orElseThrow(() ->
                new IllegalStateException(target + " sent no " + DURATION_HEADER))),
                r.headers().firstValue("X-Hotvisor-Cpu-Us").map(Long::parseLong).orElse(-1L), wall,
                r.headers().firstValue(NODE_HEADER).orElse(""),
                r.headers().firstValue("X-Hotvisor-Warmth").orElse(""));
    }

    /** Node 1 takes invocations until it calls the function hot (and, for Java, shared its AOT cache and snapshot). */
    private static Map<String, Object> warm(ServerProcess n1, Function f, HotStartOptions o)
            throws IOException, InterruptedException {
        int n = 0;
        String state = "cold";
        while (n < o.warmMax() && (n < o.warmMin() || !state.equals("hot"))) {
            invoke(n1, f);
            n++;
            if (n >= o.warmMin() && n % 10 == 0) {
                state = status(n1, f).path("warmth").path("state").asText();
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("invocations", n);
        m.put("state", status(n1, f).path("warmth").path("state").asText());
        if (f.language().equals("java")) {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            JsonNode a = status(n1, f).path("aotCache");
            while (!a.path("shared").asBoolean() && System.nanoTime() < deadline) {
                Thread.sleep(500);
                a = status(n1, f).path("aotCache");
            }
            m.put("aot_cache", a.toString());
            if (!a.path("shared").asBoolean()) {
                System.err.println("Node 1 has not shared the AOT cache of " + f.name() + ": " + a);
            }
            // With snapshots shared (criu in the run), node 4 can restore only what node 1 uploaded before it joined.
            JsonNode sn = status(n1, f).path("snapshot");
            while (sn.path("sharing").asBoolean() && !sn.path("shared").asBoolean()
                    && !sn.path("state").asText().equals("failed") && System.nanoTime() < deadline) {
                Thread.sleep(500);
                sn = status(n1, f).path("snapshot");
            }
            if (!sn.isMissingNode()) {
                m.put("snapshot", sn.toString());
                if (sn.path("sharing").asBoolean() && !sn.path("shared").asBoolean()) {
                    System.err.println("Node 1 has not shared the snapshot of " + f.name() + ": " + sn);
                }
            }
        }
        System.out.println("node-1 " + f.name() + ": " + m);
        return m;
    }

    /** Waits until the joining node holds the function (loaded, warm-up replayed, a Java worker started). */
    private static void awaitReady(ServerProcess node, Function f) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = node.send("GET", "/v1/functions/" + f.name(), null);
            if (r.statusCode() == 200) {
                JsonNode s = Results.JSON.readTree(r.body());
                if (!f.language().equals("java") || !s.path("aotCache").path("source").asText().isEmpty()) {
                    return;
                }
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException(node + " did not load " + f.name() + " within 5 minutes; its log:\n"
                + node.tail());
    }

    /**
     * Waits until the node says it is ready ({@code GET /readyz} 200), as the gateway does before it routes to it.
     * Under {@code --warm-up-policy before} a joining node holds an invocation of a function only until that
     * function's own replays are over; its re-check of all of them comes after, and the node is not ready until that
     * is over too. The calls straight to node 4 used to start once the functions were loaded, so until 2026-11-25
     * they ran during the re-check, beside its replays: the first call of the JavaScript JSON transform then cost
     * ~2x, and the replays that ran just before it cost as much (bench/results/notes-first-served-call.md). Under
     * {@code alongside} the node is ready at once.
     */
    static void awaitReadyz(ServerProcess node) throws IOException, InterruptedException {
        awaitReadyz(node, Duration.ofMinutes(10));
    }

    /** As {@link #awaitReadyz(ServerProcess)}, for at most {@code timeout}. */
    static void awaitReadyz(ServerProcess node, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer yet";
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = node.send("GET", "/readyz", null);
            if (r.statusCode() == 200) {
                return;
            }
            last = r.statusCode() + " " + r.body();
            Thread.sleep(50);
        }
        throw new IllegalStateException(node + " was not ready within " + timeout.toMillis() + " ms (GET /readyz: "
                + last + "); its log:\n" + node.tail());
    }

    private static JsonNode status(ServerProcess node, Function f) throws IOException, InterruptedException {
        HttpResponse<String> r = node.send("GET", "/v1/functions/" + f.name(), null);
        if (r.statusCode() != 200) {
            throw new IllegalStateException(node + ": GET " + f.name() + " answered " + r.statusCode() + " "
                    + r.body());
        }
        return Results.JSON.readTree(r.body());
    }

    /** Starts the nodes at once (a JVM start is seconds on a loaded machine) and waits for all. */
    static List<ServerProcess> startAll(Path root, Path work, List<String> ids, List<String> options)
            throws Exception {
        List<ServerProcess> started = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(ids.size())) {
            List<Future<ServerProcess>> futures = new ArrayList<>();
            for (String id : ids) {
                futures.add(pool.submit(() -> ClusterProcesses.node(root, work, id, options, KEY)));
            }
            Exception failed = null;
            for (Future<ServerProcess> fu : futures) {
                try {
                    started.add(fu.get());
                } catch (java.util.concurrent.ExecutionException e) {
                    failed = e;
                }
            }
            if (failed != null) {
                started.forEach(ServerProcess::close);
                throw failed;
            }
        }
        return started;
    }

    private static List<Function> functions(Path root, String buildDir, HotStartOptions o) {
        List<Function> out = new ArrayList<>();
        for (String language : o.languages()) {
            for (String kind : o.functions()) {
                String name = kind + "-" + language;
                out.add(new Function(name, name, kind, language, deployBody(root, buildDir, kind, language)));
            }
        }
        return out;
    }

    /**
     * The PUT body of a bench function: {@code kind} word-count or json-transform, {@code language} js, python or
     * java; JavaScript and Python declare the benchmark's event as their warm-up input, Java runs in worker JVMs.
     */
    static ObjectNode deployBody(Path root, String buildDir, String kind, String language) {
        String module = kind.replace('-', '_');
        ObjectNode body = Results.JSON.createObjectNode();
        switch (language) {
            case "js", "python" -> {
                String ext = language.equals("js") ? ".js" : ".py";
                Path functionsDir = root.resolve("bench/functions");
                // The data files: the same bytes in every language (the Java jar carries them too).
                body.put("language", language.equals("js") ? "javascript" : "python")
                        .put("handler", module + ".main")
                        .put("archive", FunctionBundles.files(List.of(
                                functionsDir.resolve(language).resolve(module + ext),
                                functionsDir.resolve("data/words.js"),
                                functionsDir.resolve("data/orders.js"))));
                body.putArray("warmupInputs").addObject().put("seed", 42); // EVENT
            }
            case "java" -> body.put("language", "java")
                    .put("handler", "io.hotvisor.benchfunctions."
                            + (kind.equals("word-count") ? "WordCount" : "JsonTransform") + "::main")
                    .put("archive", DensityFunctions.jar(root.resolve("examples/bench-functions")
                            .resolve(buildDir).resolve("hotvisor-bench-functions.jar")))
                    .put("isolation", "process")
                    .putArray("warmupInputs").addObject().put("seed", 42); // EVENT
            default -> throw new IllegalArgumentException("Unknown language '" + language + "'");
        }
        body.put("timeoutMs", 30_000);
        return body;
    }

    /**
     * {@code hot 69 replays 1748 ms}, and {@code ; re-check hot 10 replays 95 ms} when the node re-checked it
     * ({@code ; re-check hot 20 replays in 2 rounds 190 ms} over several rounds).
     */
    static String warmUpSummary(JsonNode warmUp) {
        if (warmUp.isMissingNode()) {
            return "none";
        }
        String s = warmUp.path("outcome").asText() + " " + warmUp.path("replays").asInt() + " replays "
                + warmUp.path("ms").asLong() + " ms";
        JsonNode r = warmUp.path("recheck");
        int rounds = r.path("rounds").asInt(1);
        return r.isMissingNode() ? s : s + "; re-check " + r.path("outcome").asText() + " " + r.path("replays").asInt()
                + " replays " + (rounds > 1 ? "in " + rounds + " rounds " : "") + r.path("ms").asLong() + " ms";
    }
}
