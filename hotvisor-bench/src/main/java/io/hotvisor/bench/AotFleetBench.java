package io.hotvisor.bench;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.hotvisor.runtime.FunctionCode;
import io.hotvisor.runtime.Language;

/**
 * Java worker JVMs that start hot across a cluster (issue 6, mechanism 4): the first 10 invocations of a Java
 * function with {@code "isolation": "process"} on a node that never ran it, when its first worker starts from the
 * AOT cache another node trained and shared through Redis, against a node with sharing off (its first worker is a
 * training JVM, as before sharing existed) and a node with AOT caches off.
 *
 * <p>Per round: redis-server (one for the whole run, a cluster name per round), node 1 trains the cache on its first
 * {@code T} invocations of the word count (50 KB text) and uploads it; node 1 stops; then three nodes join at once:
 * {@code fleet} ({@code --aot-share on}), {@code own} ({@code --aot-share off}, trains its own) and {@code none}
 * ({@code --aot-training-invocations 0}). Each loads the function as it joins (its first worker starts then), and the
 * three take invocations in turn, one each, so machine noise hits them alike. Latency: the node's own
 * {@code X-Hotvisor-Duration-Us} (the invocation in its worker, HTTP excluded) and the client's wall time. Steady
 * state: the median of 50 more invocations on the {@code fleet} node. Rounds with {@code T} = 10 and, in the full
 * run, 100 (is a cache trained later, after more warm-up, better?).
 *
 * <p>Run: {@code bench/aot-fleet.sh [--smoke] [--out DIR]} (env {@code TRAININGS="10 100"}, {@code ROUNDS=2} override
 * the training counts and rounds). Writes {@code aot-fleet.json} and {@code .csv}.
 */
public final class AotFleetBench {
    private static final int FIRST = 10;
    private static final int STEADY = 50;
    private static final String KEY = "hv_bench-aot-fleet-admin-key-0123456789abcdef";
    private static final String EVENT = "{\"name\":\"bench\"}";

    private AotFleetBench() {
    }

    public static void main(String[] args) throws Exception {
        BenchArgs options = BenchArgs.parse(args);
        List<Integer> trainings = java.util.Arrays.stream(System.getenv().getOrDefault("TRAININGS",
                options.smoke() ? "10" : "10 100").trim().split("\\s+")).map(Integer::valueOf).toList();
        int rounds = Integer.parseInt(System.getenv().getOrDefault("ROUNDS", options.smoke() ? "1" : "2"));
        Path root = Path.of(System.getProperty("hotvisor.root", ".")).toAbsolutePath();
        Path work = Files.createTempDirectory("hv-bench-aot-fleet");
        Path jar = ((FunctionCode.JarFile) new BenchFunctions(work).wordCount(Language.JAVA).code()).jar();
        String archive = Base64.getEncoder().encodeToString(Files.readAllBytes(jar));
        List<Map<String, Object>> rows = new ArrayList<>();
        try (ClusterProcesses.Redis redis = ClusterProcesses.redis(work)) {
            for (int t : trainings) {
                for (int r = 1; r <= rounds; r++) {
                    round(root, work, redis.url(), "aotbench-t" + t + "-r" + r, t, r, archive, rows);
                }
            }
        } finally {
            SandboxCreationBench.deleteTree(work);
        }
        rows.forEach(System.out::println);
        Map<String, Object> header = Results.header("aot-fleet", "n/a (worker JVMs run plain HotSpot)",
                options.smoke(), "word count over a 50 KB text, isolation process, memoryMb 256; per round node 1"
                        + " trains the AOT cache on its first T invocations and shares it; then nodes fleet (--aot-share"
                        + " on), own (--aot-share off: its first worker trains) and none (AOT off) join and take"
                        + " invocations in turn; first_10_us = sum of the first 10 X-Hotvisor-Duration-Us;"
                        + " wall = client time incl. HTTP; steady = median of " + STEADY + " later invocations on the"
                        + " fleet node; all processes share one 2-core machine with other work", Map.of());
        System.out.println("Wrote " + Results.write(options.out(), "aot-fleet", header, rows));
    }

    private static void round(Path root, Path work, String redis, String cluster, int training, int round,
                              String archive, List<Map<String, Object>> rows) throws Exception {
        Path dir = work.resolve(cluster);
        // --criu off: this measures the AOT cache alone (CRIU snapshots, on by default where criu works, would
        // restore the joining node's workers instead).
        List<String> common = List.of("--redis", redis, "--cluster", cluster, "--aot-training-invocations",
                Integer.toString(training), "--criu", "off");
        JsonNode trained;
        try (ServerProcess n1 = node(root, dir, "node-1", common)) {
            ObjectNode body = Results.JSON.createObjectNode().put("language", "java")
                    .put("handler", "bench.WordCount::main").put("archive", archive).put("isolation", "process")
                    .put("memoryMb", 256);
            HttpResponse<String> d = n1.send("PUT", "/v1/functions/wc", body.toString());
            if (d.statusCode() != 201) {
                throw new IllegalStateException("Deploy failed: " + d.statusCode() + " " + d.body());
            }
            for (int i = 0; i < training; i++) {
                invoke(n1);
            }
            trained = awaitAot(n1, a -> a.path("shared").asBoolean());
            if (!trained.path("shared").asBoolean()) {
                throw new IllegalStateException("Node 1 did not share its cache: " + trained + "\n" + n1.tail());
            }
        }
        Map<String, ServerProcess> nodes = new LinkedHashMap<>();
        try {
            nodes.put("fleet", node(root, dir, "node-fleet", common));
            nodes.put("own", node(root, dir, "node-own", concat(common, "--aot-share", "off")));
            nodes.put("none", node(root, dir, "node-none", List.of("--redis", redis, "--cluster", cluster,
                    "--aot-training-invocations", "0")));
            Map<String, JsonNode> status = new LinkedHashMap<>();
            for (var e : nodes.entrySet()) {
                status.put(e.getKey(), awaitAot(e.getValue(), a -> !a.path("source").asText().isEmpty()));
            }
            Map<String, long[]> us = new LinkedHashMap<>();
            Map<String, long[]> wall = new LinkedHashMap<>();
            nodes.keySet().forEach(k -> {
                us.put(k, new long[FIRST]);
                wall.put(k, new long[FIRST]);
            });
            for (int i = 0; i < FIRST; i++) {
                for (var e : nodes.entrySet()) {
                    long t0 = System.nanoTime();
                    long d = invoke(e.getValue());
                    wall.get(e.getKey())[i] = (System.nanoTime() - t0) / 1000;
                    us.get(e.getKey())[i] = d;
                }
            }
            Samples steady = new Samples(STEADY);
            for (int i = 0; i < STEADY; i++) {
                steady.add(invoke(nodes.get("fleet")) * 1000);
            }
            double steadyUs = steady.percentileMs(50) * 1000;
            for (String mode : nodes.keySet()) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("training_invocations", training);
                row.put("round", round);
                row.put("mode", mode);
                row.put("aot_source", status.get(mode).path("source").asText());
                row.put("aot_used", status.get(mode).path("opened").asBoolean());
                row.put("cache_mb", Math.round(trained.path("bytes").asLong() / 1e5) / 10.0);
                row.put("first_call_us", us.get(mode)[0]);
                row.put("first_10_us", sum(us.get(mode)));
                row.put("first_10_wall_us", sum(wall.get(mode)));
                row.put("steady_median_us", Math.round(steadyUs));
                row.put("first_10_vs_fleet", Math.round(100.0 * sum(us.get(mode)) / sum(us.get("fleet"))) / 100.0);
                row.put("first_call_vs_steady", Math.round(100.0 * us.get(mode)[0] / steadyUs) / 100.0);
                row.put("per_call_us", java.util.Arrays.toString(us.get(mode)).replace(", ", " "));
                rows.add(row);
            }
        } finally {
            nodes.values().forEach(ServerProcess::close);
        }
    }

    private static ServerProcess node(Path root, Path dir, String id, List<String> options)
            throws IOException, InterruptedException {
        return ClusterProcesses.node(root, dir, id, options, KEY);
    }

    /** One invocation; its {@code X-Hotvisor-Duration-Us}. */
    private static long invoke(ServerProcess node) throws IOException, InterruptedException {
        HttpResponse<String> r = node.send("POST", "/v1/functions/wc/invoke", EVENT);
        if (r.statusCode() != 200 || !r.body().contains("\"words\"")) {
            throw new IllegalStateException(node + ": " + r.statusCode() + " " + r.body());
        }
        return Long.parseLong(r.headers().firstValue("X-Hotvisor-Duration-Us").orElseThrow());
    }

    private static JsonNode awaitAot(ServerProcess node, java.util.function.Predicate<JsonNode> done)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        JsonNode a = Results.JSON.createObjectNode();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = node.send("GET", "/v1/functions/wc", null);
            a = r.statusCode() == 200 ? Results.JSON.readTree(r.body()).path("aotCache") : a;
            if (done.test(a)) {
                return a;
            }
            Thread.sleep(200);
        }
        return a;
    }

    private static long sum(long[] values) {
        long s = 0;
        for (long v : values) {
            s += v;
        }
        return s;
    }

    private static List<String> concat(List<String> a, String... b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(List.of(b));
        return all;
    }
}
