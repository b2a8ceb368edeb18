package io.hotvisor.bench;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Benchmark 1 of the Graalvisor paper, density: throughput per GB of memory of the same functions on a Hotvisor node
 * and on the one-process-per-instance {@link BaselineServer} (OpenWhisk's model), per function and language, at a
 * fixed number of closed-loop wrk connections. Memory is the RSS from /proc sampled every 200 ms during the measured
 * run (peak kept): for Hotvisor the node JVM's; for the baseline the sum over its instance processes, reported both
 * with and without its front server (OpenWhisk's controller and invoker are not per instance either). Also the time
 * of the first request after deploy (a cold start on the baseline). Every answer is checked before and after load.
 *
 * <p>The node runs with {@code HOTVISOR_JAVA_OPTS=-Xmx<nodeHeap>} (1g unless {@code --node-heap}): the node's
 * default heap is a quarter of the machine's memory, and a JVM grows its heap towards it under allocation, so its RSS
 * would measure the heap ceiling rather than what the functions need. Its Java jar scan is {@code --java-scan warn}
 * (libraries that read files or use reflection must load on both sides).
 *
 * <p>Run: {@code bench/density.sh [--smoke|--quick|--full]} (builds, then runs this and {@link DensityReport}).
 * Writes {@code density.json}, {@code density.csv}, {@code density.png} and {@code README-density.md}.
 */
public final class DensityBench {

    /** Options; see {@link #parse}. */
    record Args(String mode, Path out, List<String> functions, List<String> languages, List<Integer> connections,
                int warmupSeconds, int seconds, String nodeHeap, int warmupCalls) {
    }

    static final String USAGE = "known: --smoke, --quick, --full, --out DIR, --functions a,b, --languages"
            + " js,python,java, --connections 1,4, --node-heap 1g, --warmup-calls N";

    /** Latencies compared by {@link #steady}: the last WINDOW calls against the WINDOW before them. */
    static final int WINDOW = 10;
    /** Steady when the median of the last window is within this factor of the median of the window before. */
    static final double STEADY_FACTOR = 1.2;

    private DensityBench() {
    }

    /** {@code --smoke|--quick|--full} (default quick), {@code --out DIR}, {@code --functions a,b|all} (default: hello in smoke mode, else all),
     * {@code --languages js,python,java}, {@code --connections 1,4}, {@code --node-heap 1g}. */
    static Args parse(String... args) {
        String mode = "quick";
        Path out = Path.of("bench", "results");
        List<String> functions = null;
        List<String> languages = List.of("js", "python", "java");
        List<Integer> connections = null;
        String heap = "1g";
        Integer warmupCalls = null;
        for (int i = 0; i < args.length; i++) {
            String option = args[i];
            switch (option) {
                case "--smoke", "--quick", "--full" -> mode = option.substring(2);
                case "--out" -> out = Path.of(PresetArgs.value(args, ++i, option, USAGE));
                case "--functions" -> {
                    String v = PresetArgs.value(args, ++i, option, USAGE);
                    functions = v.equals("all") ? DensityFunctions.KINDS : List.of(v.split(","));
                }
                case "--languages" -> languages = List.of(PresetArgs.value(args, ++i, option, USAGE).split(","));
                case "--connections" -> connections = java.util.Arrays.stream(PresetArgs.value(args, ++i, option,
                        USAGE).split(",")).map(c -> PresetArgs.positive(option, c.strip())).toList();
                case "--node-heap" -> heap = PresetArgs.value(args, ++i, option, USAGE);
                case "--warmup-calls" -> warmupCalls = PresetArgs.whole(option, PresetArgs.value(args, ++i, option,
                        USAGE), 0, Integer.MAX_VALUE);
                default -> throw new IllegalArgumentException("Unknown option '" + option + "'; " + USAGE);
            }
        }
        if (functions == null) {
            functions = mode.equals("smoke") ? List.of("hello") : DensityFunctions.KINDS;
        }
        return switch (mode) {
            // Smoke: 3 s measured, as a loaded CI machine once finished no Python call within 1 s (0 requests).
            case "smoke" -> new Args(mode, out, functions, languages, connections == null ? List.of(2) : connections,
                    1, 3, heap, warmupCalls == null ? 0 : warmupCalls);
            case "full" -> new Args(mode, out, functions, languages, connections == null ? List.of(1, 4, 8, 16)
                    : connections, 10, 20, heap, warmupCalls == null ? 400 : warmupCalls);
            default -> new Args(mode, out, functions, languages, connections == null ? List.of(4) : connections,
                    3, 5, heap, warmupCalls == null ? 0 : warmupCalls);
        };
    }

    public static void main(String[] args) throws Exception {
        Path json = run(PresetArgs.orExit("DensityBench", () -> parse(args)));
        System.out.println("Wrote " + json);
        DensityReport.write(json.getParent());
    }

    static Path run(Args a) throws IOException, InterruptedException {
        Path root = Path.of(System.getProperty("hotvisor.root", ".")).toAbsolutePath().normalize();
        String buildDir = System.getProperty("hotvisor.build.dir",
                System.getenv().getOrDefault("HOTVISOR_BUILD_DIR", "target"));
        Path tmp = Files.createTempDirectory("hotvisor-density-");
        String key = "bench-" + UUID.randomUUID();
        List<DensityFunctions> functions = DensityFunctions.all(root, buildDir, a.functions(), a.languages());
        Map<String, String> env = Map.of("HOTVISOR_ADMIN_KEY", key, "HOTVISOR_BUILD_DIR", buildDir,
                "HOTVISOR_JAVA_OPTS", "-Xmx" + a.nodeHeap());
        List<Map<String, Object>> rows = new ArrayList<>();
        Map<String, String> failures = new LinkedHashMap<>();
        Map<String, Object> idle = new LinkedHashMap<>();
        boolean java = functions.stream().anyMatch(f -> f.language().equals("java"));
        String bl = root.resolve("bench/baseline.sh").toString();
        try (ServerProcess node = ServerProcess.start("node", List.of(root.resolve("bin/hotvisor").toString(), "node",
                     "--data-dir", tmp.resolve("data").toString(), "--java-scan", "warn"), env, tmp, key);
             ServerProcess baseline = ServerProcess.start("baseline", List.of(bl, "--work-dir",
                     tmp.resolve("baseline").toString()), env, tmp, key);
             ServerProcess baselineAot = java ? ServerProcess.start("baseline-aot", List.of(bl, "--aot", "--work-dir",
                     tmp.resolve("baseline-aot").toString()), env, tmp, key) : null) {
            idle.put("truffle", node.logFrom("Truffle: "));
            idle.put("node_rss_idle_mb", mb(ProcMemory.rssBytes(node.pid()).orElse(0)));
            idle.put("baseline_front_rss_idle_mb", mb(ProcMemory.rssBytes(baseline.pid()).orElse(0)));
            for (DensityFunctions f : functions) {
                List<ServerProcess> sides = new ArrayList<>(List.of(node, baseline));
                if (f.language().equals("java") && baselineAot != null) {
                    sides.add(baselineAot);
                }
                for (ServerProcess side : sides) {
                    String label = side == node ? "hotvisor" : side == baseline ? "baseline" : "baseline-aot";
                    try {
                        rows.addAll(measure(a, f, side, label, side == node, tmp));
                    } catch (RuntimeException | IOException e) {
                        failures.put(f.name() + "@" + label, e.getMessage());
                        System.err.println("FAILED " + f.name() + " on " + label + ": " + e.getMessage());
                        if (!side.alive()) {
                            throw new IllegalStateException("The " + label + " died; its log:\n" + side.tail(), e);
                        }
                    }
                }
            }
        } finally {
            SandboxCreationBench.deleteTree(tmp);
        }
        String notes = "ops/s per GB = wrk throughput / peak RSS (GB) during the measured run; Hotvisor = the node JVM"
                + " (-Xmx" + a.nodeHeap() + ", --java-scan warn); baseline = the sum over instance processes, with"
                + " and without the front server; each function deleted after its runs; one node for all functions,"
                + " in order, so the node's RSS includes the engines of earlier languages; wrk on the same machine";
        Map<String, Object> header = Results.header("density", String.valueOf(idle.get("truffle")), a.mode().equals("smoke"), notes, failures);
        header.put("mode", a.mode());
        header.put("warmup_s", a.warmupSeconds());
        header.put("warmup_calls_max", a.warmupCalls());
        header.put("seconds", a.seconds());
        header.putAll(idle);
        return Results.write(a.out(), "density", header, rows);
    }

    private static List<Map<String, Object>> measure(Args a, DensityFunctions f, ServerProcess side, String label,
                                                     boolean hotvisor, Path tmp) throws IOException, InterruptedException {
        HttpResponse<String> put = side.send("PUT", "/v1/functions/" + f.name(), f.deploy());
        if (put.statusCode() / 100 != 2) {
            throw new IllegalStateException("Deploying " + f.name() + " gave HTTP " + put.statusCode() + ": " + put.body());
        }
        String invoke = "/v1/functions/" + f.name() + "/invoke";
        long t0 = System.nanoTime();
        HttpResponse<String> first = side.send("POST", invoke, f.event());
        double firstMs = (System.nanoTime() - t0) / 1e6;
        check(f, label, first);
        t0 = System.nanoTime();
        check(f, label, side.send("POST", invoke, f.event()));
        double secondMs = (System.nanoTime() - t0) / 1e6;
        // Sequential calls until the latency stops falling (the guest code is compiled), at most warmupCalls: wrk's
        // timed warm-up alone measured GraalJS/GraalPy's interpreter (bench/results/notes-js-speed.md).
        List<Double> warm = new ArrayList<>();
        while (warm.size() < a.warmupCalls() && !steady(warm)) {
            long w0 = System.nanoTime();
            check(f, label, side.send("POST", invoke, f.event()));
            warm.add((System.nanoTime() - w0) / 1e6);
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int c : a.connections()) {
            Wrk.run(side.url.resolve(invoke), f.event(), keyOf(side), c, a.warmupSeconds(), tmp);
            Sampler sampler = new Sampler(side, hotvisor);
            Thread t = Thread.ofVirtual().start(sampler);
            Wrk w;
            try {
                w = Wrk.run(side.url.resolve(invoke), f.event(), keyOf(side), c, a.seconds(), tmp);
            } finally {
                sampler.stop.set(true);
                t.join();
            }
            check(f, label, side.send("POST", invoke, f.event()));
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("function", f.kind());
            row.put("language", f.language());
            row.put("side", label);
            row.put("connections", c);
            row.put("requests", w.requests());
            row.put("rps", w.rps());
            row.put("p50_ms", w.p50Ms());
            row.put("p99_ms", w.p99Ms());
            row.put("errors", w.errors());
            row.put("rss_peak_mb", mb(sampler.peak));
            row.put("front_rss_mb", hotvisor ? 0.0 : mb(sampler.frontAtPeak));
            row.put("instances_peak", hotvisor ? 1 : sampler.instancesPeak);
            row.put("first_request_ms", Samples.round(firstMs));
            row.put("second_request_ms", Samples.round(secondMs));
            row.put("warmup_calls", warm.size());
            row.put("warmup_steady", steady(warm));
            row.put("ops_per_gb", perGb(w.rps(), sampler.peak));
            row.put("ops_per_gb_without_front", perGb(w.rps(), sampler.peak - (hotvisor ? 0 : sampler.frontAtPeak)));
            System.out.printf("%-16s %-13s c=%-3d %8.1f req/s  RSS %7.1f MB (front %5.1f, instances %d)  first %.1f ms%n",
                    f.name(), label, c, w.rps(), mb(sampler.peak), (Double) row.get("front_rss_mb"),
                    (Integer) row.get("instances_peak"), firstMs);
            rows.add(row);
        }
        side.send("DELETE", "/v1/functions/" + f.name(), null);
        return rows;
    }

    /**
     * Whether sequential latencies have converged: the median of the last {@link #WINDOW} calls is within
     * {@link #STEADY_FACTOR} of the median of the {@link #WINDOW} before them.
     */
    static boolean steady(List<Double> latenciesMs) {
        int n = latenciesMs.size();
        if (n < 2 * WINDOW) {
            return false;
        }
        double last = median(latenciesMs.subList(n - WINDOW, n));
        double before = median(latenciesMs.subList(n - 2 * WINDOW, n - WINDOW));
        return last <= before * STEADY_FACTOR && before <= last * STEADY_FACTOR;
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    private static void check(DensityFunctions f, String label, HttpResponse<String> r) {
        if (r.statusCode() != 200 || !f.check().test(r.body())) {
            throw new IllegalStateException(f.name() + " on " + label + " answered HTTP " + r.statusCode() + ": "
                    + (r.body().length() > 300 ? r.body().substring(0, 300) + "..." : r.body()));
        }
    }

    private static String keyOf(ServerProcess side) {
        return side.key();
    }

    /** Peak RSS while wrk runs: the node JVM's, or the baseline's total and its front server's share at that peak. */
    private static final class Sampler implements Runnable {
        final AtomicBoolean stop = new AtomicBoolean();
        final ServerProcess side;
        final boolean hotvisor;
        volatile long peak;
        volatile long frontAtPeak;
        volatile int instancesPeak;

        Sampler(ServerProcess side, boolean hotvisor) {
            this.side = side;
            this.hotvisor = hotvisor;
        }

        @Override
        public void run() {
            do {
                try {
                    if (hotvisor) {
                        peak = Math.max(peak, ProcMemory.rssBytes(side.pid()).orElse(0));
                    } else {
                        JsonNode s = Results.JSON.readTree(side.send("GET", "/v1/baseline/stats", null).body());
                        long total = s.get("rssBytes").asLong();
                        instancesPeak = Math.max(instancesPeak, s.get("instances").asInt());
                        if (total > peak) {
                            peak = total;
                            frontAtPeak = s.get("serverRssBytes").asLong();
                        }
                    }
                    Thread.sleep(200);
                } catch (IOException e) {
                    return;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            } while (!stop.get());
        }
    }

    private static double mb(long bytes) {
        return Math.round(bytes / 1048576.0 * 10) / 10.0;
    }

    private static double perGb(double rps, long bytes) {
        return bytes <= 0 ? 0 : Math.round(rps / (bytes / 1073741824.0) * 10) / 10.0;
    }
}
