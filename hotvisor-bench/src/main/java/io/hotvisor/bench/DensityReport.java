package io.hotvisor.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Turns {@code density.json} into {@code README-density.md} (raw rows, then the Hotvisor/baseline ratios of ops/s per
 * GB next to the paper's) and {@code density.png} (grouped bars of ops/s per GB, log scale). Measures nothing.
 *
 * <p>Run: {@code bench/density.sh --report-only} (the density benchmark runs it at its end).
 */
public final class DensityReport {
    /** The paper's (Graalvisor, Benchmark 1) ops/s per GB over OpenWhisk, per language. */
    static final Map<String, Double> PAPER = Map.of("java", 170.0, "js", 26.6, "python", 2.07);

    private DensityReport() {
    }

    public static void main(String[] args) throws IOException {
        write(BenchArgs.parse(args).out());
    }

    static void write(Path dir) throws IOException {
        System.setProperty("java.awt.headless", "true");
        JsonNode doc = Results.JSON.readTree(dir.resolve("density.json").toFile());
        StringBuilder md = new StringBuilder("# Density: Hotvisor node vs one process per instance (Benchmark 1)\n\n");
        JsonNode m = doc.get("machine");
        md.append("- command: `").append(doc.get("command").asText()).append("`\n")
                .append("- date: ").append(doc.get("date").asText()).append("; mode: ").append(doc.get("mode").asText())
                .append(" (warm-up ").append(doc.get("warmup_s").asText()).append(" s, measured ")
                .append(doc.get("seconds").asText()).append(" s per run)\n")
                .append("- machine: ").append(m.get("nproc").asText()).append(" processors (").append(m.get("cpu").asText())
                .append("), MemTotal ").append(m.get("mem_total").asText()).append(", ").append(m.get("jdk").asText())
                .append("; load average at the end: ").append(m.get("loadavg_at_end").asText())
                .append("; other JVMs running: ").append(m.path("other_java_processes").asText("?")).append('\n')
                .append("- idle RSS: node ").append(doc.path("node_rss_idle_mb").asText()).append(" MB, baseline front server ")
                .append(doc.path("baseline_front_rss_idle_mb").asText()).append(" MB\n")
                .append("- ").append(doc.get("notes").asText()).append('\n');
        doc.get("skipped").properties().forEach(e -> md.append("- **FAILED: ").append(e.getKey()).append("** (")
                .append(e.getValue().asText().replace('\n', ' ')).append(")\n"));
        md.append("\n## Ratios of ops/s per GB, Hotvisor / baseline\n\n")
                .append("| function | language | connections | vs baseline (instances only) | vs baseline (with front server)"
                        + " | vs baseline with AOT cache (instances only) | paper (vs OpenWhisk) |"
                        + " first request ms: Hotvisor / baseline |\n|---|---|---|---|---|---|---|---|\n");
        Map<String, Map<String, JsonNode>> byRun = new LinkedHashMap<>();
        for (JsonNode row : doc.get("rows")) {
            String run = row.get("function").asText() + "|" + row.get("language").asText() + "|"
                    + row.get("connections").asText();
            byRun.computeIfAbsent(run, k -> new LinkedHashMap<>()).put(row.get("side").asText(), row);
        }
        List<String> categories = new ArrayList<>();
        Map<String, List<Number>> series = new LinkedHashMap<>();
        for (String side : List.of("hotvisor", "baseline", "baseline-aot")) {
            series.put(side, new ArrayList<>());
        }
        byRun.forEach((run, sides) -> {
            String[] k = run.split("\\|");
            JsonNode hv = sides.get("hotvisor");
            JsonNode bl = sides.get("baseline");
            JsonNode aot = sides.get("baseline-aot");
            md.append("| ").append(k[0]).append(" | ").append(k[1]).append(" | ").append(k[2]).append(" | ")
                    .append(ratio(hv, bl, "ops_per_gb_without_front")).append(" | ")
                    .append(ratio(hv, bl, "ops_per_gb")).append(" | ")
                    .append(aot == null ? "n/a" : ratio(hv, aot, "ops_per_gb_without_front")).append(" | ")
                    .append(PAPER.containsKey(k[1]) ? PAPER.get(k[1]) + "x" : "n/a").append(" | ")
                    .append(hv == null ? "n/a" : ms(hv.get("first_request_ms"))).append(" / ")
                    .append(bl == null ? "n/a" : ms(bl.get("first_request_ms"))).append(" |\n");
            categories.add(k[0] + "-" + k[1] + " c" + k[2]);
            series.forEach((side, values) -> values.add(sides.containsKey(side)
                    ? Math.max(1e-3, sides.get(side).get("ops_per_gb").asDouble()) : 1e-3));
        });
        md.append("\nA ratio above 1 means Hotvisor serves more requests per second per GB of memory.\n\n")
                .append(geometricMeans(byRun));
        md.append("\n")
                .append("![ops/s per GB](density.png)\n\n## Runs\n\n");
        List<String> columns = new ArrayList<>();
        doc.get("rows").path(0).fieldNames().forEachRemaining(columns::add);
        md.append("| ").append(String.join(" | ", columns)).append(" |\n|").append("---|".repeat(columns.size())).append('\n');
        for (JsonNode row : doc.get("rows")) {
            md.append("|");
            columns.forEach(c -> md.append(' ').append(row.get(c).asText()).append(" |"));
            md.append('\n');
        }
        Path notes = dir.resolve("notes-density.md");
        if (Files.exists(notes)) {
            md.append('\n').append(Files.readString(notes));
        }
        Files.writeString(dir.resolve("README-density.md"), md);
        if (!categories.isEmpty()) {
            CategoryChart chart = new CategoryChartBuilder().width(1100).height(650)
                    .title("Throughput per GB of RSS (log scale; baseline includes its front server)")
                    .xAxisTitle("function-language, wrk connections").yAxisTitle("requests/s per GB").build();
            chart.getStyler().setYAxisLogarithmic(true);
            chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
            chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
            chart.getStyler().setYAxisMin(1.0);
            chart.getStyler().setXAxisLabelRotation(60);
            series.forEach((side, values) -> chart.addSeries(side, categories, values));
            BitmapEncoder.saveBitmap(chart, dir.resolve("density.png").toString(), BitmapEncoder.BitmapFormat.PNG);
        }
        System.out.println("Wrote " + dir.resolve("README-density.md") + " and density.png");
    }

    /**
     * Per language and connection count, the geometric mean over functions of the Hotvisor/baseline ratios (instances
     * only). A function where either side served nothing has no ratio: it is left out and counted as such.
     */
    static String geometricMeans(Map<String, Map<String, JsonNode>> byRun) {
        Map<String, List<Double>> ratios = new LinkedHashMap<>();
        Map<String, Integer> missing = new LinkedHashMap<>();
        byRun.forEach((run, sides) -> {
            String[] k = run.split("\\|");
            String key = k[1] + "|" + k[2];
            JsonNode hv = sides.get("hotvisor");
            JsonNode bl = sides.get("baseline");
            double h = hv == null ? 0 : hv.get("ops_per_gb_without_front").asDouble();
            double b = bl == null ? 0 : bl.get("ops_per_gb_without_front").asDouble();
            ratios.computeIfAbsent(key, x -> new ArrayList<>());
            if (h > 0 && b > 0) {
                ratios.get(key).add(h / b);
            } else {
                missing.merge(key, 1, Integer::sum);
            }
        });
        StringBuilder md = new StringBuilder("## Per language: geometric mean of the ratios (instances only)\n\n"
                + "| language | connections | geometric mean | functions | left out (a side served nothing) |"
                + " paper |\n|---|---|---|---|---|---|\n");
        ratios.forEach((key, values) -> {
            String[] k = key.split("\\|");
            md.append("| ").append(k[0]).append(" | ").append(k[1]).append(" | ")
                    .append(geometricMean(values).stream().mapToObj(g -> String.format(Locale.ROOT, "%.2fx", g))
                            .findFirst().orElse("n/a"))
                    .append(" | ").append(values.size()).append(" | ").append(missing.getOrDefault(key, 0)).append(" | ")
                    .append(PAPER.containsKey(k[0]) ? PAPER.get(k[0]) + "x" : "n/a").append(" |\n");
        });
        return md.toString();
    }

    /** The geometric mean of positive values; empty for none. */
    static java.util.OptionalDouble geometricMean(List<Double> values) {
        if (values.isEmpty()) {
            return java.util.OptionalDouble.empty();
        }
        return java.util.OptionalDouble.of(Math.exp(values.stream().mapToDouble(Math::log).sum() / values.size()));
    }

    private static String ms(JsonNode v) {
        return String.format(Locale.ROOT, "%.1f", v.asDouble());
    }

    private static String ratio(JsonNode hotvisor, JsonNode baseline, String field) {
        if (hotvisor == null || baseline == null || baseline.get(field).asDouble() <= 0) {
            return "n/a";
        }
        return String.format(Locale.ROOT, "%.2fx", hotvisor.get(field).asDouble() / baseline.get(field).asDouble());
    }
}
