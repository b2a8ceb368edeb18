package io.hotvisor.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.hotvisor.runtime.Criu;
import io.hotvisor.runtime.FunctionConfig;
import io.hotvisor.runtime.FunctionDefinition;
import io.hotvisor.runtime.FunctionRuntime;
import io.hotvisor.runtime.InvocationContext;
import io.hotvisor.runtime.Isolation;
import io.hotvisor.runtime.Language;
import io.hotvisor.runtime.LoadedFunction;
import io.hotvisor.runtime.RuntimeOptions;
import io.hotvisor.runtime.Sandbox;
import io.hotvisor.runtime.Ticker;

/**
 * Java functions in worker JVMs ({@code "isolation": "process"}) against in-node Java, on one function (the word
 * count of {@link BenchFunctions#wordCount}): for each mode, a new sandbox is made (for process: a worker JVM
 * started and ready) and timed, then its first call, its first 10 calls, and {@code steady} more calls.
 * Modes: in-node (a handler instance in the function's class loader), process without an AOT cache, process started
 * from the function's AOT cache (trained first on 10 invocations of a training worker, as a node does), and, where
 * CRIU works ({@code --criu auto}'s detection), process restored from a CRIU checkpoint of a worker that served 10
 * invocations after the AOT training (as a node does; "new sandbox" is then the restore). The modes
 * alternate worker by worker in one run, so a noisy machine disturbs them alike: compare ratios, not absolute
 * figures. Memory: RSS (and its anonymous part) of each worker JVM after its calls; for in-node, the node's heap
 * used per loaded function (20 functions loaded and called once, after GC).
 *
 * <p>Run: {@code bench/process.sh [--smoke] [--out DIR]}. Writes {@code process-isolation.json} and {@code .csv}.
 */
public final class ProcessIsolationBench {
    private static final int FIRST_CALLS = 10;

    private ProcessIsolationBench() {
    }

    public static void main(String[] args) throws Exception {
        BenchArgs options = BenchArgs.parse(args);
        int workers = options.smoke() ? 2 : 8;
        int steady = options.smoke() ? 20 : 300;
        Path work = Files.createTempDirectory("hv-bench-process");
        BenchFunctions functions = new BenchFunctions(work);
        FunctionDefinition inNode = functions.wordCount(Language.JAVA);
        FunctionDefinition process = new FunctionDefinition(inNode.config().toBuilder()
                .isolation(Isolation.PROCESS).build(), inNode.code(), 1);
        Path cacheDir = work.resolve("aot");
        List<Map<String, Object>> rows = new ArrayList<>();
        String runtimeName;
        try (FunctionRuntime plain = FunctionRuntime.create(RuntimeOptions.builder().aotTrainingInvocations(0)
                .aotCacheDir(work.resolve("no-aot")).build());
             FunctionRuntime cached = FunctionRuntime.create(RuntimeOptions.builder()
                     .aotTrainingInvocations(FIRST_CALLS).aotCacheDir(cacheDir).build());
             FunctionRuntime snapshots = FunctionRuntime.create(RuntimeOptions.builder()
                     .aotTrainingInvocations(FIRST_CALLS).aotCacheDir(work.resolve("criu").resolve("aot"))
                     .criu(Criu.detect(Criu.Mode.AUTO, System.getenv(), Path.of("").toAbsolutePath()))
                     .snapshotAfterInvocations(FIRST_CALLS).build())) {
            runtimeName = plain.truffleRuntimeName();
            LoadedFunction node = plain.load(inNode);
            LoadedFunction noAot = plain.load(process);
            LoadedFunction withAot = cached.load(process);
            noAot.newSandbox().close(); // the worker started at deploy: measured workers are all started alike
            try (Sandbox training = withAot.newSandbox()) {
                for (int i = 0; i < FIRST_CALLS; i++) {
                    invoke(training, "train-" + i);
                }
            }
            Path cache = awaitCache(cacheDir);
            System.out.println("AOT cache: " + cache + " (" + Files.size(cache) / (1024 * 1024) + " MB)");

            LoadedFunction restored = snapshots.load(process);
            List<Sandbox> sources = new ArrayList<>();
            String why = checkpoint(restored, sources);
            System.out.println(why.isEmpty() ? "CRIU snapshot taken" : "No CRIU mode: " + why);

            Map<String, Mode> modes = new LinkedHashMap<>();
            modes.put("in-node", new Mode(node, workers));
            modes.put("process-no-aot", new Mode(noAot, workers));
            modes.put("process-aot", new Mode(withAot, workers));
            if (why.isEmpty()) {
                modes.put("process-criu", new Mode(restored, workers));
            }
            for (int i = 0; i < workers; i++) {
                for (Mode m : modes.values()) {
                    m.measureOne(steady);
                }
            }
            long heapPerFunction = heapPerFunction(plain, inNode);
            modes.forEach((name, m) -> rows.add(m.row(name, name.equals("in-node") ? heapPerFunction : -1)));
            node.close();
            noAot.close();
            withAot.close();
            sources.forEach(Sandbox::close);
            restored.close();
        }
        try (Stream<Path> files = Files.walk(work)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        rows.forEach(System.out::println);
        Map<String, Object> header = Results.header("process-isolation", runtimeName, options.smoke(),
                "word count over a 50 KB text; new sandbox = in-node handler instance, or a worker JVM started until"
                        + " it loaded the function (process-criu: criu restore of a checkpointed hot worker until it"
                        + " reconnected); first_response = new sandbox + first call; first_10 = the first"
                        + " 10 calls of the new sandbox together; steady = median of " + steady + " calls after them;"
                        + " modes alternate worker by worker in one run on a shared, noisy machine: compare ratios;"
                        + " memory: worker RSS / RssAnon after its calls, in-node: heap used per loaded function",
                Map.of());
        System.out.println("Wrote " + Results.write(options.out(), "process-isolation", header, rows));
    }

    /**
     * Trains the AOT cache, then serves {@value #FIRST_CALLS} calls on the next worker until it is checkpointed;
     * empty, or why there is no snapshot.
     */
    private static String checkpoint(LoadedFunction f, List<Sandbox> sources) throws Exception {
        if (f.snapshot().orElseThrow().state() == io.hotvisor.runtime.SnapshotStatus.State.OFF) {
            return f.snapshot().orElseThrow().note();
        }
        try (Sandbox training = f.newSandbox()) {
            for (int i = 0; i < FIRST_CALLS; i++) {
                invoke(training, "train-" + i);
            }
        }
        for (int i = 0; i < 1200 && f.aotCache().orElseThrow().source() != io.hotvisor.runtime.AotCacheStatus.Source.TRAINED; i++) {
            Thread.sleep(100);
        }
        Sandbox source = f.newSandbox(); // kept open while the others are restored from it
        sources.add(source);
        for (int i = 0; i < FIRST_CALLS; i++) {
            invoke(source, "hot-" + i);
        }
        for (int i = 0; i < 600 && f.snapshot().orElseThrow().state() != io.hotvisor.runtime.SnapshotStatus.State.READY
                && f.snapshot().orElseThrow().state() != io.hotvisor.runtime.SnapshotStatus.State.FAILED; i++) {
            Thread.sleep(100);
        }
        var s = f.snapshot().orElseThrow();
        System.out.println("Snapshot: " + s);
        return s.state() == io.hotvisor.runtime.SnapshotStatus.State.READY ? "" : s.note();
    }

    /** The measurements of one mode. */
    private static final class Mode {
        final LoadedFunction function;
        final Samples start;
        final Samples firstCall;
        final Samples firstResponse;
        final Samples first10;
        final Samples steady;
        final List<Long> rssKb = new ArrayList<>();
        final List<Long> rssAnonKb = new ArrayList<>();

        Mode(LoadedFunction function, int n) {
            this.function = function;
            this.start = new Samples(n);
            this.firstCall = new Samples(n);
            this.firstResponse = new Samples(n);
            this.first10 = new Samples(n);
            this.steady = new Samples(n * 400);
        }

        void measureOne(int steadyCalls) {
            Set<Long> before = children();
            long t0 = System.nanoTime();
            try (Sandbox s = function.newSandbox()) {
                long made = System.nanoTime() - t0;
                Set<Long> worker = children();
                worker.removeAll(before);
                long first = 0;
                long ten = 0;
                for (int i = 0; i < FIRST_CALLS; i++) {
                    long took = invoke(s, "first-" + i);
                    if (i == 0) {
                        first = took;
                    }
                    ten += took;
                }
                for (int i = 0; i < steadyCalls; i++) {
                    steady.add(invoke(s, "steady-" + i));
                }
                start.add(made);
                firstCall.add(first);
                firstResponse.add(made + first);
                first10.add(ten);
                worker.forEach(pid -> {
                    rssKb.add(status(pid, "VmRSS:"));
                    rssAnonKb.add(status(pid, "RssAnon:"));
                });
            }
        }

        Map<String, Object> row(String name, long heapPerFunction) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("mode", name);
            r.put("sandboxes", start.size());
            r.put("new_sandbox_median_ms", Samples.round(start.medianMs()));
            r.put("first_call_median_ms", Samples.round(firstCall.medianMs()));
            r.put("first_response_median_ms", Samples.round(firstResponse.medianMs()));
            r.put("first_10_calls_median_ms", Samples.round(first10.medianMs()));
            r.put("steady_median_ms", Samples.round(steady.medianMs()));
            r.put("steady_p99_ms", Samples.round(steady.percentileMs(99)));
            r.put("worker_rss_median_mb", rssKb.isEmpty() ? "" : Samples.round(median(rssKb) / 1024.0));
            r.put("worker_rss_anon_median_mb", rssAnonKb.isEmpty() ? "" : Samples.round(median(rssAnonKb) / 1024.0));
            r.put("node_heap_per_function_kb", heapPerFunction < 0 ? "" : heapPerFunction / 1024);
            return r;
        }
    }

    private static long median(List<Long> values) {
        List<Long> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    /** The worker JVMs: children, or a restored worker under its criu. */
    private static Set<Long> children() {
        return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
                .filter(p -> p.info().command().filter(c -> c.endsWith("/java")).isPresent())
                .map(ProcessHandle::pid).collect(Collectors.toSet());
    }

    private static long status(long pid, String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.substring(key.length()).replace("kB", "").strip());
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }

    /** Heap used per loaded in-node Java function with one sandbox that ran once, after GC. */
    private static long heapPerFunction(FunctionRuntime runtime, FunctionDefinition base) {
        int n = 20;
        var memory = ManagementFactory.getMemoryMXBean();
        long before = usedAfterGc(memory);
        List<LoadedFunction> loaded = new ArrayList<>();
        List<Sandbox> sandboxes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            FunctionConfig c = base.config().toBuilder().build();
            LoadedFunction f = runtime.load(new FunctionDefinition(FunctionConfig.builder("wc-" + i, c.language(),
                    c.handler()).build(), base.code(), 1));
            Sandbox s = f.newSandbox();
            invoke(s, "heap-" + i);
            loaded.add(f);
            sandboxes.add(s);
        }
        long after = usedAfterGc(memory);
        sandboxes.forEach(Sandbox::close);
        loaded.forEach(LoadedFunction::close);
        return Math.max(0, (after - before) / n);
    }

    private static long usedAfterGc(java.lang.management.MemoryMXBean memory) {
        long min = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            min = Math.min(min, memory.getHeapMemoryUsage().getUsed());
        }
        return min;
    }

    private static Path awaitCache(Path dir) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.isDirectory(dir)) {
                try (Stream<Path> files = Files.list(dir)) {
                    var cache = files.filter(p -> p.getFileName().toString().endsWith(".aot")).findFirst();
                    if (cache.isPresent()) {
                        return cache.get();
                    }
                }
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("No AOT cache appeared in " + dir + " within 3 minutes");
    }

    /** One invocation; returns its duration in ns. */
    private static long invoke(Sandbox sandbox, String id) {
        Ticker ticker = Ticker.system();
        long start = ticker.read();
        InvocationContext context = new InvocationContext(id, "wordcount-java", 1, 256,
                start + Duration.ofSeconds(60).toNanos(), ticker);
        String result = sandbox.invoke(BenchFunctions.EVENT, context);
        long took = ticker.read() - start;
        if (result == null || !result.contains("distinct")) {
            throw new IllegalStateException("The word count returned " + result);
        }
        return took;
    }
}
