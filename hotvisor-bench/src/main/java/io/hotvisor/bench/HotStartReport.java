package io.hotvisor.bench;

import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.imageio.ImageIO;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The hot-start benchmark's arithmetic and output, apart from the processes it drives: per configuration and
 * function, the joining node's latencies relative to the fleet's steady state, summarized ({@link #summary}); the
 * node's own count of invocations by warmth from its {@code /metrics} ({@link #byWarmth}); the chart (one panel per
 * function, one line per configuration, latency / steady state on a log scale) and {@code README-hot-start-MODE.md}.
 */
final class HotStartReport {
    /** Issue 6's goal: the first invocation on a new node within 1.5x of steady state. */
    static final double GOAL = 1.5;
    /** {@link #summary}'s {@code within_goal_from}: this many invocations in a row within the goal. */
    static final int RUN = 5;

    private static final Pattern METRIC = Pattern.compile(
            "^hotvisor_invocations_by_warmth_total\\{([^}]*)}\\s+([0-9.eE+-]+)\\s*$");
    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private HotStartReport() {
    }

    /**
     * The joining node's first invocations of one function against the steady state.
     *
     * @param durationsUs the node's {@code X-Hotvisor-Duration-Us} of each invocation, in order
     * @param steadyUs    the fleet's steady state (node 1's median), > 0
     * @return first_us, first_ratio, first_within_goal, median/p90/max ratio, total_ratio (the sum over
     *         {@code n x steady}: 1.0 when every invocation ran at steady state), within_goal_fraction and
     *         within_goal_from (1-based index of the first of {@link #RUN} invocations in a row within the goal, 0 if
     *         none)
     */
    static Map<String, Object> summary(long[] durationsUs, long steadyUs) {
        if (durationsUs.length == 0) {
            throw new IllegalArgumentException("No invocations to summarize");
        }
        if (steadyUs <= 0) {
            throw new IllegalArgumentException("The steady state must be positive; got " + steadyUs + " us");
        }
        double[] ratios = ratios(durationsUs, steadyUs);
        double[] sorted = ratios.clone();
        Arrays.sort(sorted);
        int within = 0;
        int from = 0;
        int streak = 0;
        for (int i = 0; i < ratios.length; i++) {
            if (ratios[i] <= GOAL) {
                within++;
                streak++;
                if (streak == RUN && from == 0) {
                    from = i - RUN + 2;
                }
            } else {
                streak = 0;
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("first_us", durationsUs[0]);
        m.put("first_ratio", round(ratios[0]));
        m.put("first_within_goal", ratios[0] <= GOAL);
        m.put("median_ratio", round(nearestRank(sorted, 50)));
        m.put("p90_ratio", round(nearestRank(sorted, 90)));
        m.put("max_ratio", round(sorted[sorted.length - 1]));
        m.put("total_ratio", round(Arrays.stream(durationsUs).sum() / ((double) steadyUs * durationsUs.length)));
        m.put("within_goal_fraction", round((double) within / ratios.length));
        m.put("within_goal_from", from);
        return m;
    }

    static double[] ratios(long[] durationsUs, long steadyUs) {
        return Arrays.stream(durationsUs).mapToDouble(d -> (double) d / steadyUs).toArray();
    }

    /**
     * The node's successful invocations of {@code function} by warmth ({@code hot}, {@code warming}) from its
     * Prometheus text, summed over namespaces and languages; a warmth with no line is absent.
     */
    static Map<String, Long> byWarmth(String metrics, String function) {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String line : metrics.split("\n")) {
            Matcher m = METRIC.matcher(line.trim());
            if (!m.matches()) {
                continue;
            }
            Map<String, String> labels = new LinkedHashMap<>();
            Matcher l = LABEL.matcher(m.group(1));
            while (l.find()) {
                labels.put(l.group(1), l.group(2));
            }
            if (function.equals(labels.get("function")) && labels.containsKey("warmth")) {
                counts.merge(labels.get("warmth"), (long) Double.parseDouble(m.group(2)), Long::sum);
            }
        }
        return counts;
    }

    /** One line of the chart: a configuration's ratios for one function. */
    record Line(String function, String configuration, double[] ratios) {
    }

    /** One panel per function (in the order first seen), one line per configuration; log scale. */
    static void chart(Path png, String title, List<Line> lines) throws IOException {
        Map<String, List<Line>> byFunction = new LinkedHashMap<>();
        lines.forEach(l -> byFunction.computeIfAbsent(l.function(), k -> new ArrayList<>()).add(l));
        int width = 700;
        int height = 420;
        int columns = Math.min(2, byFunction.size());
        int rows = (byFunction.size() + columns - 1) / columns;
        BufferedImage grid = new BufferedImage(width * columns, height * rows + 40, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = grid.createGraphics();
        g.setColor(java.awt.Color.WHITE);
        g.fillRect(0, 0, grid.getWidth(), grid.getHeight());
        g.setColor(java.awt.Color.BLACK);
        g.setFont(g.getFont().deriveFont(java.awt.Font.BOLD, 16f));
        g.drawString(title, 10, 26);
        int k = 0;
        for (var e : byFunction.entrySet()) {
            XYChart chart = new XYChartBuilder().width(width).height(height).title(e.getKey())
                    .xAxisTitle("invocation on the joining node").yAxisTitle("latency / fleet steady state").build();
            chart.getStyler().setYAxisLogarithmic(true);
            chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
            for (Line l : e.getValue()) {
                double[] x = new double[l.ratios().length];
                double[] y = new double[x.length];
                for (int i = 0; i < x.length; i++) {
                    x[i] = i + 1;
                    y[i] = Math.max(l.ratios()[i], 0.01); // a log axis cannot show 0
                }
                XYSeries s = chart.addSeries(l.configuration(), x, y);
                s.setMarker(SeriesMarkers.NONE);
            }
            double[] x = {1, Math.max(2, e.getValue().getFirst().ratios().length)};
            chart.addSeries("goal " + GOAL + "x", x, new double[] {GOAL, GOAL}).setMarker(SeriesMarkers.NONE);
            g.drawImage(BitmapEncoder.getBufferedImage(chart), (k % columns) * width, 40 + (k / columns) * height,
                    null);
            k++;
        }
        g.dispose();
        ImageIO.write(grid, "png", png.toFile());
    }

    /** {@code README-NAME.md}: how it was run, one table of the summaries, {@code notes-hot-start.md} if present. */
    static void markdown(Path dir, String name, Map<String, Object> header, List<Map<String, Object>> rows) {
        StringBuilder md = new StringBuilder("# Hot starts on a joining node (issue 6)\n\n");
        Results.readmeHeader(md, header, "", "configurations");
        md.append("- ").append(header.get("notes")).append("\n\n");
        md.append("| function | configuration | acting here | via | node 4 share | steady us | first ratio"
                + " | node 4's first call, CPU / its reference | first call vs node 1 mixed: duration, CPU"
                + " | median ratio | p90 ratio | total ratio | client median us | within 1.5x from"
                + " | not hot (node 4's own) | not hot (all nodes) | warm-up | AOT cache | snapshot |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Map<String, Object> r : rows) {
            md.append("| ").append(r.get("function")).append(" | ").append(r.get("configuration")).append(" | ")
                    .append(r.get("acting")).append(" | ").append(r.get("via")).append(" | ")
                    .append(r.get("node4_share")).append(" | ").append(r.get("steady_us")).append(" | ")
                    .append(r.get("first_ratio")).append(" | ").append(r.get("node4_first_cpu_ratio")).append(" | ")
                    .append(r.getOrDefault("first_ratio_mixed", "n/a")).append(", ")
                    .append(r.getOrDefault("first_cpu_ratio_mixed", "n/a")).append(" | ")
                    .append(r.get("median_ratio")).append(" | ")
                    .append(r.get("p90_ratio")).append(" | ").append(r.get("total_ratio")).append(" | ")
                    .append(r.get("client_median_us")).append(" | ")
                    .append(r.get("within_goal_from")).append(" | ").append(r.get("not_hot")).append('/')
                    .append(r.get("invocations")).append(" | ").append(r.get("all_nodes_not_hot")).append('/')
                    .append(r.get("invocations")).append(" | ").append(r.get("warm_up")).append(" | ")
                    .append(r.get("aot_cache")).append(" | ").append(r.getOrDefault("snapshot", "n/a"))
                    .append(" |\n");
        }
        md.append("\n![latency / steady state](").append(name).append(".png)\n\n");
        cores(md, rows);
        Results.readme(dir, name, "notes-hot-start.md", md);
    }

    /** The windows of {@code CpuAccount}, in the CSV as {@code <window>_<column>}, with what the table calls them. */
    private static final Map<String, String> WINDOWS = Map.of("steady_", "node 1's steady state",
            "first_round_", "node 4's first round (1 call each)", "calls_", "node 4's calls (all)");

    /**
     * Who used the machine's cores in each configuration, once per configuration (every function's row holds the
     * same): while node 1 set the steady state, over node 4's first round of calls and over all of them. Absent in
     * results written before the account existed.
     */
    static void cores(StringBuilder md, List<Map<String, Object>> rows) {
        if (rows.isEmpty() || !rows.getFirst().containsKey("calls_busy_cores")) {
            return;
        }
        md.append("Who used the machine's cores (CPU time / wall time, from /proc; 'node' = the node measured: node 1"
                + " for the steady state, node 4 after, its JVM with the threads of HotSpot's JIT (Java code: the node,"
                + " Graal), Truffle's JIT (guest code) and the GC apart, and its worker JVMs; 'outside' = busy time of"
                + " no party: the kernel, other programs):\n\n");
        md.append("| configuration | window | ms | busy cores | steal | node | HotSpot JIT | Truffle JIT | GC"
                + " | its workers | other nodes | gateway | redis | bench client | outside |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        Set<Object> seen = new HashSet<>();
        for (Map<String, Object> r : rows) {
            if (!seen.add(r.get("configuration"))) {
                continue;
            }
            for (String w : List.of("steady_", "first_round_", "calls_")) {
                md.append("| ").append(r.get("configuration")).append(" | ").append(WINDOWS.get(w));
                if (w.equals("steady_") && r.containsKey("steady_calm")) {
                    md.append(Boolean.TRUE.equals(r.get("steady_calm"))
                            ? " (calm after " + r.get("steady_calm_wait_ms") + " ms)"
                            : " (**not calm** after " + r.get("steady_calm_wait_ms") + " ms)");
                }
                for (String c : List.of("window_ms", "busy_cores", "steal_cores", "served_cores",
                        "served_hotspot_jit_cores", "served_truffle_jit_cores", "served_gc_cores",
                        "served_workers_cores", "other_nodes_cores", "gateway_cores", "redis_cores", "bench_cores",
                        "outside_cores")) {
                    md.append(" | ").append(r.get(w + c));
                }
                md.append(" |\n");
            }
        }
        md.append('\n');
    }

    private static double nearestRank(double[] sorted, double p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    /** {@code v} to 2 decimals, as the report shows ratios. */
    static double round(double v) {
        return Math.round(v * 100.0) / 100.0;
    }
}
