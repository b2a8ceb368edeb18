package io.hotvisor.bench;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.locks.LockSupport;
import java.util.function.ToLongFunction;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import io.hotvisor.runtime.FunctionCode;
import io.hotvisor.runtime.FunctionConfig;
import io.hotvisor.runtime.FunctionDefinition;
import io.hotvisor.runtime.FunctionRuntime;
import io.hotvisor.runtime.Language;
import io.hotvisor.runtime.LoadedFunction;
import io.hotvisor.runtime.RuntimeOptions;
import io.hotvisor.runtime.Sandbox;
import io.hotvisor.runtime.Warmth;
import io.hotvisor.runtime.WarmthOptions;
import io.hotvisor.runtime.WarmthTracker;

/**
 * How much CPU time the same work costs on this machine from one second to the next: the floor under any warmth
 * judged on CPU time (issue 6). On each CPU, one thread pinned to it (with {@code sched_setaffinity}) repeats a round
 * of three fixed units and times each in its own CPU time: {@code mem}, plain Java in the word count's shape (hash the
 * words of a 256 KB text into a 64 K-entry table, 6 times; its data fits the core's caches), {@code alu}, plain Java on
 * registers only, and {@code js}, one call of the trace bench's JavaScript word count in a Hotvisor sandbox of that
 * thread's own. Then it sleeps {@value #PAUSE_MS} ms. A unit's ratio is its CPU time over the fastest of its kind on
 * its CPU; the same work, once compiled, never changes, so every unit a node's warmth judgement calls warming here
 * would count as not hot: the fraction is the floor of the trace bench's on this machine.
 *
 * <p>Run: {@code bench/host-speed.sh [--smoke] [--out DIR] [--seconds N]}. Writes {@code host-speed.{json,csv}} (per
 * CPU and kind), {@code host-speed-windows.{json,csv}} (the median ratio of each {@value #WINDOW_S} s), the chart
 * {@code host-speed.png} and {@code README-host-speed.md} (with {@code notes-host-speed.md}, if there).
 */
public final class HostSpeedBench {
    static final int PAUSE_MS = 5;
    static final int WINDOW_S = 2;
    private static final int TEXT_BYTES = 256 * 1024;
    private static final int TABLE = 1 << 16;
    /** The README's table: a summary row's key, and its column's title (empty where a kind has no such value). */
    private static final Map<String, String> README_COLUMNS = readmeColumns();

    private HostSpeedBench() {
    }

    /** One round on one CPU: when it started (s since the start) and each unit's CPU time, in {@link Kind} order. */
    record Unit(int cpu, double atSeconds, long memNanos, long aluNanos, long jsNanos) {
        Unit(int cpu, double atSeconds, long memNanos, long aluNanos) {
            this(cpu, atSeconds, memNanos, aluNanos, 0);
        }
    }

    /** The units of a round, each judged on its own. */
    enum Kind {
        MEM(Unit::memNanos), ALU(Unit::aluNanos), JS(Unit::jsNanos);

        private final ToLongFunction<Unit> nanos;

        Kind(ToLongFunction<Unit> nanos) {
            this.nanos = nanos;
        }

        long nanos(Unit unit) {
            return nanos.applyAsLong(unit);
        }

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** The units that ran this kind (a run without JavaScript has none of {@code js}). */
        List<Unit> of(List<Unit> units) {
            return units.stream().filter(u -> nanos(u) > 0).toList();
        }
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        List<String> rest = new ArrayList<>(List.of(args));
        Integer given = null;
        int i = rest.indexOf("--seconds");
        if (i >= 0) {
            given = seconds(i + 1 < rest.size() ? rest.remove(i + 1) : null);
            rest.remove(i);
        }
        BenchArgs options = BenchArgs.parse(rest.toArray(String[]::new));
        double skip = options.smoke() ? 1 : 20;
        int seconds = given != null ? given : options.smoke() ? 4 : 120;
        if (seconds <= skip) {
            throw new IllegalArgumentException("--seconds " + seconds + " leaves nothing to measure: the first " + skip
                    + " s are the JIT's warm-up and dropped");
        }
        int cpus = Runtime.getRuntime().availableProcessors();
        List<Unit> units = java.util.Collections.synchronizedList(new ArrayList<>());
        List<String> pinned = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Throwable> failed = java.util.Collections.synchronizedList(new ArrayList<>());
        Path work = Files.createTempDirectory("hotvisor-host-speed-");
        String truffle;
        try (FunctionRuntime runtime = FunctionRuntime.create(RuntimeOptions.defaults());
             LoadedFunction wordCount = runtime.load(traceWordCount(work))) {
            truffle = runtime.truffleRuntimeName();
            long start = System.nanoTime();
            long end = start + seconds * 1_000_000_000L;
            List<Thread> threads = new ArrayList<>();
            for (int cpu = 0; cpu < cpus; cpu++) {
                int c = cpu;
                threads.add(Thread.ofPlatform().name("host-speed-cpu" + cpu).start(() -> {
                    pinned.add(pin(c));
                    try (Sandbox sandbox = wordCount.newSandbox()) {
                        run(c, start, end, skip, sandbox, units);
                    } catch (RuntimeException e) {
                        failed.add(e);
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
        } finally {
            SandboxCreationBench.deleteTree(work);
        }
        if (!failed.isEmpty()) {
            throw new IllegalStateException("A CPU's thread failed", failed.getFirst());
        }
        List<Unit> all = new ArrayList<>(units);
        double hotFactor = WarmthOptions.DEFAULT_HOT_FACTOR;
        String notes = "per CPU one pinned thread repeats a round of three units, each timed in the thread's CPU"
                + " time, then sleeps " + PAUSE_MS + " ms: mem (plain Java in the word count's shape: a 256 KB text's"
                + " words hashed into a 64 K table, 6 times), alu (plain Java, registers only) and js (the trace"
                + " bench's JavaScript word count, bench/functions/js/word_count.js, one call in a Hotvisor sandbox of"
                + " its own on the runtime's shared engine); the first " + skip + " s (JIT warm-up) dropped; ratio ="
                + " a unit's CPU time / the fastest of its kind on its CPU; over_hot_factor = the share of units above "
                + hotFactor + "x (the node's default --hot-factor); judged_warming = the share of a kind's units a"
                + " node's warmth judgement (WarmthTracker, default options) calls warming once it has called them"
                + " hot, against its own steady state (own) or also against the fleet's best, the lowest median of"
                + " any " + WINDOW_S + " s window on any CPU (fleet); windows of " + WINDOW_S + " s; pinning: "
                + pinned;
        Map<String, Object> header = Results.header("host-speed", truffle, options.smoke(), notes,
                Map.of());
        List<Map<String, Object>> summary = summarize(all, hotFactor);
        List<Map<String, Object>> windows = windows(all);
        Path json = Results.write(options.out(), "host-speed", header, summary);
        Results.write(options.out(), "host-speed-windows", header, windows);
        chart(options.out().resolve("host-speed.png"), windows, hotFactor);
        Results.readme(options.out(), "host-speed", "notes-host-speed.md", readme(header, summary));
        System.out.println("Wrote " + json);
    }

    /** The value of {@code --seconds}: a whole number of seconds above 0. */
    static int seconds(String value) {
        try {
            int seconds = Integer.parseInt(value == null ? "" : value.trim());
            if (seconds > 0) {
                return seconds;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException("Option --seconds needs a whole number of seconds above 0, was "
                + (value == null ? "nothing" : "'" + value + "'"));
    }

    /** The trace bench's JavaScript word count ({@code bench/functions} under {@code hotvisor.root}), as a bundle. */
    private static FunctionDefinition traceWordCount(Path work) throws IOException {
        Path functions = Path.of(System.getProperty("hotvisor.root", ".")).resolve("bench/functions");
        Path bundle = Files.createDirectories(work.resolve("word-count-js"));
        Files.copy(functions.resolve("js/word_count.js"), bundle.resolve("word_count.js"));
        Files.copy(functions.resolve("data/words.js"), bundle.resolve("words.js"));
        return new FunctionDefinition(FunctionConfig.builder("word-count-js", Language.JAVASCRIPT, "word_count.main")
                .build(), new FunctionCode.BundleDirectory(bundle), 1);
    }

    /** What {@link #pin} answers when the thread is pinned to {@code cpu}. */
    static String pinned(int cpu) {
        return "cpu" + cpu + " pinned";
    }

    /**
     * Pins the calling thread to {@code cpu}; says how it went, {@link #pinned} if it went well (the bench runs
     * unpinned if it cannot).
     */
    static String pin(int cpu) {
        try (Arena arena = Arena.ofConfined()) {
            Linker linker = Linker.nativeLinker();
            MethodHandle setAffinity = linker.downcallHandle(
                    linker.defaultLookup().find("sched_setaffinity").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                            ValueLayout.ADDRESS));
            MemorySegment mask = arena.allocate(128); // cpu_set_t: 1024 bits
            mask.set(ValueLayout.JAVA_LONG, (cpu / 64) * 8L, 1L << (cpu % 64));
            int rc = (int) setAffinity.invokeExact(0, 128L, mask);
            return rc == 0 ? pinned(cpu) : "cpu" + cpu + " not pinned (sched_setaffinity " + rc + ")";
        } catch (Throwable e) {
            return "cpu" + cpu + " not pinned (" + e + ")";
        }
    }

    private static void run(int cpu, long start, long end, double skip, Sandbox sandbox, List<Unit> units) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        byte[] text = text(new SplittableRandom(42));
        int[] table = new int[TABLE];
        long sink = 0;
        int round = 0;
        while (System.nanoTime() < end) {
            double at = (System.nanoTime() - start) / 1e9;
            long c0 = mx.getCurrentThreadCpuTime();
            sink += mem(text, table);
            long c1 = mx.getCurrentThreadCpuTime();
            sink += alu(sink);
            long c2 = mx.getCurrentThreadCpuTime();
            FirstCallBench.timed(sandbox, "word-count-js", round++, "distinct");
            long c3 = mx.getCurrentThreadCpuTime();
            if (at >= skip) {
                units.add(new Unit(cpu, at, c1 - c0, c2 - c1, c3 - c2));
            }
            LockSupport.parkNanos(PAUSE_MS * 1_000_000L);
        }
        if (sink == 42) {
            System.out.println("(sink " + sink + ")");
        }
    }

    /** Lowercase words of 2-9 letters separated by single spaces. */
    static byte[] text(SplittableRandom random) {
        byte[] text = new byte[TEXT_BYTES];
        int i = 0;
        while (i < text.length) {
            int len = 2 + random.nextInt(8);
            for (int k = 0; k < len && i < text.length; k++) {
                text[i++] = (byte) ('a' + random.nextInt(20));
            }
            if (i < text.length) {
                text[i++] = ' ';
            }
        }
        return text;
    }

    /** The word count's shape: each word's hash counted in {@code table}, 6 times over. */
    static long mem(byte[] text, int[] table) {
        long words = 0;
        for (int rep = 0; rep < 6; rep++) {
            int h = 0;
            for (byte b : text) {
                if (b == ' ') {
                    table[h & (TABLE - 1)]++;
                    words++;
                    h = 0;
                } else {
                    h = h * 31 + b;
                }
            }
        }
        return words;
    }

    /** Registers only: a linear congruential generator, mixed. */
    static long alu(long seed) {
        long x = seed | 1;
        for (int i = 0; i < 300_000; i++) {
            x = x * 6364136223846793005L + 1442695040888963407L;
            x ^= x >>> 29;
        }
        return x;
    }

    /**
     * Per CPU and kind: units, the fastest (µs), the ratio's median, p90 and p99, the share of units above
     * {@code hotFactor} and above 1.5, the share a node's warmth judgement calls warming (against its own steady state
     * and against the fleet's best), and for {@code mem} the share above {@code hotFactor} among units whose
     * {@code alu} partner (the same round) was within 1.1 of its best.
     */
    static List<Map<String, Object>> summarize(List<Unit> units, double hotFactor) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int cpu : cpus(units)) {
            List<Unit> mine = units.stream().filter(u -> u.cpu() == cpu).toList();
            for (Kind kind : Kind.values()) {
                List<Unit> ran = kind.of(mine);
                if (ran.isEmpty()) {
                    continue;
                }
                long best = best(ran, kind);
                List<Double> ratios = ran.stream().map(u -> (double) kind.nanos(u) / best).sorted().toList();
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("cpu", cpu);
                row.put("kind", kind.label());
                row.put("units", ratios.size());
                row.put("best_us", Math.round(best / 100.0) / 10.0);
                row.put("median_ratio", round(percentile(ratios, 0.5)));
                row.put("p90_ratio", round(percentile(ratios, 0.9)));
                row.put("p99_ratio", round(percentile(ratios, 0.99)));
                row.put("over_hot_factor", share(ratios, hotFactor));
                row.put("over_1_5", share(ratios, 1.5));
                row.put("judged_warming", judgedWarming(ran, kind, 0));
                row.put("judged_warming_fleet", judgedWarming(ran, kind, fleetBest(units, kind)));
                if (kind == Kind.MEM) {
                    long aluBest = best(mine, Kind.ALU);
                    row.put("over_hot_factor_while_alu_fast", share(mine.stream()
                            .filter(u -> u.aluNanos() <= 1.1 * aluBest).map(u -> (double) u.memNanos() / best)
                            .toList(), hotFactor));
                }
                rows.add(row);
            }
        }
        return rows;
    }

    private static long best(List<Unit> units, Kind kind) {
        return units.stream().mapToLong(kind::nanos).min().orElseThrow();
    }

    /**
     * The share (percent) of {@code units} that a node's warmth judgement ({@link WarmthTracker} with the default
     * options) calls warming, timed by {@code kind}, counted from the first it calls hot: this work never changes, so
     * each of those would count as not hot (100 when it never calls them hot). {@code fleetBest}: the fleet's best
     * steady state it is also judged against (0: none, only its own).
     */
    static double judgedWarming(List<Unit> units, Kind kind, long fleetBest) {
        WarmthTracker tracker = WarmthTracker.create(WarmthOptions.defaults());
        tracker.loaded("work", 1);
        if (fleetBest > 0) {
            tracker.fleetBest("work", 1, fleetBest);
        }
        boolean hot = false;
        long judged = 0;
        long warming = 0;
        for (Unit u : units) {
            Warmth.State state = tracker.record("work", 1, kind.nanos(u)).orElseThrow();
            hot |= state == Warmth.State.HOT;
            if (hot) {
                judged++;
                warming += state == Warmth.State.WARMING ? 1 : 0;
            }
        }
        return judged == 0 ? 100.0 : Math.round(warming * 10000.0 / judged) / 100.0;
    }

    /**
     * The best steady state a node could have told the fleet: the lowest median of a kind's units in any window of
     * {@value #WINDOW_S} s on any CPU (a node's steady state is a median of its recent calls); 0 without units.
     */
    static long fleetBest(List<Unit> units, Kind kind) {
        Map<String, List<Long>> byWindow = new TreeMap<>();
        kind.of(units).forEach(u -> byWindow.computeIfAbsent(u.cpu() + "@" + (int) (u.atSeconds() / WINDOW_S),
                k -> new ArrayList<>()).add(kind.nanos(u)));
        return byWindow.values().stream().mapToLong(v -> v.stream().sorted().toList().get(v.size() / 2)).min()
                .orElse(0);
    }

    /** The median ratio of each kind on each CPU in each window of {@value #WINDOW_S} s. */
    static List<Map<String, Object>> windows(List<Unit> units) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int cpu : cpus(units)) {
            List<Unit> mine = units.stream().filter(u -> u.cpu() == cpu).toList();
            Map<Kind, Long> best = new java.util.EnumMap<>(Kind.class);
            for (Kind kind : Kind.values()) {
                if (!kind.of(mine).isEmpty()) {
                    best.put(kind, best(kind.of(mine), kind));
                }
            }
            Map<Integer, List<Unit>> byWindow = new TreeMap<>();
            mine.forEach(u -> byWindow.computeIfAbsent((int) (u.atSeconds() / WINDOW_S), k -> new ArrayList<>())
                    .add(u));
            byWindow.forEach((w, inWindow) -> {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("cpu", cpu);
                row.put("from_s", w * WINDOW_S);
                row.put("units", inWindow.size());
                best.forEach((kind, b) -> {
                    List<Double> ratios = kind.of(inWindow).stream().map(u -> (double) kind.nanos(u) / b).sorted()
                            .toList();
                    row.put(kind.label() + "_median_ratio", ratios.isEmpty() ? null : round(percentile(ratios, 0.5)));
                });
                rows.add(row);
            });
        }
        return rows;
    }

    private static List<Integer> cpus(List<Unit> units) {
        return units.stream().map(Unit::cpu).distinct().sorted().toList();
    }

    /** The nearest-rank percentile of sorted values. */
    static double percentile(List<Double> sorted, double p) {
        return sorted.get((int) Math.min(sorted.size() - 1, Math.floor(p * sorted.size())));
    }

    /** The share of {@code ratios} strictly above {@code factor}, in percent with two decimals. */
    static double share(List<Double> ratios, double factor) {
        if (ratios.isEmpty()) {
            return 0;
        }
        long over = ratios.stream().filter(r -> r > factor).count();
        return Math.round(over * 10000.0 / ratios.size()) / 100.0;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private static void chart(Path png, List<Map<String, Object>> windows, double hotFactor) throws IOException {
        XYChart chart = new XYChartBuilder().width(1000).height(500)
                .title("The same work's CPU time on this machine, per CPU (median of each " + WINDOW_S + " s)")
                .xAxisTitle("seconds since the start").yAxisTitle("CPU time / the fastest of its kind").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        Map<String, List<Double>[]> series = new LinkedHashMap<>();
        for (Map<String, Object> w : windows) {
            for (Kind kind : Kind.values()) {
                if (!(w.get(kind.label() + "_median_ratio") instanceof Number ratio)) {
                    continue;
                }
                @SuppressWarnings("unchecked")
                List<Double>[] xy = series.computeIfAbsent("cpu" + w.get("cpu") + " " + kind.label(),
                        k -> new List[] {new ArrayList<Double>(), new ArrayList<Double>()});
                xy[0].add(((Number) w.get("from_s")).doubleValue());
                xy[1].add(ratio.doubleValue());
            }
        }
        series.forEach((name, xy) -> chart.addSeries(name, xy[0], xy[1]).setMarker(SeriesMarkers.NONE));
        if (!windows.isEmpty()) {
            double last = ((Number) windows.getLast().get("from_s")).doubleValue();
            chart.addSeries("--hot-factor " + hotFactor, List.of(0.0, last), List.of(hotFactor, hotFactor))
                    .setMarker(SeriesMarkers.NONE);
        }
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    private static Map<String, String> readmeColumns() {
        Map<String, String> columns = new LinkedHashMap<>();
        columns.put("cpu", "cpu");
        columns.put("kind", "kind");
        columns.put("units", "units");
        columns.put("best_us", "fastest us");
        columns.put("median_ratio", "median");
        columns.put("p90_ratio", "p90");
        columns.put("p99_ratio", "p99");
        columns.put("over_hot_factor", "% over hot factor");
        columns.put("over_1_5", "% over 1.5");
        columns.put("over_hot_factor_while_alu_fast", "% over hot factor while alu fast");
        columns.put("judged_warming", "% judged warming (own)");
        columns.put("judged_warming_fleet", "% judged warming (fleet)");
        return columns;
    }

    private static String readme(Map<String, Object> header, List<Map<String, Object>> summary) {
        StringBuilder md = new StringBuilder("# The same work's CPU time on this machine (issue 6)\n\n");
        md.append("- command: `").append(header.get("command")).append("`\n");
        md.append("- date: ").append(header.get("date")).append("; smoke: ").append(header.get("smoke")).append('\n');
        md.append("- machine: ").append(header.get("machine")).append('\n');
        md.append("- ").append(header.get("notes")).append("\n\n");
        md.append("| ").append(String.join(" | ", README_COLUMNS.values())).append(" |\n|");
        README_COLUMNS.forEach((key, title) -> md.append("---|"));
        md.append('\n');
        for (Map<String, Object> row : summary) {
            README_COLUMNS.forEach((key, title) -> md.append("| ").append(row.getOrDefault(key, "")).append(' '));
            md.append("|\n");
        }
        md.append("\n![per CPU, median of each window](host-speed.png)\n\n");
        return md.toString();
    }
}
