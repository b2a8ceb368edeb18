package io.hotvisor.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.core.type.TypeReference;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

import io.hotvisor.bench.FirstCallBench.Timing;
import io.hotvisor.runtime.FunctionCode;
import io.hotvisor.runtime.FunctionConfig;
import io.hotvisor.runtime.FunctionDefinition;
import io.hotvisor.runtime.FunctionRuntime;
import io.hotvisor.runtime.Language;
import io.hotvisor.runtime.LoadedFunction;
import io.hotvisor.runtime.RuntimeOptions;
import io.hotvisor.runtime.Sandbox;

/**
 * What another Python function's deploy costs a hot one on the same GraalPy engine, with the engine primed
 * ({@link RuntimeOptions#pythonEnginePrime()} contexts made and closed when it starts) and without. One JVM per run:
 * the runtime is created with {@code --prime N} (its creation, priming included, is timed, in wall and process CPU
 * time), the hot-start benchmark's Python JSON transform is loaded and called {@link #HOT} times in one sandbox (the
 * median of the last 100 is its steady state), then a two-line hello world is loaded and called once, as a deploy
 * does, then unloaded (its sandbox closed and, on an engine of its own, that engine), and the JSON transform's next
 * {@link #AFTER} calls are timed; then the same with the word count ({@link BenchFunctions#wordCount}) as the
 * neighbour. On a node the neighbour would stay and take calls of its own, which the bench leaves out. What loading each neighbour (its sandbox still open) adds to
 * the heap in use after a full GC is recorded too (not the RSS, which the full GC shrinks): an engine of its own
 * ({@code --own-engines}, {@link RuntimeOptions#enginePerFunction()}) costs more than a context on the shared one.
 *
 * <p>Run: {@code bench/python-engine-prime.sh} (runs alternating unprimed and primed JVMs, then the report), or one
 * run: {@code bench/python-engine-prime.sh run --prime 7 --run 1 [--engine-option KEY=VALUE --variant NAME]
 * [--out DIR]} (engine options, e.g. GraalPy's inline cache depths, are set on the runtime's engines; the variant
 * names the run's files and its series, {@code p<N>} by default); the report alone:
 * {@code bench/python-engine-prime.sh report [--out DIR]}. Writes {@code python-engine-prime-<variant>-r<K>.json} per
 * run and {@code python-engine-prime.{json,csv,png}} and {@code README-python-engine-prime.md} from the report.
 */
public final class EnginePrimeBench {
    /** Calls that make the JSON transform hot; the last 100 give its steady state. */
    static final int HOT = 400;
    /** Calls of the hot function timed after each neighbour's load. */
    static final int AFTER = 200;
    /** The first calls after a neighbour's load, whose mean ratio the report shows. */
    static final int FIRST = 20;
    static final String NAME = "python-engine-prime";
    private static final String USAGE = "usage: run --prime N --run K [--engine-option KEY=VALUE]... [--own-engines]"
            + " [--variant NAME] [--out DIR], or report [--out DIR]";
    private static final String HELLO = "def handler(event, context):\n    return {'regions': event.get('name')}\n";

    private EnginePrimeBench() {
    }

    record Args(String mode, int prime, int run, Map<String, String> engineOptions, boolean ownEngines, String variant,
                Path out) {
    }

    static Args parse(String... args) {
        String mode = args.length > 0 ? args[0] : "";
        if (!mode.equals("run") && !mode.equals("report")) {
            throw new IllegalArgumentException("Unknown mode '" + mode + "'; " + USAGE);
        }
        int prime = -1;
        int run = 1;
        Map<String, String> engineOptions = new java.util.TreeMap<>();
        String variant = null;
        boolean ownEngines = false;
        Path out = Path.of("bench", "results");
        for (int i = 1; i < args.length; i++) {
            String option = args[i];
            switch (option) {
                case "--out" -> out = Path.of(PresetArgs.value(args, ++i, option, USAGE));
                case "--prime" -> prime = PresetArgs.whole(option, PresetArgs.value(args, ++i, option, USAGE), 0, 100);
                case "--run" -> run = PresetArgs.positive(option, PresetArgs.value(args, ++i, option, USAGE));
                case "--variant" -> {
                    variant = PresetArgs.value(args, ++i, option, USAGE);
                    if (!variant.matches("[a-z0-9.]+(-[a-z0-9.]+)*")) {
                        throw new IllegalArgumentException("--variant must be lower-case letters, digits, dots and"
                                + " single dashes; got '" + variant + "'");
                    }
                }
                case "--own-engines" -> ownEngines = true;
                case "--engine-option" -> {
                    String kv = PresetArgs.value(args, ++i, option, USAGE);
                    int eq = kv.indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException("--engine-option must be KEY=VALUE; got '" + kv + "'");
                    }
                    engineOptions.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
                default -> throw new IllegalArgumentException("Unknown option '" + option + "'; " + USAGE);
            }
        }
        if (mode.equals("run") && prime < 0) {
            throw new IllegalArgumentException("run needs --prime N (0 for an unprimed engine); " + USAGE);
        }
        if ((!engineOptions.isEmpty() || ownEngines) && variant == null) {
            throw new IllegalArgumentException("--engine-option and --own-engines need --variant NAME, which names the"
                    + " run's files");
        }
        return new Args(mode, prime, run, engineOptions, ownEngines, variant == null ? "p" + prime : variant, out);
    }

    public static void main(String[] args) throws IOException {
        Args a = PresetArgs.orExit("EnginePrimeBench", () -> parse(args));
        System.out.println("Wrote " + (a.mode().equals("report") ? report(a.out()) : run(a)));
    }

    static Path run(Args a) throws IOException {
        Path work = Files.createTempDirectory("hotvisor-bench-");
        Path root = Path.of(System.getProperty("hotvisor.root", ".")).toAbsolutePath().normalize();
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        RuntimeOptions.Builder options = RuntimeOptions.builder().pythonEnginePrime(a.prime());
        a.engineOptions().forEach(options::engineOption);
        if (a.ownEngines()) {
            options.enginePerFunction(java.util.Set.of(Language.PYTHON));
        }
        try (FunctionRuntime runtime = FunctionRuntime.create(options.build())) {
            BenchFunctions functions = new BenchFunctions(work);
            long cpu0 = os.getProcessCpuTime();
            long start = System.nanoTime();
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("variant", a.variant());
            row.put("prime", a.prime());
            row.put("engine_options", a.engineOptions().toString());
            row.put("engine_per_function", a.ownEngines());
            row.put("run", a.run());
            try (LoadedFunction hot = runtime.load(functions.jsonTransform(Language.PYTHON, root));
                 Sandbox serving = hot.newSandbox()) {
                row.put("first_load_wall_ms", (System.nanoTime() - start) / 1_000_000);
                row.put("first_load_process_cpu_ms", (os.getProcessCpuTime() - cpu0) / 1_000_000);
                String name = hot.definition().name();
                Samples cpu = new Samples(100);
                Samples wall = new Samples(100);
                for (int i = 0; i < HOT; i++) {
                    Timing t = FirstCallBench.timed(serving, name, i, "regions");
                    if (i >= HOT - 100) {
                        cpu.add(t.cpuNanos());
                        wall.add(t.wallNanos());
                    }
                }
                row.put("steady_cpu_ms", Samples.round(cpu.medianMs()));
                row.put("steady_wall_ms", Samples.round(wall.medianMs()));
                Map<String, Object> series = new LinkedHashMap<>();
                neighbour(runtime, new FunctionDefinition(FunctionConfig.builder("hello", Language.PYTHON,
                        "main.handler").build(), new FunctionCode.SourceText(HELLO), 1), "hello", serving, name,
                        cpu.medianMs(), wall.medianMs(), row, series);
                neighbour(runtime, functions.wordCount(Language.PYTHON), "wordcount", serving, name, cpu.medianMs(),
                        wall.medianMs(), row, series);
                row.put("series_wall_ms", series);
            }
            String notes = "Python JSON transform hot in one sandbox (" + HOT + " calls; steady = median of the last"
                    + " 100), then a neighbour loaded and called once, then its next " + AFTER + " calls; the engine"
                    + " primed with " + a.prime() + " contexts at its start";
            Map<String, Object> header = Results.header(NAME, runtime.truffleRuntimeName(), false, notes, Map.of());
            return Results.write(a.out(), NAME + "-" + a.variant() + "-r" + a.run(), header, List.of(row));
        } finally {
            SandboxCreationBench.deleteTree(work);
        }
    }

    /** Loads {@code neighbour}, calls it once, then times {@link #AFTER} calls of the hot function. */
    private static void neighbour(FunctionRuntime runtime, FunctionDefinition neighbour, String label, Sandbox hot,
                                  String hotName, double steadyCpuMs, double steadyWallMs, Map<String, Object> row,
                                  Map<String, Object> series) {
        long heapBefore = heapUsedAfterGc();
        try (LoadedFunction other = runtime.load(neighbour); Sandbox sandbox = other.newSandbox()) {
            FirstCallBench.timed(sandbox, other.definition().name(), 0,
                    label.equals("hello") ? "regions" : "distinct");
            row.put(label + "_load_heap_mb", (heapUsedAfterGc() - heapBefore) >> 20);
        }
        List<Double> wallMs = new ArrayList<>();
        double cpuSum = 0;
        double wallSum = 0;
        double firstWall = 0;
        double firstCpu = 0;
        for (int i = 0; i < AFTER; i++) {
            Timing t = FirstCallBench.timed(hot, hotName, HOT + i, "regions");
            double w = t.wallNanos() / 1e6;
            double c = t.cpuNanos() / 1e6;
            wallMs.add(Samples.round(w));
            wallSum += w;
            cpuSum += c;
            if (i < FIRST) {
                firstWall += w;
                firstCpu += c;
            }
        }
        row.put(label + "_first" + FIRST + "_cpu_ratio", ratio(firstCpu / FIRST, steadyCpuMs));
        row.put(label + "_first" + FIRST + "_wall_ratio", ratio(firstWall / FIRST, steadyWallMs));
        row.put(label + "_after" + AFTER + "_cpu_ratio", ratio(cpuSum / AFTER, steadyCpuMs));
        row.put(label + "_after" + AFTER + "_wall_ratio", ratio(wallSum / AFTER, steadyWallMs));
        row.put(label + "_extra_cpu_ms", Math.round(cpuSum - AFTER * steadyCpuMs));
        row.put(label + "_extra_wall_ms", Math.round(wallSum - AFTER * steadyWallMs));
        series.put(label, wallMs);
        System.out.printf("after %s: first %d calls %.2fx cpu, %.2fx wall; %d calls %.2fx cpu, %.2fx wall%n", label,
                FIRST, firstCpu / FIRST / steadyCpuMs, firstWall / FIRST / steadyWallMs, AFTER,
                cpuSum / AFTER / steadyCpuMs, wallSum / AFTER / steadyWallMs);
    }

    /** The heap in use after a full collection (System.gc, G1 by default). */
    private static long heapUsedAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static double ratio(double ms, double steadyMs) {
        return Math.round(ms / steadyMs * 100.0) / 100.0;
    }

    /** Gathers every run's row into {@code python-engine-prime.{json,csv}}, draws the chart, writes the README. */
    static Path report(Path out) throws IOException {
        List<Map<String, Object>> rows = new ArrayList<>();
        Map<String, Object> firstHeader = null;
        try (Stream<Path> files = Files.list(out)) {
            for (Path f : files.filter(p -> p.getFileName().toString().matches(NAME + "-[a-z0-9.-]+-r\\d+\\.json"))
                    .sorted().toList()) {
                Map<String, Object> doc = Results.JSON.readValue(f.toFile(), new TypeReference<>() { });
                if (firstHeader == null) {
                    firstHeader = doc;
                }
                @SuppressWarnings("unchecked")
                List<Map<String, Object>> fileRows = (List<Map<String, Object>>) doc.get("rows");
                rows.addAll(fileRows);
            }
        }
        if (rows.isEmpty()) {
            throw new IllegalStateException("No " + NAME + "-<variant>-r<K>.json in " + out
                    + ": run the benchmark first");
        }
        rows.sort((x, y) -> x.get("run").toString().equals(y.get("run").toString())
                ? variant(x).compareTo(variant(y))
                : Integer.compare((Integer) x.get("run"), (Integer) y.get("run")));
        chart(out, rows);
        List<Map<String, Object>> table = rows.stream().map(r -> {
            Map<String, Object> t = new LinkedHashMap<>(r);
            t.remove("series_wall_ms");
            return t;
        }).toList();
        Map<String, Object> header = Results.header(NAME, String.valueOf(firstHeader.get("truffle_runtime")), false,
                "one row per run (JVM); ratios against the run's own steady state", Map.of());
        Path json = Results.write(out, NAME, header, table);
        StringBuilder md = new StringBuilder(
                "# Priming the GraalPy engine: another function's deploy and a hot one\n\n");
        md.append("- command: `").append(header.get("command")).append("`\n");
        md.append("- date: ").append(header.get("date")).append("; machine: ").append(header.get("machine"))
                .append('\n');
        md.append("- ").append(firstHeader.get("notes").toString().replaceAll("primed with \\d+ contexts",
                "primed with `prime` contexts")).append("\n\n");
        md.append("| variant | prime | engine options | engine per function | run | first load ms (wall / CPU) |"
                        + " steady ms (CPU / wall) | after hello: first ").append(FIRST).append(" (CPU / wall) | ")
                .append(AFTER).append(" calls (CPU / wall) | extra CPU ms | after word count: first ").append(FIRST)
                .append(" | ").append(AFTER).append(" calls | extra CPU ms | heap MB per neighbour (hello / word"
                        + " count) |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Map<String, Object> r : table) {
            md.append("| ").append(variant(r)).append(" | ").append(r.get("prime")).append(" | ")
                    .append(r.getOrDefault("engine_options", "{}")).append(" | ")
                    .append(r.getOrDefault("engine_per_function", false)).append(" | ").append(r.get("run"))
                    .append(" | ")
                    .append(r.get("first_load_wall_ms")).append(" / ").append(r.get("first_load_process_cpu_ms"))
                    .append(" | ").append(String.format("%.1f / %.1f", ((Number) r.get("steady_cpu_ms")).doubleValue(),
                            ((Number) r.get("steady_wall_ms")).doubleValue()));
            for (String label : List.of("hello", "wordcount")) {
                md.append(" | ").append(r.get(label + "_first" + FIRST + "_cpu_ratio")).append("x / ")
                        .append(r.get(label + "_first" + FIRST + "_wall_ratio")).append("x | ")
                        .append(r.get(label + "_after" + AFTER + "_cpu_ratio")).append("x / ")
                        .append(r.get(label + "_after" + AFTER + "_wall_ratio")).append("x | ")
                        .append(r.get(label + "_extra_cpu_ms"));
            }
            md.append(" | ").append(r.getOrDefault("hello_load_heap_mb", "-")).append(" / ")
                    .append(r.getOrDefault("wordcount_load_heap_mb", "-")).append(" |\n");
        }
        md.append("\n![the hot function's CPU time after each neighbour's deploy, per run](").append(NAME)
                .append(".png)\n\n");
        Results.readme(out, NAME, "notes-" + NAME + ".md", md);
        return json;
    }

    /** The run's variant; runs written before variants existed are {@code p<prime>}. */
    private static String variant(Map<String, Object> row) {
        return String.valueOf(row.getOrDefault("variant", "p" + row.get("prime")));
    }

    /** Per neighbour and run: the hot function's CPU time over its next calls / its steady state, per variant. */
    private static void chart(Path out, List<Map<String, Object>> rows) throws IOException {
        CategoryChart chart = new CategoryChartBuilder().width(900).height(450)
                .title("Hot Python JSON transform: CPU time of its " + AFTER + " calls after another function's deploy")
                .xAxisTitle("neighbour deployed, run").yAxisTitle("x its steady state (CPU)").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        chart.getStyler().setXAxisLabelRotation(45);
        Map<String, List<Double>> byVariant = new java.util.TreeMap<>();
        Map<String, List<String>> labels = new java.util.TreeMap<>();
        for (String label : List.of("hello", "wordcount")) {
            for (Map<String, Object> r : rows) {
                byVariant.computeIfAbsent(variant(r), v -> new ArrayList<>())
                        .add(((Number) r.get(label + "_after" + AFTER + "_cpu_ratio")).doubleValue());
                labels.computeIfAbsent(variant(r), v -> new ArrayList<>()).add(label + ", run " + r.get("run"));
            }
        }
        byVariant.forEach((variant, ratios) -> chart.addSeries(variant, labels.get(variant), ratios));
        BitmapEncoder.saveBitmap(chart, out.resolve(NAME + ".png").toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
