package io.hotvisor.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The trace replay's arithmetic and output ({@link HotTraceBench}): per side, the invocations the nodes counted hot
 * and not hot since the replay started (their own warmth, cross-checked against {@code /metrics} and the answers the
 * clients got), the client latency, and the files.
 */
final class HotTraceReport {
    /** Issue 6's goal for the trace replay: under 1 % of invocations not hot. */
    static final double GOAL = 0.01;

    /** Upper bounds, in ms, of the idle-gap buckets of {@link #notHotByGap}; the last bucket has none. */
    static final long[] GAP_BOUNDS_MS = {300, 1_000, 3_000};
    /** The buckets' names, in order: one per bound, then the open one, then a node's first call of a function. */
    static final List<String> GAP_BUCKETS = List.of("< 0.3 s", "0.3-1 s", "1-3 s", "> 3 s", "first on the node");

    /** A sampled second in which nodes still starting used at least this many cores counts as "a node starting". */
    static final double STARTING_CORES = 0.5;
    /** Lower bounds, in busy cores of the machine, of the buckets of {@link #notHotByLoad} after "< 1 core". */
    static final double[] BUSY_BOUNDS = {1.0, 1.5, 1.8};
    /** Those buckets' names, in order: a node starting first, then by busy cores, then calls in no sampled second. */
    static final List<String> LOAD_BUCKETS = List.of("a node starting", "< 1 core", "1-1.5 cores", "1.5-1.8 cores",
            ">= 1.8 cores", "not sampled");

    /** Lower bounds of {@link #HOST_BUCKETS}' ratios, ascending: the same work's CPU time over its fastest. */
    static final double[] HOST_BOUNDS = {1.15, 1.3};
    /** The buckets of {@link #notHotByHost}: the slowest CPU at least 1.3x, 1.15-1.3x, below 1.15x, no units. */
    static final List<String> HOST_BUCKETS = List.of(">= 1.3x", "1.15-1.3x", "< 1.15x", "not sampled");

    private HotTraceReport() {
    }

    /**
     * The answered calls by what else ran in the sampled second in which each was sent (the {@code cores} row of the
     * call's side whose {@code from_ms}-{@code to_ms} holds its send time), in {@link #LOAD_BUCKETS}: a node still
     * starting ({@code starting_nodes_cores} at least {@link #STARTING_CORES}: a joining node loading, replaying and
     * compiling before it holds every function), else the machine's {@code busy_cores}; per bucket, {not hot, all}. A
     * node's warmth is judged on the CPU time of its calls, but on this 2-core machine a call's CPU time also grows
     * with what runs on the other core (shared caches and memory).
     */
    static Map<String, long[]> notHotByLoad(List<HotTraceBench.Call> calls, List<Map<String, Object>> cores) {
        return bySecond(calls, cores, LOAD_BUCKETS, HotTraceReport::loadBucket);
    }

    /**
     * The answered calls by how slow the machine ran the same fixed work in the sampled second in which each was sent
     * ({@code host_slowest_ratio}, from {@link HostSpeedSampler#annotate}), in {@link #HOST_BUCKETS}; per bucket,
     * {not hot, all}. A call ran on one CPU, which one is not known: the slowest CPU's ratio stands for the second.
     */
    static Map<String, long[]> notHotByHost(List<HotTraceBench.Call> calls, List<Map<String, Object>> cores) {
        return bySecond(calls, cores, HOST_BUCKETS, second -> {
            if (!(second.get("host_slowest_ratio") instanceof Number ratio)) {
                return HOST_BUCKETS.getLast();
            }
            double r = ratio.doubleValue();
            return HOST_BUCKETS.get(r >= HOST_BOUNDS[1] ? 0 : r >= HOST_BOUNDS[0] ? 1 : 2);
        });
    }

    /**
     * The answered calls by the bucket {@code bucketOf} gives the sampled second of the call's side whose
     * {@code from_ms}-{@code to_ms} holds its send time; the last of {@code buckets} for a call in no sampled second.
     */
    private static Map<String, long[]> bySecond(List<HotTraceBench.Call> calls, List<Map<String, Object>> cores,
                                                List<String> buckets,
                                                java.util.function.Function<Map<String, Object>, String> bucketOf) {
        Map<String, long[]> counted = new LinkedHashMap<>();
        buckets.forEach(b -> counted.put(b, new long[2]));
        for (HotTraceBench.Call call : calls) {
            if (!call.correct()) {
                continue;
            }
            String bucket = buckets.getLast();
            for (Map<String, Object> row : cores) {
                if (row.get("side").equals(call.side()) && ((Number) row.get("from_ms")).longValue() <= call.sentMs()
                        && call.sentMs() < ((Number) row.get("to_ms")).longValue()) {
                    bucket = bucketOf.apply(row);
                    break;
                }
            }
            count(counted, bucket, call);
        }
        return counted;
    }

    /** The {@link #LOAD_BUCKETS} bucket of one sampled second. */
    private static String loadBucket(Map<String, Object> second) {
        if (((Number) second.getOrDefault("starting_nodes_cores", 0.0)).doubleValue() >= STARTING_CORES) {
            return LOAD_BUCKETS.getFirst();
        }
        double busy = ((Number) second.get("busy_cores")).doubleValue();
        int i = 0;
        while (i < BUSY_BOUNDS.length && busy >= BUSY_BOUNDS[i]) {
            i++;
        }
        return LOAD_BUCKETS.get(i + 1);
    }

    /** Counts {@code call} in {@code bucket}: {not hot, all}, as its answer's {@code X-Hotvisor-Warmth} said. */
    private static void count(Map<String, long[]> buckets, String bucket, HotTraceBench.Call call) {
        long[] b = buckets.get(bucket);
        b[1]++;
        if (call.warmth().equals("warming")) {
            b[0]++;
        }
    }

    /** Buckets as one cell: {@code "< 0.3 s: 3 of 398; 0.3-1 s: ..."}. */
    static String bucketText(Map<String, long[]> buckets) {
        StringBuilder text = new StringBuilder();
        buckets.forEach((bucket, n) -> text.append(text.isEmpty() ? "" : "; ").append(bucket).append(": ")
                .append(n[0]).append(" of ").append(n[1]));
        return text.toString();
    }

    /**
     * The answered calls by the time since the same function's previous answered call on the same node (the idle gap
     * its sandbox saw), in {@link #GAP_BUCKETS}: per bucket, {not hot, all}, as the answers' {@code X-Hotvisor-Warmth}
     * said. Calls are taken in the order they were sent.
     */
    static Map<String, long[]> notHotByGap(List<HotTraceBench.Call> calls) {
        Map<String, long[]> buckets = new LinkedHashMap<>();
        GAP_BUCKETS.forEach(b -> buckets.put(b, new long[2]));
        Map<String, Long> previous = new java.util.HashMap<>();
        calls.stream().filter(HotTraceBench.Call::correct)
                .sorted(java.util.Comparator.comparingLong(HotTraceBench.Call::sentMs))
                .forEach(call -> {
                    Long last = previous.put(call.node() + "\n" + call.player().name(), call.sentMs());
                    String bucket = GAP_BUCKETS.getLast();
                    if (last != null) {
                        long gap = call.sentMs() - last;
                        int i = 0;
                        while (i < GAP_BOUNDS_MS.length && gap >= GAP_BOUNDS_MS[i]) {
                            i++;
                        }
                        bucket = GAP_BUCKETS.get(i);
                    }
                    count(buckets, bucket, call);
                });
        return buckets;
    }

    /**
     * The summary row of one side; adds a row per node and function to {@code nodeRows}.
     *
     * @param before per node, per function {hot, warming, metrics hot, metrics warming} when the replay started
     *               (absent for a node that joined during it: zero)
     * @param after  the same, read when the node left or at the end
     */
    static Map<String, Object> side(HotStartMechanism.Configuration c, List<HotTraceBench.Player> players,
                                    List<HotTraceBench.Call> calls, Map<String, Map<String, long[]>> before,
                                    Map<String, Map<String, long[]>> after,
                                    Map<String, Map<String, JsonNode>> warmth, Map<String, String> timeline,
                                    List<Map<String, Object>> nodeRows, List<Map<String, Object>> warmthRows) {
        long[] total = new long[4];
        Map<String, Long> servedBy = new LinkedHashMap<>();
        calls.stream().filter(HotTraceBench.Call::correct).forEach(call -> servedBy.merge(call.node(), 1L,
                Long::sum));
        List<String> ids = new ArrayList<>(after.keySet());
        ids.sort(String::compareTo);
        for (String id : ids) {
            for (HotTraceBench.Player p : players) {
                long[] a = after.get(id).get(p.name());
                long[] b = before.getOrDefault(id, Map.of()).getOrDefault(p.name(), new long[4]);
                long[] d = new long[4];
                for (int i = 0; i < 4; i++) {
                    d[i] = a[i] - b[i];
                    total[i] += d[i];
                }
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("side", c.name());
                row.put("node", id);
                row.put("function", p.name());
                row.put("played_by", p.kind() + "-" + p.language());
                row.put("hot", d[0]);
                row.put("not_hot", d[1]);
                row.put("metrics_hot", d[2]);
                row.put("metrics_not_hot", d[3]);
                row.put("answered_here", calls.stream().filter(call -> call.correct() && call.node().equals(id)
                        && call.player().equals(p)).count());
                JsonNode w = warmth.getOrDefault(id, Map.of()).getOrDefault(p.name(), MissingNode.getInstance());
                row.putAll(reference(w));
                nodeRows.add(row);
                Map<String, Object> raw = new LinkedHashMap<>(row);
                raw.put("warmth", w);
                warmthRows.add(raw);
            }
        }
        long ok = calls.stream().filter(HotTraceBench.Call::correct).count();
        long[] wall = calls.stream().filter(HotTraceBench.Call::correct).mapToLong(HotTraceBench.Call::wallUs)
                .sorted().toArray();
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("side", c.name());
        row.put("node_options", String.join(" ", c.nodeOptions()));
        row.put("gateway_options", String.join(" ", c.gatewayOptions()));
        row.put("deploy_fields", c.deployFields().toString());
        row.put("calls", calls.size());
        row.put("answered_ok", ok);
        row.put("failed", calls.stream().filter(call -> call.status() != 200 && call.status() != -1).count());
        row.put("no_answer", calls.stream().filter(call -> call.status() == -1).count());
        row.put("wrong_answer", calls.stream().filter(call -> call.status() == 200 && !call.correct()).count());
        row.put("counted_hot", total[0]);
        row.put("counted_not_hot", total[1]);
        long counted = total[0] + total[1];
        row.put("not_hot_fraction", counted == 0 ? "n/a" : round4((double) total[1] / counted));
        row.put("goal_met", counted > 0 && (double) total[1] / counted < GOAL);
        row.put("metrics_hot", total[2]);
        row.put("metrics_not_hot", total[3]);
        // Cross-check, call by call: what each answer's X-Hotvisor-Warmth said.
        row.put("heard_not_hot", calls.stream().filter(call -> call.correct() && call.warmth().equals("warming"))
                .count());
        row.put("counted_minus_answered", counted - ok);
        row.put("client_median_ms", wall.length == 0 ? "n/a" : wall[(wall.length - 1) / 2] / 1000.0);
        row.put("client_p99_ms", wall.length == 0 ? "n/a" : wall[(int) Math.ceil(0.99 * wall.length) - 1] / 1000.0);
        row.put("client_max_ms", wall.length == 0 ? "n/a" : wall[wall.length - 1] / 1000.0);
        row.put("not_hot_by_idle_gap", bucketText(notHotByGap(calls)));
        row.put("answered_by", servedBy.toString());
        row.put("membership", new LinkedHashMap<>(timeline).toString());
        return row;
    }

    static void write(HotTraceOptions o, String loadAtStart, double scale, long traceCalls,
                      List<HotTraceBench.Player> players, Map<String, String> failed, List<Map<String, Object>> sides,
                      List<Map<String, Object>> nodeRows, List<Map<String, Object>> warmthRows,
                      List<Map<String, Object>> coreRows, List<HotTraceBench.Call> calls) throws IOException {
        String name = "hot-trace-" + o.mode();
        Map<String, Object> header = Results.header("hot-trace", "optimizing (the nodes' Graal JIT)", false,
                "Azure 2019 trace (100-function sample), minutes " + o.startMinute() + ".." + (o.startMinute()
                        + o.minutes() - 1) + ", the " + players.size() + " busiest functions, each played by a bench"
                        + " function; " + traceCalls + " calls scaled by " + String.format("%.4f", scale)
                        + ", replayed " + o.compression() + "x faster through a gateway; nodes 1 and 2 start with"
                        + " every function hot (each alone, then all mixed in rounds, then the machine calm), then "
                        + HotTraceBench.MEMBERSHIP + " (fraction of the window);"
                        + " counted = the nodes' own warmth classification of each invocation since the replay"
                        + " started; all processes share the machine's cores with whatever else runs on it",
                failed);
        header.put("mode", o.mode());
        header.put("options", o.toString());
        header.put("loadavg_at_start", loadAtStart);
        header.put("players", players.stream().map(p -> p.name() + " (" + p.traceCalls() + " trace calls) = "
                + p.kind() + "-" + p.language()).toList());
        Results.write(o.out(), name + "-nodes", header, nodeRows);
        // Every node's warmth of every function as read last (latencies included): JSON only, it nests.
        Map<String, Object> warmthDoc = new LinkedHashMap<>(header);
        warmthDoc.put("rows", warmthRows);
        Results.JSON.writeValue(o.out().resolve(name + "-warmth.json").toFile(), warmthDoc);
        List<Map<String, Object>> callRows = new ArrayList<>();
        for (HotTraceBench.Call c : calls) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("side", c.side());
            r.put("function", c.player().name());
            r.put("played_by", c.player().kind() + "-" + c.player().language());
            r.put("planned_ms", c.plannedMs());
            r.put("sent_ms", c.sentMs());
            r.put("wall_us", c.wallUs());
            r.put("status", c.status());
            r.put("node", c.node());
            r.put("warmth", c.warmth());
            r.put("correct", c.correct());
            r.put("cpu_us", c.cpuUs());
            callRows.add(r);
        }
        Results.write(o.out(), name + "-calls", header, callRows);
        Results.write(o.out(), name + "-cores", header, coreRows);
        Path json = Results.write(o.out(), name, header, sides);
        if (!calls.isEmpty()) {
            chart(o.out().resolve(name + ".png"), "Trace replay, nodes joining and leaving: client latency ("
                    + o.mode() + ", " + header.get("date") + ")", o.window().toMillis(), calls);
        }
        if (!coreRows.isEmpty()) {
            coresChart(o.out().resolve(name + "-cores.png"), "Trace replay: the machine's busy cores, and when the"
                    + " nodes answered warming (" + o.mode() + ", " + header.get("date") + ")", coreRows, calls);
        }
        markdown(o.out(), name, header, sides, nodeRows);
        System.out.println("Wrote " + json + ", " + name + "-nodes/-calls/-cores.{json,csv}, " + name + ".png, "
                + name + "-cores.png, README-" + name + ".md");
    }

    /** Each side's answered calls: send time against latency (log), and the membership changes as vertical lines. */
    private static void chart(Path png, String title, long windowMs, List<HotTraceBench.Call> calls)
            throws IOException {
        XYChart chart = new XYChartBuilder().width(1100).height(520).title(title)
                .xAxisTitle("seconds into the replay").yAxisTitle("client latency, ms (log)").build();
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        chart.getStyler().setMarkerSize(4);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        Map<String, List<HotTraceBench.Call>> bySide = new LinkedHashMap<>();
        calls.stream().filter(HotTraceBench.Call::correct).forEach(c -> bySide.computeIfAbsent(c.side(),
                k -> new ArrayList<>()).add(c));
        double top = 1;
        double bottom = Double.MAX_VALUE;
        for (var e : bySide.entrySet()) {
            double[] x = e.getValue().stream().mapToDouble(c -> c.sentMs() / 1000.0).toArray();
            double[] y = e.getValue().stream().mapToDouble(c -> Math.max(0.1, c.wallUs() / 1000.0)).toArray();
            for (double v : y) {
                top = Math.max(top, v);
                bottom = Math.min(bottom, v);
            }
            chart.addSeries("mechanisms " + e.getKey(), x, y);
        }
        for (HotTraceBench.Event ev : HotTraceBench.MEMBERSHIP) {
            double t = ev.fraction() * windowMs / 1000.0;
            XYSeries s = chart.addSeries(ev.node() + (ev.join() ? " joins" : " leaves"), new double[] {t, t},
                    new double[] {Math.min(bottom, top), top});
            s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
            s.setMarker(SeriesMarkers.NONE);
        }
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    /**
     * Per side, the machine's busy cores second by second (a line) and each answer that said warming as a mark at its
     * send time, above the lines (at 2.1 busy cores for the first side, 2.2 for the second).
     */
    private static void coresChart(Path png, String title, List<Map<String, Object>> coreRows,
                                   List<HotTraceBench.Call> calls) throws IOException {
        XYChart chart = new XYChartBuilder().width(1100).height(420).title(title)
                .xAxisTitle("seconds into the replay").yAxisTitle("busy cores (of 2)").build();
        chart.getStyler().setMarkerSize(5);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(2.5);
        Map<String, List<Map<String, Object>>> bySide = new LinkedHashMap<>();
        coreRows.forEach(r -> bySide.computeIfAbsent(String.valueOf(r.get("side")), k -> new ArrayList<>()).add(r));
        int n = 0;
        for (var e : bySide.entrySet()) {
            double[] x = e.getValue().stream().mapToDouble(r -> ((Number) r.get("from_ms")).doubleValue() / 1000)
                    .toArray();
            double[] y = e.getValue().stream().mapToDouble(r -> ((Number) r.get("busy_cores")).doubleValue())
                    .toArray();
            XYSeries line = chart.addSeries("busy cores, mechanisms " + e.getKey(), x, y);
            line.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
            line.setMarker(SeriesMarkers.NONE);
            double mark = 2.1 + 0.1 * n++;
            double[] warm = calls.stream().filter(c -> c.side().equals(e.getKey()) && c.warmth().equals("warming"))
                    .mapToDouble(c -> c.sentMs() / 1000.0).toArray();
            if (warm.length > 0) {
                XYSeries marks = chart.addSeries("answered warming, mechanisms " + e.getKey(), warm,
                        java.util.Arrays.stream(warm).map(v -> mark).toArray());
                marks.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            }
        }
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    /**
     * A table of one row per side: the side, then each of {@code buckets} from the side's {@code key}, a
     * {@link #bucketText} cell ({@code "1-3 s: 4 of 263"} gives {@code "4 of 263"}).
     */
    private static void bucketTable(StringBuilder md, List<String> buckets, List<Map<String, Object>> sides,
                                    String key) {
        md.append("| mechanisms | ").append(String.join(" | ", buckets)).append(" |\n|---|");
        buckets.forEach(b -> md.append("---|"));
        md.append('\n');
        for (Map<String, Object> r : sides) {
            md.append("| ").append(r.get("side"));
            for (String cell : String.valueOf(r.get(key)).split("; ")) {
                md.append(" | ").append(cell.substring(cell.indexOf(": ") + 2));
            }
            md.append(" |\n");
        }
    }

    private static void markdown(Path dir, String name, Map<String, Object> header, List<Map<String, Object>> sides,
                                 List<Map<String, Object>> nodeRows) {
        StringBuilder md = new StringBuilder("# Trace replay with nodes joining and leaving (issue 6)\n\n");
        Results.readmeHeader(md, header, "; options: `" + header.get("options") + "`", "sides");
        md.append("- trace functions and their players: ").append(header.get("players")).append('\n');
        md.append("- ").append(header.get("notes")).append("\n\n");
        md.append("| mechanisms | calls | answered ok | failed / no answer | counted not hot / counted"
                + " | **not hot** | goal < 1 % | /metrics not hot / hot | answers saying warming | counted - answered"
                + " | client median ms | client p99 ms | answered by | membership"
                + " | starting nodes' functions not hot when warm-max ended their warming"
                + " | starting nodes' mixed rounds before the replay |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Map<String, Object> r : sides) {
            Object fraction = r.get("not_hot_fraction");
            md.append("| ").append(r.get("side")).append(" (").append(r.get("node_options")).append("; gateway ")
                    .append(r.get("gateway_options")).append(") | ").append(r.get("calls")).append(" | ")
                    .append(r.get("answered_ok")).append(" | ").append(r.get("failed")).append(" / ")
                    .append(r.get("no_answer")).append(" | ").append(r.get("counted_not_hot")).append(" / ")
                    .append((long) r.get("counted_hot") + (long) r.get("counted_not_hot")).append(" | **")
                    .append(fraction instanceof Double f ? String.format("%.2f %%", 100 * f) : fraction)
                    .append("** | ").append(r.get("goal_met")).append(" | ").append(r.get("metrics_not_hot"))
                    .append(" / ").append(r.get("metrics_hot")).append(" | ").append(r.get("heard_not_hot"))
                    .append(" | ").append(r.get("counted_minus_answered"))
                    .append(" | ").append(r.get("client_median_ms")).append(" | ").append(r.get("client_p99_ms"))
                    .append(" | ").append(r.get("answered_by")).append(" | ").append(r.get("membership"))
                    .append(" | ").append(r.getOrDefault("starting_not_hot", "n/a"))
                    .append(" | ").append(r.getOrDefault("starting_mixed", "n/a")).append(" |\n");
        }
        md.append("\nAnswers saying warming, by the idle gap before the call (the time since the same function's"
                + " previous answered call on the same node):\n\n");
        bucketTable(md, GAP_BUCKETS, sides, "not_hot_by_idle_gap");
        md.append("\nAnswers saying warming, by what else ran in the second the call was sent (sampled every second,"
                + " `").append(name).append("-cores.csv`): a joining node still starting (at least ")
                .append(STARTING_CORES).append(" core), else how busy the machine's 2 cores were:\n\n");
        bucketTable(md, LOAD_BUCKETS, sides, "not_hot_by_load");
        if (sides.stream().anyMatch(r -> r.containsKey("not_hot_by_host"))) {
            md.append("\nAnswers saying warming, by how slow the machine ran the same fixed work in the second the call"
                    + " was sent (`HostSpeedSampler`: on each CPU a pinned thread runs a memory-bound unit every ")
                    .append(HostSpeedSampler.PERIOD_MS).append(" ms; the slowest CPU's median CPU time over its"
                    + " fastest, `host_slowest_ratio` in `").append(name).append("-cores.csv`):\n\n");
            bucketTable(md, HOST_BUCKETS, sides, "not_hot_by_host");
            for (Map<String, Object> r : sides) {
                if (r.get("host_unpinned") != null) {
                    md.append("\n").append(r.get("side")).append(": not sampled on every CPU, its threads could"
                            + " not be pinned (").append(r.get("host_unpinned")).append(").\n");
                }
            }
        }
        md.append("\nPer node and function (since the replay started):\n\n");
        md.append("| mechanisms | node | function | played by | not hot | hot | answered here | reference us (whose)"
                + " | own steady us | fleet steady us | last 32: median / reference |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Map<String, Object> r : nodeRows) {
            if ((long) r.get("hot") + (long) r.get("not_hot") + (long) r.get("answered_here") == 0) {
                continue;
            }
            md.append("| ").append(r.get("side")).append(" | ").append(r.get("node")).append(" | ")
                    .append(r.get("function")).append(" | ").append(r.get("played_by")).append(" | ")
                    .append(r.get("not_hot")).append(" | ").append(r.get("hot")).append(" | ")
                    .append(r.get("answered_here")).append(" | ").append(r.get("reference_us")).append(" (")
                    .append(r.get("reference")).append(") | ").append(r.get("own_steady_us")).append(" | ")
                    .append(r.get("fleet_steady_us")).append(" | ").append(r.get("recent_median_over_reference"))
                    .append(" |\n");
        }
        md.append("\n![client latency over the replay](").append(name).append(".png)\n");
        md.append("\n![busy cores, and the answers saying warming](").append(name).append("-cores.png)\n\n");
        Results.readme(dir, name, "notes-hot-trace.md", md);
    }

    /**
     * What a node judged a function's invocations against, when its counts were read last: {@code reference_us} and
     * its source (the node's own steady state or the fleet's), the node's own steady state, the fleet's, and the
     * median of its last 32 latencies (CPU time) over the reference; "n/a" where the node said nothing.
     */
    static Map<String, Object> reference(JsonNode w) {
        Map<String, Object> m = new LinkedHashMap<>();
        double reference = w.path("referenceUs").asDouble(0);
        m.put("reference_us", reference > 0 ? Math.round(reference) : "n/a");
        m.put("reference", w.path("reference").asText("n/a"));
        m.put("own_steady_us", w.has("steadyStateUs") ? Math.round(w.path("steadyStateUs").asDouble()) : "n/a");
        m.put("fleet_steady_us", w.has("fleetSteadyStateUs") ? Math.round(w.path("fleetSteadyStateUs").asDouble())
                : "n/a");
        double[] recent = new double[w.path("recentUs").size()];
        for (int i = 0; i < recent.length; i++) {
            recent[i] = w.path("recentUs").get(i).asDouble();
        }
        Arrays.sort(recent);
        double median = recent.length == 0 ? 0 : recent.length % 2 == 1 ? recent[recent.length / 2]
                : (recent[recent.length / 2 - 1] + recent[recent.length / 2]) / 2;
        m.put("recent_median_us", recent.length == 0 ? "n/a" : Math.round(median));
        m.put("recent_median_over_reference", recent.length == 0 || reference <= 0 ? "n/a"
                : Math.round(median / reference * 100.0) / 100.0);
        return m;
    }

    private static double round4(double v) {
        return Math.round(v * 10000.0) / 10000.0;
    }
}
