package io.hotvisor.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import io.hotvisor.runtime.FunctionRuntime;
import io.hotvisor.runtime.Language;
import io.hotvisor.runtime.RuntimeOptions;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * Writes one benchmark's results as {@code NAME.json} (header fields and rows) and {@code NAME.csv} (the same header
 * as {@code #} comment lines, then one line per row). The header names the exact command, the date, the machine
 * (processors, memory, JDK) and the Truffle runtime, so a number is never separated from where it was measured.
 */
final class Results {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Results() {
    }

    /**
     * The header fields of a result file.
     *
     * @param skipped languages that could not be measured, and why (e.g. a runtime not implemented yet)
     */
    static Map<String, Object> header(String benchmark, String truffleRuntime, boolean smoke, String notes,
                                      Map<String, String> skipped) {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("benchmark", benchmark);
        h.put("command", command());
        h.put("date", OffsetDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        h.put("machine", machine());
        h.put("truffle_runtime", truffleRuntime);
        h.put("smoke", smoke);
        h.put("notes", notes);
        h.put("skipped", skipped);
        return h;
    }

    /**
     * The script that ran us ({@code -Dhotvisor.bench.command}) and this JVM's full command line, after the options
     * given to every node ({@link ClusterProcesses#extraNodeArgs()}), if any.
     */
    static String command() {
        String script = System.getProperty("hotvisor.bench.command", "");
        String jvm = ProcessHandle.current().info().commandLine().orElse("java (command line unavailable)");
        List<String> nodeArgs = ClusterProcesses.extraNodeArgs();
        String nodes = nodeArgs.isEmpty() ? "" : "HOTVISOR_BENCH_NODE_ARGS='" + String.join(" ", nodeArgs) + "' ";
        return nodes + (script.isEmpty() ? jvm : script + "  ->  " + jvm);
    }

    static Map<String, Object> machine() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("nproc", Runtime.getRuntime().availableProcessors());
        m.put("mem_total", memTotal());
        m.put("cpu", cpuModel());
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        m.put("jdk", System.getProperty("java.vm.vendor") + " " + System.getProperty("java.vm.name") + " "
                + System.getProperty("java.runtime.version"));
        m.put("max_heap_mb", Runtime.getRuntime().maxMemory() / (1024 * 1024));
        m.put("loadavg_at_end", procLine(Path.of("/proc/loadavg"), ""));
        // Other JVMs on the machine compete for its cores: count them so that a noisy result says why.
        m.put("other_java_processes", ProcessHandle.allProcesses()
                .filter(p -> p.pid() != ProcessHandle.current().pid())
                .filter(p -> p.info().command().map(c -> c.endsWith("/java")).orElse(false)).count());
        return m;
    }

    private static String memTotal() {
        return procLine(Path.of("/proc/meminfo"), "MemTotal:");
    }

    private static String cpuModel() {
        return procLine(Path.of("/proc/cpuinfo"), "model name");
    }

    private static String procLine(Path file, String key) {
        try {
            return Files.readAllLines(file).stream().filter(l -> l.startsWith(key)).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown");
        } catch (IOException | UncheckedIOException e) {
            return "unknown";
        }
    }

    /** Writes {@code dir/name.json} and {@code dir/name.csv}; returns the JSON file. */
    static Path write(Path dir, String name, Map<String, Object> header, List<Map<String, Object>> rows) {
        try {
            Files.createDirectories(dir);
            Map<String, Object> doc = new LinkedHashMap<>(header);
            doc.put("rows", rows);
            Path json = dir.resolve(name + ".json");
            JSON.writeValue(json.toFile(), doc);

            Files.writeString(dir.resolve(name + ".csv"), csv(header, rows));
            return json;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write the results " + name + " to " + dir, e);
        }
    }

    /**
     * The CSV of {@code rows}: the header's entries as {@code # key: value} lines (line breaks in a value made spaces),
     * then one column per key of any row (in the order first seen; a row without a key has an empty cell there), each
     * cell quoted as RFC 4180 says when it holds a comma, a double quote or a line break (a CRIU snapshot's state
     * "ready, last worker restored, ..." shifted every later column of its row before).
     */
    static String csv(Map<String, Object> header, List<Map<String, Object>> rows) {
        StringBuilder csv = new StringBuilder();
        // One line per entry, so a reader can skip the lines that start with '#'.
        header.forEach((k, v) -> csv.append("# ").append(k).append(": ")
                .append(String.valueOf(v).replace('\n', ' ').replace('\r', ' ')).append('\n'));
        if (rows.isEmpty()) {
            return csv.toString();
        }
        Set<String> columns = new LinkedHashSet<>();
        rows.forEach(row -> columns.addAll(row.keySet()));
        csv.append(columns.stream().map(Results::csvCell).collect(Collectors.joining(","))).append('\n');
        for (Map<String, Object> row : rows) {
            csv.append(columns.stream().map(c -> row.containsKey(c) ? csvCell(String.valueOf(row.get(c))) : "")
                    .collect(Collectors.joining(","))).append('\n');
        }
        return csv.toString();
    }

    private static String csvCell(String value) {
        if (value.indexOf(',') < 0 && value.indexOf('"') < 0 && value.indexOf('\n') < 0 && value.indexOf('\r') < 0) {
            return value;
        }
        return '"' + value.replace("\"", "\"\"") + '"';
    }

    /**
     * The lines a {@code README-NAME.md} of the cluster benchmarks opens with, from the header of its results: the
     * command, the date and mode (followed by {@code afterMode}), the machine and its load, and the {@code skipped}
     * parts as "**{@code failedWhat} that failed**".
     */
    static void readmeHeader(StringBuilder md, Map<String, Object> header, String afterMode, String failedWhat) {
        md.append("- command: `").append(header.get("command")).append("`\n");
        md.append("- date: ").append(header.get("date")).append("; mode: ").append(header.get("mode"))
                .append(afterMode).append('\n');
        md.append("- machine: ").append(header.get("machine")).append("; load average at the start: ")
                .append(header.get("loadavg_at_start")).append('\n');
        if (header.get("skipped") instanceof Map<?, ?> failed && !failed.isEmpty()) {
            md.append("- **").append(failedWhat).append(" that failed**: ").append(failed).append('\n');
        }
    }

    /**
     * Writes {@code dir/README-NAME.md}: {@code md}, then the hand-written reading of the results in
     * {@code dir/notes} (e.g. {@code notes-hot-start.md}) if it exists.
     */
    static void readme(Path dir, String name, String notes, CharSequence md) {
        try {
            StringBuilder all = new StringBuilder(md);
            Path notesFile = dir.resolve(notes);
            if (Files.exists(notesFile)) {
                all.append(Files.readString(notesFile)).append('\n');
            }
            Files.writeString(dir.resolve("README-" + name + ".md"), all);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write README-" + name + ".md to " + dir, e);
        }
    }

    /** One language's measurement on the shared runtime. */
    @FunctionalInterface
    interface Measurement {
        Map<String, Object> measure(FunctionRuntime runtime, BenchFunctions functions, Language language);
    }

    /**
     * Runs {@code measurement} for each language of {@code options} on one runtime (a language that fails is
     * skipped and reported in the header), then writes the results.
     *
     * @return the JSON results file
     */
    static Path sweep(BenchArgs options, String name, String notes, Measurement measurement) throws IOException {
        Path work = Files.createTempDirectory("hotvisor-bench-");
        try (FunctionRuntime runtime = FunctionRuntime.create(RuntimeOptions.defaults())) {
            BenchFunctions functions = new BenchFunctions(work);
            List<Map<String, Object>> rows = new java.util.ArrayList<>();
            Map<String, String> skipped = new LinkedHashMap<>();
            for (Language language : options.languages()) {
                try {
                    rows.add(measurement.measure(runtime, functions, language));
                } catch (RuntimeException e) {
                    skipped.put(BenchArgs.shortName(language), String.valueOf(e));
                    System.err.println("Skipped " + language + ": " + e);
                }
            }
            return write(options.out(), name,
                    header(name, runtime.truffleRuntimeName(), options.smoke(), notes, skipped), rows);
        } finally {
            SandboxCreationBench.deleteTree(work);
        }
    }
}
