package io.hotvisor.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README of the hot-start and hot-trace benchmarks: the run's header, the tables, the notes appended. */
class ResultsReadmeTest {

    private static Map<String, Object> header(Map<String, String> skipped) {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("command", "bench/hot-start.sh --quick");
        h.put("date", "2026-11-24T06:00:00Z");
        h.put("mode", "quick");
        h.put("machine", "2 cores");
        h.put("loadavg_at_start", "1.5");
        h.put("skipped", skipped);
        return h;
    }

    @Test
    void opens_with_the_run_and_names_what_failed() {
        StringBuilder md = new StringBuilder();

        Results.readmeHeader(md, header(Map.of("aot", "node-4 did not start")), "; options: `--calls 5`", "sides");

        assertThat(md.toString()).isEqualTo("""
                - command: `bench/hot-start.sh --quick`
                - date: 2026-11-24T06:00:00Z; mode: quick; options: `--calls 5`
                - machine: 2 cores; load average at the start: 1.5
                - **sides that failed**: {aot=node-4 did not start}
                """);
    }

    @Test
    void leaves_out_the_failed_line_when_nothing_failed() {
        StringBuilder md = new StringBuilder();

        Results.readmeHeader(md, header(Map.of()), "", "configurations");

        assertThat(md.toString()).doesNotContain("failed").endsWith("load average at the start: 1.5\n");
    }

    @Test
    void appends_the_notes_when_there_are_some(@TempDir Path dir) throws Exception {
        Results.readme(dir, "hot-start-quick", "notes-hot-start.md", "# Table\n\n");
        assertThat(Files.readString(dir.resolve("README-hot-start-quick.md"))).isEqualTo("# Table\n\n");

        Files.writeString(dir.resolve("notes-hot-start.md"), "## Reading\nnode 4 ran hot from its 3rd call.");
        Results.readme(dir, "hot-start-quick", "notes-hot-start.md", "# Table\n\n");

        assertThat(Files.readString(dir.resolve("README-hot-start-quick.md")))
                .isEqualTo("# Table\n\n## Reading\nnode 4 ran hot from its 3rd call.\n");
    }
}
