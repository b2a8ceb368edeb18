package io.hotvisor.bench;

import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Benchmark 2: replays a window of the Azure Functions 2019 trace against a Hotvisor node (every function in one JVM)
 * and against the baseline (one process per function instance, OpenWhisk's keep-alive), one side after the other,
 * and reports memory over time, latency, cold starts and rejected or dropped calls for both. See {@link TraceOptions}
 * for the window and scale, {@link TraceSchedule} for how the trace becomes calls.
 *
 * <p>Run: {@code bench/trace.sh --mode smoke|quick|full [options]} (the trace directory defaults to
 * {@code ../shared/traces/azure2019}). Results: {@code bench/results/trace-<mode>.{json,csv}},
 * {@code trace-<mode>-memory.{json,csv,png}}, {@code README-trace-<mode>.md}.
 */
public final class TraceBench {

    private TraceBench() {
    }

    public static void main(String[] args) {
        try {
            run(TraceOptions.parse(args));
        } catch (TraceException e) {
            System.err.println("trace: " + e.getMessage());
            System.exit(2);
        }
    }

    /** Runs the replay on the sides {@code o} names; returns the summary JSON file (not written by a dry run). */
    static Path run(TraceOptions o) {
        System.setProperty("java.awt.headless", "true");
        AzureTrace trace = AzureTrace.read(o.trace(), o.sampleSize());
        TraceSchedule schedule = TraceSchedule.create(trace, o);
        Map<String, Object> projection = schedule.projection();
        long peakMb = ((Number) projection.get("peak_live_function_mb")).longValue();
        int maxFunctionMb = schedule.functions().stream().mapToInt(TraceSchedule.Target::memoryMb).max().orElse(1);
        // The node's heap: the memory the calls hold at their projected peak, twice over (G1 needs free regions to
        // copy into, and the node refuses calls while the heap after GC is above 85 % full), plus 384 MB for the
        // node itself (HTTP server, registry, class loaders, GraalVM engines it creates on demand).
        int heapMb = o.nodeHeapMb() > 0 ? o.nodeHeapMb() : (int) Math.max(512, 2 * peakMb + 384);
        // A baseline instance must hold one call's allocation plus a JVM's own overhead: OpenWhisk's 256 MB, or more
        // (each function is deployed with the cap its own calls need; this is the default for the server).
        int capMb = TraceSide.instanceCapMb(maxFunctionMb);
        int minInstances = ((Number) projection.get("min_baseline_instances")).intValue();
        int maxInstances = o.baselineMaxInstances() > 0 ? o.baselineMaxInstances() : Math.max(8, 2 * minInstances);
        Path root = root();

        System.out.println("Trace replay, options: " + o.asMap());
        System.out.println("Window: minutes " + o.startMinute() + ".." + (o.startMinute() + o.minutes() - 1) + " of "
                + trace.directory().resolve(o.sampleSize() + "_inv.csv") + "; " + schedule.functions().size()
                + " functions, " + schedule.invocations().size() + " calls; projection " + projection);
        System.out.println("Node heap -Xmx" + heapMb + "m (2 x projected peak live " + peakMb + " MB + 384 MB);"
                + " baseline instance memory cap up to " + capMb + " MB (largest call " + maxFunctionMb + " MB), at most "
                + maxInstances + " instances (2 x the projected minimum of " + minInstances + ")");

        long available = MemorySampler.kb(ProcessHandle.current().pid(), "../meminfo", "MemAvailable:") / 1024;
        long estimate = ((Number) projection.get("baseline_estimate_mb")).longValue();
        if (o.runs("baseline") && estimate > available * 0.6) {
            System.out.println("WARNING: the baseline may need about " + estimate + " MB; " + available
                    + " MB are available now: lower --memory-scale or --invocation-scale");
        }
        if (o.dryRun()) {
            return o.out().resolve("trace-" + o.mode() + ".json");
        }
        Map<String, Object> header = Results.header("trace-" + o.mode(), "see the node log line 'Truffle:'",
                o.mode().equals("smoke"), "Azure Functions 2019 trace replay; Hotvisor = one node, baseline = one"
                        + " process per function instance; memory = sum of RSS over each side's process tree from"
                        + " /proc, sampled every second; latency from the actual send to the answer",
                new LinkedHashMap<>());
        header.put("options", o.asMap());
        header.put("projection", projection);
        header.put("node_heap_mb", heapMb);
        header.put("baseline_memory_cap_mb", capMb);
        header.put("baseline_max_instances", maxInstances);
        header.put("memory_split", "an app's AverageAllocatedMb is split equally among its functions in "
                + o.sampleSize() + "_inv.csv");

        List<Map<String, Object>> rows = new ArrayList<>();
        List<Map<String, Object>> memoryRows = new ArrayList<>();
        Map<String, String> skipped = new LinkedHashMap<>();
        Path work;
        try {
            work = Files.createTempDirectory("hotvisor-trace-");
        } catch (IOException e) {
            throw new TraceException("Could not create a temporary directory: " + e.getMessage(), e);
        }
        String jar = TraceFunction.jarBase64(work.resolve("function"));
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(executor).build();
            for (String sideName : List.of("hotvisor", "baseline")) {
                if (!o.runs(sideName)) {
                    continue;
                }
                Path sideWork = work.resolve(sideName);
                try (TraceSide side = sideName.equals("hotvisor")
                        ? TraceSide.hotvisor(root, sideWork, o, heapMb, http)
                        : TraceSide.baseline(root, sideWork, o, capMb, maxInstances, http)) {
                    // Ctrl-C or SIGTERM must not leave the side's processes behind.
                    Thread hook = new Thread(side::close, "trace-side-stopper");
                    Runtime.getRuntime().addShutdownHook(hook);
                    rows.add(replay(side, schedule, o, jar, http, memoryRows));
                    String truffle = side.logTail().lines().filter(l -> l.contains("Truffle:")).findFirst().orElse("");
                    if (!truffle.isEmpty()) {
                        header.put("truffle_runtime", truffle.substring(truffle.indexOf("Truffle:")));
                    }
                    header.put(sideName + "_command", side.command());
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (TraceException e) {
                    if (!o.side().equals("both")) {
                        throw e;
                    }
                    skipped.put(sideName, e.getMessage());
                    System.err.println("trace: " + sideName + " skipped: " + e.getMessage());
                }
            }
        }
        header.put("skipped", skipped);
        if (rows.isEmpty()) {
            throw new TraceException("No side could be measured: " + skipped);
        }
        header.put("machine", Results.machine());
        Path json = Results.write(o.out(), "trace-" + o.mode(), header, rows);
        Results.write(o.out(), "trace-" + o.mode() + "-memory", Map.of("benchmark", "trace-" + o.mode() + "-memory",
                "units", "MiB; seconds since the replay started"), memoryRows);
        TraceReport.write(o.out(), o.mode(), header, rows, memoryRows);
        try {
            SandboxCreationBench.deleteTree(work);
        } catch (IOException e) {
            System.err.println("trace: could not delete " + work + ": " + e);
        }
        System.out.println("Wrote " + json);
        return json;
    }

    private static Map<String, Object> replay(TraceSide side, TraceSchedule schedule, TraceOptions o, String jar,
                                              HttpClient http, List<Map<String, Object>> memoryRows) {
        System.out.println(side.name() + ": up on " + side.url() + "; deploying " + schedule.functions().size()
                + " functions");
        for (TraceSchedule.Target t : schedule.functions()) {
            // Generous timeouts: the baseline counts an instance's start in them, and on 2 busy cores a JVM's start
            // took over a minute; a call only sleeps its duration, so a long timeout changes nothing for the node.
            side.deploy(t.name(), jar, t.memoryMb(), Math.min(900_000, 2 * t.durationMs() + 120_000),
                    Math.min(256, Math.max(4, 2 * schedule.peakConcurrency(t))));
        }
        long coldBefore = side.coldStarts();
        long start = System.nanoTime() + 1_000_000_000L;
        List<TraceReplay.Call> calls;
        List<MemorySampler.Sample> memory;
        long endSeconds;
        try (MemorySampler sampler = MemorySampler.start(side, start)) {
            System.out.println(side.name() + ": replaying " + schedule.invocations().size() + " calls over "
                    + schedule.windowNanos(o) / 1e9 + " s");
            calls = TraceReplay.run(side, schedule, o, start, http);
            endSeconds = (System.nanoTime() - start) / 1_000_000_000L + 1;
            memory = sampler.samples();
        }
        if (!side.alive()) {
            System.err.println(side.name() + " died during the replay; end of its log:\n" + side.logTail());
        }
        long cold = side.alive() ? side.coldStarts() - coldBefore : -1;
        Map<String, Object> row = TraceReplay.summary(side.name(), calls, cold, endSeconds, memory);
        row.put("replay_seconds", endSeconds);
        for (MemorySampler.Sample s : memory) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("side", side.name());
            m.put("seconds", Math.round(s.seconds() * 10) / 10.0);
            m.put("rss_mb", Math.round(s.rssMb() * 10) / 10.0);
            m.put("instances_rss_mb", Math.round(s.instanceRssMb() * 10) / 10.0);
            m.put("front_rss_mb", Math.round((s.rssMb() - s.instanceRssMb()) * 10) / 10.0);
            m.put("pss_mb", Math.round(s.pssMb() * 10) / 10.0);
            m.put("processes", s.processes());
            memoryRows.add(m);
        }
        System.out.println(side.name() + ": " + row);
        return row;
    }

    /** The repository root: {@code -Dhotvisor.root}, else the first directory up from here holding bin/hotvisor. */
    static Path root() {
        String property = System.getProperty("hotvisor.root", "");
        Path dir = property.isBlank() ? Path.of("").toAbsolutePath() : Path.of(property).toAbsolutePath().normalize();
        for (Path d = dir; d != null; d = d.getParent()) {
            if (Files.isExecutable(d.resolve("bin/hotvisor"))) {
                return d;
            }
        }
        throw new TraceException("No bin/hotvisor in " + dir + " or above: run from the repository or set"
                + " -Dhotvisor.root");
    }
}
