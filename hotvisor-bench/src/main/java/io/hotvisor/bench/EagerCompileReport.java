package io.hotvisor.bench;

import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import javax.imageio.ImageIO;

import com.fasterxml.jackson.databind.JsonNode;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Merges the runs of {@link EagerCompileBench} ({@code eager-compile-<language>-<engine>.json}) into
 * {@code eager-compile.json}/{@code .csv} (one row per language and engine), {@code eager-compile-invocations.csv},
 * {@code eager-compile.png} (latency / steady state per invocation, log scale, a panel per language) and
 * {@code README-eager-compile.md}. The steady state of a language is the lower of its two engines' (median of the
 * last 100 invocations), so both curves are measured against the same yardstick.
 */
final class EagerCompileReport {
    private static final double HOT = 1.3;
    private static final double GOAL = 1.5;

    private EagerCompileReport() {
    }

    static Path write(Path dir) throws IOException {
        Map<String, Map<String, JsonNode>> runs = new TreeMap<>();
        try (var files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().matches("eager-compile-\\w+-\\w+-(default|eager)\\.json"))
                    .sorted().toList()) {
                JsonNode n = Results.JSON.readTree(f.toFile());
                runs.computeIfAbsent(n.path("function").asText() + "-" + n.path("language").asText(), k -> new TreeMap<>()).put(n.path("engine").asText(), n);
            }
        }
        if (runs.isEmpty()) {
            throw new IllegalStateException("No eager-compile-<language>-<engine>.json in " + dir);
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        StringBuilder perInvocation = new StringBuilder("function_language,engine,invocation,ms,ratio_to_steady,compilations\n");
        List<XYChart> charts = new ArrayList<>();
        String command = "";
        String machine = "";
        for (Map.Entry<String, Map<String, JsonNode>> lang : runs.entrySet()) {
            double steady = Double.MAX_VALUE;
            for (JsonNode run : lang.getValue().values()) {
                steady = Math.min(steady, steadyMs(run));
            }
            XYChart chart = new XYChartBuilder().width(800).height(450).title(lang.getKey())
                    .xAxisTitle("invocation").yAxisTitle("latency / steady state").build();
            chart.getStyler().setYAxisLogarithmic(true);
            chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
            chart.getStyler().setMarkerSize(2);
            for (JsonNode run : lang.getValue().values()) {
                command = run.path("command").asText();
                machine = run.path("machine").toString();
                double[] ms = doubles(run.path("latencies_ms"));
                double[] x = new double[ms.length];
                double[] ratio = new double[ms.length];
                for (int i = 0; i < ms.length; i++) {
                    x[i] = i + 1;
                    ratio[i] = ms[i] / steady;
                    perInvocation.append(lang.getKey()).append(',').append(run.path("engine").asText()).append(',')
                            .append(i + 1).append(',').append(ms[i]).append(',').append(Samples.round(ratio[i]))
                            .append(',').append(run.path("compilations_after_invocation").path(i).asInt()).append('\n');
                }
                chart.addSeries(run.path("engine").asText() + " engine (last tier at "
                        + run.path("last_tier_threshold").asInt() + ")", x, ratio).setMarker(SeriesMarkers.NONE);
                rows.add(row(lang.getKey(), run, ms, ratio, steady));
            }
            chart.addSeries("goal " + GOAL + "x", new double[] {1, EagerCompileBench.FIRST + EagerCompileBench.TAIL},
                    new double[] {GOAL, GOAL}).setMarker(SeriesMarkers.NONE);
            charts.add(chart);
        }
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("benchmark", "eager-compile");
        header.put("command", command);
        header.put("machine", machine);
        header.put("notes", "each row one fresh JVM: one function, one engine, " + EagerCompileBench.FIRST
                + " first invocations then " + EagerCompileBench.TAIL + " more; ratio = latency / the language's"
                + " steady state (lower of the two engines' medians of their last 100); compile figures from Truffle's"
                + " TraceCompilation log; CPU at the end of the first " + EagerCompileBench.FIRST);
        Path json = Results.write(dir, "eager-compile", header, rows);
        Files.writeString(dir.resolve("eager-compile-invocations.csv"), perInvocation);
        chart(charts, dir.resolve("eager-compile.png"));
        Files.writeString(dir.resolve("README-eager-compile.md"), markdown(rows, command));
        return json;
    }

    /** Two decimals below 100, none above. */
    private static String f(Object value) {
        double v = ((Number) value).doubleValue();
        return v >= 100 ? String.format(java.util.Locale.ROOT, "%.0f", v) : String.format(java.util.Locale.ROOT, "%.2f", v);
    }

    private static Map<String, Object> row(String language, JsonNode run, double[] ms, double[] ratio, double steady) {
        int n = EagerCompileBench.FIRST;
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("language", language);
        r.put("engine", run.path("engine").asText());
        r.put("first_tier_threshold", run.path("first_tier_threshold").asInt());
        r.put("last_tier_threshold", run.path("last_tier_threshold").asInt());
        r.put("steady_ms", Samples.round(steady));
        r.put("own_steady_ms", Samples.round(steadyMs(run)));
        r.put("first_ratio", Samples.round(ratio[0]));
        r.put("median_ratio_first_10", Samples.round(median(Arrays.copyOf(ratio, 10))));
        r.put("mean_ratio_first_" + n, Samples.round(Arrays.stream(ratio, 0, n).average().orElse(0)));
        r.put("not_hot_first_" + n, Arrays.stream(ratio, 0, n).filter(v -> v > HOT).count());
        r.put("within_goal_from", withinGoalFrom(ratio));
        r.put("sum_ms_first_" + n, Samples.round(Arrays.stream(ms, 0, n).sum()));
        r.put("handler_last_tier_at", run.path("handler_last_tier_at_invocation").asInt());
        JsonNode first = run.path("first_" + n);
        r.put("compilations_first_" + n, first.path("compilations").asInt());
        r.put("compile_time_ms_first_" + n, first.path("compile_time_ms").asLong());
        r.put("compiler_threads_cpu_ms_first_" + n, first.path("truffle_compiler_threads_cpu_ms").asDouble());
        r.put("process_cpu_ms_first_" + n, first.path("process_cpu_ms").asDouble());
        r.put("wall_ms_first_" + n, first.path("wall_ms").asDouble());
        r.put("load_ms", run.path("load_ms").asDouble());
        return r;
    }

    /** The first invocation from which 5 in a row are within the goal; -1 if never. */
    private static int withinGoalFrom(double[] ratio) {
        for (int i = 0; i + 5 <= ratio.length; i++) {
            boolean ok = true;
            for (int j = i; j < i + 5; j++) {
                ok &= ratio[j] <= GOAL;
            }
            if (ok) {
                return i + 1;
            }
        }
        return -1;
    }

    private static double steadyMs(JsonNode run) {
        double[] ms = doubles(run.path("latencies_ms"));
        return median(Arrays.copyOfRange(ms, Math.max(0, ms.length - 100), ms.length));
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double[] doubles(JsonNode array) {
        double[] d = new double[array.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = array.get(i).asDouble();
        }
        return d;
    }

    private static void chart(List<XYChart> charts, Path file) throws IOException {
        BufferedImage image = new BufferedImage(800, 450 * charts.size(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        for (int i = 0; i < charts.size(); i++) {
            BufferedImage one = BitmapEncoder.getBufferedImage(charts.get(i));
            g.drawImage(one, 0, 450 * i, null);
        }
        g.dispose();
        ImageIO.write(image, "png", file.toFile());
    }

    private static String markdown(List<Map<String, Object>> rows, String command) {
        int n = EagerCompileBench.FIRST;
        StringBuilder md = new StringBuilder("# Eager compilation: what lowered Truffle thresholds buy, and cost\n\n");
        md.append("Command: `").append(command.replaceFirst("\\s+->.*", "")).append("`\n\n");
        md.append("Each row is one fresh JVM running one function on one engine (`wordcount`: 50 KB word count, CPU-heavy;"
                + " `orders`: prices 4 items, request-sized): ")
                .append(n).append(" first invocations, then ").append(EagerCompileBench.TAIL)
                .append(" more for the steady state. Ratio = latency / steady state.\n\n![ratio per invocation]"
                        + "(eager-compile.png)\n\n");
        md.append("| function-language | engine | thresholds (first/last tier) | steady ms | 1st call | median 1-10 | mean 1-")
                .append(n).append(" | not hot in 1-").append(n).append(" | within 1.5x from | handler last tier at |")
                .append(" compilations | compile time ms | compiler threads CPU ms | process CPU ms | sum of ")
                .append(n).append(" latencies ms |\n|");
        md.append("---|".repeat(15)).append('\n');
        for (Map<String, Object> r : rows) {
            md.append("| ").append(r.get("language")).append(" | ").append(r.get("engine")).append(" | ")
                    .append(r.get("first_tier_threshold")).append('/').append(r.get("last_tier_threshold")).append(" | ")
                    .append(f(r.get("steady_ms"))).append(" | ").append(f(r.get("first_ratio"))).append("x | ")
                    .append(f(r.get("median_ratio_first_10"))).append("x | ").append(f(r.get("mean_ratio_first_" + n)))
                    .append("x | ").append(r.get("not_hot_first_" + n)).append(" | ").append(r.get("within_goal_from"))
                    .append(" | ").append(r.get("handler_last_tier_at")).append(" | ")
                    .append(r.get("compilations_first_" + n)).append(" | ").append(r.get("compile_time_ms_first_" + n))
                    .append(" | ").append(f(r.get("compiler_threads_cpu_ms_first_" + n))).append(" | ")
                    .append(f(r.get("process_cpu_ms_first_" + n))).append(" | ").append(f(r.get("sum_ms_first_" + n)))
                    .append(" |\n");
        }
        md.append("\nCompile and CPU figures are for the first ").append(n).append(" invocations (load included).\n");
        return md.toString();
    }
}
