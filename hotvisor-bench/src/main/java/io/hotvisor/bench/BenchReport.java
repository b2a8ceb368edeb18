package io.hotvisor.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Turns the result files in {@code bench/results/} into charts ({@code sandbox-creation.png},
 * {@code first-call.png}) and the summary {@code README-node.md}, from whichever of {@code sandbox-creation.json},
 * {@code raw-context.json}, {@code first-call.json} and {@code http-hello.csv} exist, plus the hand-written caveats
 * of {@code notes-node.md} if present. Measures nothing itself.
 *
 * <p>Run: {@code bench/sandbox.sh BenchReport [--out DIR]} (both bench scripts run it at their end).
 */
public final class BenchReport {

    private BenchReport() {
    }

    public static void main(String[] args) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Path dir = BenchArgs.parse(args).out();
        StringBuilder md = new StringBuilder("""
                # Hotvisor node benchmarks

                Made by `bench/sandbox.sh` (sandbox creation, first call vs steady state; optimizing Truffle runtime,
                same JVM flags as `bin/hotvisor node`) and `bench/http-hello.sh` (hello world over HTTP on a real
                node). Raw numbers with the exact command, date, machine and runtime: the `.json`/`.csv` files
                beside this one. Speed is measured, never asserted.

                """);
        summary(dir, md);
        Path notes = dir.resolve("notes-node.md");
        if (Files.exists(notes)) {
            md.append(Files.readString(notes)).append('\n');
        }
        Path creation = dir.resolve("sandbox-creation.json");
        if (Files.exists(creation)) {
            creation(Results.JSON.readTree(creation.toFile()), dir, md);
        }
        Path raw = dir.resolve("raw-context.json");
        if (Files.exists(raw)) {
            rawContext(Results.JSON.readTree(raw.toFile()), md);
        }
        Path firstCall = dir.resolve("first-call.json");
        if (Files.exists(firstCall)) {
            firstCall(Results.JSON.readTree(firstCall.toFile()), dir, md);
        }
        Path http = dir.resolve("http-hello.csv");
        if (Files.exists(http)) {
            http(Files.readAllLines(http), md);
        }
        Files.writeString(dir.resolve("README-node.md"), md);
        System.out.println("Wrote " + dir.resolve("README-node.md"));
    }

    /** One line per language with the headline numbers of every result file present. */
    private static void summary(Path dir, StringBuilder md) throws IOException {
        Map<String, Map<String, String>> byLanguage = new LinkedHashMap<>();
        Path creation = dir.resolve("sandbox-creation.json");
        if (Files.exists(creation)) {
            for (JsonNode row : Results.JSON.readTree(creation.toFile()).get("rows")) {
                Map<String, String> cells = byLanguage.computeIfAbsent(row.get("language").asText(), k -> new LinkedHashMap<>());
                cells.put("sandbox creation median / p99 ms (Graalvisor isolate: 0.47)",
                        ms(row.get("median_ms")) + " / " + ms(row.get("p99_ms")));
            }
        }
        Path firstCall = dir.resolve("first-call.json");
        if (Files.exists(firstCall)) {
            for (JsonNode row : Results.JSON.readTree(firstCall.toFile()).get("rows")) {
                Map<String, String> cells = byLanguage.computeIfAbsent(row.get("language").asText(), k -> new LinkedHashMap<>());
                cells.put("first call in new sandbox / steady state (word count)",
                        row.get("ratio_first_to_steady").asText() + " (" + ms(row.get("first_call_median_ms")) + " / "
                                + ms(row.get("steady_median_ms")) + " ms)");
            }
        }
        Path http = dir.resolve("http-hello.csv");
        if (Files.exists(http)) {
            List<String> columns = null;
            for (String line : Files.readAllLines(http)) {
                if (line.startsWith("#") || line.isBlank()) {
                    continue;
                }
                if (columns == null) {
                    columns = List.of(line.split(","));
                    continue;
                }
                String[] v = line.split(",", -1);
                Map<String, String> cells = byLanguage.computeIfAbsent(v[0], k -> new LinkedHashMap<>());
                String run = v[columns.indexOf("run")];
                if (run.startsWith("max")) {
                    String key = "HTTP hello max req/s (connections)";
                    double rps = Double.parseDouble(v[columns.indexOf("rps")]);
                    String old = cells.get(key);
                    if (old == null || Double.parseDouble(old.substring(0, old.indexOf(' '))) < rps) {
                        cells.put(key, v[columns.indexOf("rps")] + " (" + v[columns.indexOf("connections")] + ")");
                    }
                } else {
                    cells.put("HTTP hello p50 / p99 ms at 1 connection", v[columns.indexOf("p50_ms")] + " / "
                            + v[columns.indexOf("p99_ms")]);
                }
            }
        }
        List<String> headers = byLanguage.values().stream().flatMap(m -> m.keySet().stream()).distinct().toList();
        if (headers.isEmpty()) {
            return;
        }
        md.append("## Summary\n\n| language | ").append(String.join(" | ", headers)).append(" |\n|---|")
                .append("---|".repeat(headers.size())).append('\n');
        byLanguage.forEach((language, cells) -> {
            md.append("| ").append(language);
            headers.forEach(h -> md.append(" | ").append(cells.getOrDefault(h, "n/a")));
            md.append(" |\n");
        });
        md.append('\n');
    }

    private static void creation(JsonNode doc, Path dir, StringBuilder md) throws IOException {
        md.append("## 1. Sandbox creation (`LoadedFunction.newSandbox()`)\n\n");
        header(doc, md);
        md.append("| language | samples (warm-up) | median ms | p90 ms | p99 ms | max ms | Graalvisor isolate (paper) |\n");
        md.append("|---|---|---|---|---|---|---|\n");
        List<String> languages = new ArrayList<>();
        List<Number> medians = new ArrayList<>();
        List<Number> p99s = new ArrayList<>();
        List<Number> graalvisor = new ArrayList<>();
        for (JsonNode row : doc.get("rows")) {
            md.append("| %s | %d (%d) | %s | %s | %s | %s | %s ms |\n".formatted(row.get("language").asText(),
                    row.get("samples").asInt(), row.get("warmup").asInt(), ms(row.get("median_ms")),
                    ms(row.get("p90_ms")), ms(row.get("p99_ms")), ms(row.get("max_ms")),
                    ms(row.get("graalvisor_isolate_ms"))));
            languages.add(row.get("language").asText());
            medians.add(positive(row.get("median_ms").asDouble()));
            p99s.add(positive(row.get("p99_ms").asDouble()));
            graalvisor.add(row.get("graalvisor_isolate_ms").asDouble());
        }
        md.append("\n").append(doc.get("notes").asText()).append(".\n\n![sandbox creation](sandbox-creation.png)\n\n");
        CategoryChart chart = chart("Sandbox creation per language (log scale)", "time (ms)");
        chart.addSeries("median", languages, medians);
        chart.addSeries("p99", languages, p99s);
        chart.addSeries("Graalvisor isolate (paper)", languages, graalvisor);
        logFloor(chart, List.of(medians));
        BitmapEncoder.saveBitmap(chart, dir.resolve("sandbox-creation.png").toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    private static void rawContext(JsonNode doc, StringBuilder md) {
        md.append("### 1b. Baseline: a plain GraalVM Context on a shared Engine (no Hotvisor)\n\n");
        header(doc, md);
        md.append("| language | samples (warm-up) | build ms | initialize ms | eval ms | total median ms | total p99 ms |\n");
        md.append("|---|---|---|---|---|---|---|\n");
        for (JsonNode row : doc.get("rows")) {
            md.append("| %s | %d (%d) | %s | %s | %s | %s | %s |\n".formatted(row.get("language").asText(),
                    row.get("samples").asInt(), row.get("warmup").asInt(), ms(row.get("build_median_ms")),
                    ms(row.get("initialize_median_ms")), ms(row.get("eval_median_ms")),
                    ms(row.get("total_median_ms")), ms(row.get("total_p99_ms"))));
        }
        md.append("\n").append(doc.get("notes").asText()).append(".\n\n");
    }

    private static void firstCall(JsonNode doc, Path dir, StringBuilder md) throws IOException {
        md.append("## 2. First call in a new sandbox vs steady state (word count, 50 KB)\n\n");
        header(doc, md);
        md.append("| language | ratio first/steady | first call median ms | first call p90 ms | second call ms |"
                + " steady median ms | steady p99 ms | very first call of the function ms | new sandboxes |\n");
        md.append("|---|---|---|---|---|---|---|---|---|\n");
        List<String> languages = new ArrayList<>();
        List<Number> first = new ArrayList<>();
        List<Number> steady = new ArrayList<>();
        for (JsonNode row : doc.get("rows")) {
            md.append("| %s | **%s** | %s | %s | %s | %s | %s | %s | %d |\n".formatted(row.get("language").asText(),
                    row.get("ratio_first_to_steady").asText(), ms(row.get("first_call_median_ms")),
                    ms(row.get("first_call_p90_ms")), ms(row.get("second_call_median_ms")),
                    ms(row.get("steady_median_ms")), ms(row.get("steady_p99_ms")),
                    ms(row.get("cold_first_call_ms")), row.get("new_sandboxes").asInt()));
            languages.add(row.get("language").asText());
            first.add(positive(row.get("first_call_median_ms").asDouble()));
            steady.add(positive(row.get("steady_median_ms").asDouble()));
        }
        md.append("\n").append(doc.get("notes").asText()).append(".\n\n![first call vs steady state](first-call.png)\n\n");
        CategoryChart chart = chart("First call in a new sandbox vs steady state (median, log scale)", "time (ms)");
        chart.addSeries("first call, new sandbox", languages, first);
        chart.addSeries("steady state, hot sandbox", languages, steady);
        logFloor(chart, List.of(first, steady));
        BitmapEncoder.saveBitmap(chart, dir.resolve("first-call.png").toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    private static void http(List<String> lines, StringBuilder md) {
        md.append("## 3. Hello world over HTTP on a node (`bench/http-hello.sh`)\n\n");
        List<String> columns = null;
        List<Map<String, String>> rows = new ArrayList<>();
        for (String line : lines) {
            if (line.startsWith("# ")) {
                md.append("- ").append(line.substring(2).replace("|", "\\|")).append('\n');
            } else if (!line.isBlank() && columns == null) {
                columns = List.of(line.split(","));
            } else if (!line.isBlank()) {
                String[] values = line.split(",", -1);
                Map<String, String> row = new LinkedHashMap<>();
                for (int i = 0; i < columns.size() && i < values.length; i++) {
                    row.put(columns.get(i), values[i]);
                }
                rows.add(row);
            }
        }
        md.append('\n');
        if (columns != null) {
            md.append("| ").append(String.join(" | ", columns)).append(" |\n");
            md.append("|").append("---|".repeat(columns.size())).append('\n');
            for (Map<String, String> row : rows) {
                md.append("| ").append(String.join(" | ", row.values())).append(" |\n");
            }
        }
        md.append('\n');
    }

    private static void header(JsonNode doc, StringBuilder md) {
        JsonNode m = doc.get("machine");
        md.append("- command: `").append(doc.get("command").asText()).append("`\n");
        md.append("- date: ").append(doc.get("date").asText()).append("; Truffle runtime: ")
                .append(doc.get("truffle_runtime").asText()).append(doc.get("smoke").asBoolean() ? " (SMOKE run)" : "")
                .append('\n');
        md.append("- machine: ").append(m.get("nproc").asText()).append(" processors (").append(m.get("cpu").asText())
                .append("), MemTotal ").append(m.get("mem_total").asText()).append(", ").append(m.get("jdk").asText())
                .append(", max heap ").append(m.get("max_heap_mb").asText()).append(" MB");
        if (m.has("loadavg_at_end")) {
            md.append("; load average at the end: ").append(m.get("loadavg_at_end").asText())
                    .append("; other JVMs running: ").append(m.path("other_java_processes").asText("?"));
        }
        md.append('\n');
        JsonNode skipped = doc.path("skipped");
        skipped.properties().forEach(e -> md.append("- **not measured: ").append(e.getKey()).append("** (")
                .append(e.getValue().asText()).append(")\n"));
        md.append('\n');
    }

    /**
     * XChart starts bar charts at 0, which a log axis cannot show: start the axis at the power of ten below the
     * smallest value instead.
     */
    private static void logFloor(CategoryChart chart, List<List<Number>> series) {
        double min = series.stream().flatMap(List::stream).mapToDouble(Number::doubleValue)
                .min().orElse(1);
        chart.getStyler().setYAxisMin(Math.pow(10, Math.floor(Math.log10(Math.min(min, 0.47)))));
    }

    /** A time in ms for the tables: 4 significant digits (a Java sandbox takes about a microsecond). */
    private static String ms(JsonNode value) {
        double v = value.asDouble();
        return v >= 100 ? String.format(java.util.Locale.ROOT, "%.1f", v)
                : String.format(java.util.Locale.ROOT, "%.4g", v);
    }

    /** A log axis cannot show 0: a time below the clock's resolution is drawn at 1 ns. */
    private static double positive(double ms) {
        return Math.max(ms, 1e-6);
    }

    private static CategoryChart chart(String title, String yTitle) {
        CategoryChart chart = new CategoryChartBuilder().width(900).height(500).title(title)
                .xAxisTitle("language").yAxisTitle(yTitle).build();
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        chart.getStyler().setLabelsVisible(true);
        chart.getStyler().setDecimalPattern("0.####");
        return chart;
    }
}
