package io.hotvisor.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The trace replay's chart ({@code trace-<mode>-memory.png}: memory over time, both sides) and summary
 * ({@code README-trace-<mode>.md}: both sides side by side, the reductions next to the Graalvisor paper's).
 */
final class TraceReport {
    /** The Graalvisor paper's result on the same trace: mean memory and p99 latency, Graalvisor vs OpenWhisk. */
    static final double PAPER_MEAN_MEMORY_CHANGE = -82.5;
    static final double PAPER_P99_CHANGE = -67.9;

    private TraceReport() {
    }

    static void write(Path dir, String mode, Map<String, Object> header, List<Map<String, Object>> rows,
                      List<Map<String, Object>> memory) {
        try {
            chart(dir.resolve("trace-" + mode + "-memory.png"), mode, memory);
            Files.writeString(dir.resolve("README-trace-" + mode + ".md"), markdown(mode, header, rows));
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write the trace report to " + dir, e);
        }
    }

    private static void chart(Path png, String mode, List<Map<String, Object>> memory) throws IOException {
        XYChart chart = new XYChartBuilder().width(1000).height(500)
                .title("Azure trace replay (" + mode + "): memory over time, sum of RSS of each side's processes")
                .xAxisTitle("seconds since the replay started").yAxisTitle("MiB").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        series(chart, memory, "hotvisor", "rss_mb", "Hotvisor node");
        series(chart, memory, "baseline", "rss_mb", "baseline: server + instances");
        series(chart, memory, "baseline", "instances_rss_mb", "baseline: instances only");
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    private static void series(XYChart chart, List<Map<String, Object>> memory, String side, String column,
                               String title) {
        List<Double> x = memory.stream().filter(m -> m.get("side").equals(side))
                .map(m -> ((Number) m.get("seconds")).doubleValue()).toList();
        List<Double> y = memory.stream().filter(m -> m.get("side").equals(side))
                .map(m -> ((Number) m.get(column)).doubleValue()).toList();
        if (!x.isEmpty()) {
            XYSeries s = chart.addSeries(title, x, y);
            s.setMarker(SeriesMarkers.NONE);
        }
    }

    static String markdown(String mode, Map<String, Object> header, List<Map<String, Object>> rows) {
        StringBuilder md = new StringBuilder("# Azure trace replay, mode " + mode + "\n\n");
        md.append("- command: `").append(header.get("command")).append("`\n");
        md.append("- date: ").append(header.get("date")).append("\n");
        md.append("- machine: ").append(header.get("machine")).append("\n");
        md.append("- options: ").append(header.get("options")).append("\n");
        md.append("- projection (if every call ran exactly its duration): ").append(header.get("projection"))
                .append("\n");
        md.append("- Hotvisor node heap: -Xmx").append(header.get("node_heap_mb")).append("m; baseline instance cap: ")
                .append(header.get("baseline_memory_cap_mb")).append(" MB, at most ")
                .append(header.get("baseline_max_instances")).append(" instances; ").append(header.get("memory_split"))
                .append("\n");
        Object skipped = header.get("skipped");
        if (skipped instanceof Map<?, ?> m && !m.isEmpty()) {
            md.append("- **not measured**: ").append(m).append("\n");
        }
        md.append("\n| | ");
        rows.forEach(r -> md.append(r.get("side")).append(" | "));
        md.append("\n|---|").append("---|".repeat(rows.size())).append('\n');
        for (String key : rows.getFirst().keySet()) {
            if (key.equals("side")) {
                continue;
            }
            md.append("| ").append(key).append(" | ");
            rows.forEach(r -> md.append(String.valueOf(r.get(key)).replace("|", "\\|")).append(" | "));
            md.append('\n');
        }
        Map<String, Object> hv = rows.stream().filter(r -> r.get("side").equals("hotvisor")).findFirst().orElse(null);
        Map<String, Object> bl = rows.stream().filter(r -> r.get("side").equals("baseline")).findFirst().orElse(null);
        if (hv != null && bl != null) {
            md.append("\n| Hotvisor vs baseline | this run | Graalvisor paper |\n|---|---|---|\n");
            md.append("| mean memory (sum of RSS) | ").append(change(hv, bl, "rss_mean_mb")).append(" | ")
                    .append(PAPER_MEAN_MEMORY_CHANGE).append(" % |\n");
            md.append("| max memory | ").append(change(hv, bl, "rss_max_mb")).append(" | n/a |\n");
            md.append("| p99 latency | ").append(change(hv, bl, "latency_p99_ms")).append(" | ")
                    .append(PAPER_P99_CHANGE).append(" % |\n");
        }
        md.append("\n![memory over time](trace-").append(mode).append("-memory.png)\n");
        return md.toString();
    }

    /** {@code (hotvisor - baseline) / baseline} in per cent, or n/a. */
    static String change(Map<String, Object> hotvisor, Map<String, Object> baseline, String key) {
        double h = ((Number) hotvisor.get(key)).doubleValue();
        double b = ((Number) baseline.get(key)).doubleValue();
        return b <= 0 ? "n/a" : String.format(Locale.ROOT, "%+.1f %%", 100 * (h - b) / b);
    }
}
