package io.hotvisor.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Runs the sandbox benchmarks in smoke mode so they cannot rot. Asserts only that results are written, one row per
 * language, with positive numbers: never a timing (speed is measured, not asserted).
 */
class SandboxBenchmarksSmokeTest {

    @TempDir
    Path out;

    @Test
    void sandbox_creation_writes_a_row_per_language_with_positive_times() throws Exception {
        Path json = SandboxCreationBench.run(BenchArgs.parse("--smoke", "--out", out.toString()));

        JsonNode doc = Results.JSON.readTree(json.toFile());
        assertThat(doc.get("skipped").size()).as("languages skipped: %s", doc.get("skipped")).isZero();
        assertThat(doc.get("rows")).extracting(row -> row.get("language").asText())
                .containsExactlyInAnyOrder("js", "python", "java");
        assertThat(doc.get("rows")).allSatisfy(row -> {
            assertThat(row.get("samples").asInt()).isPositive();
            assertThat(row.get("median_ms").asDouble()).isPositive();
            assertThat(row.get("p99_ms").asDouble()).isPositive();
        });
        assertThat(out.resolve("sandbox-creation.csv")).isNotEmptyFile();
    }

    @Test
    void host_speed_writes_each_kind_per_cpu_with_a_chart_and_a_report() throws Exception {
        HostSpeedBench.main(new String[] {"--smoke", "--out", out.toString()});

        JsonNode rows = Results.JSON.readTree(out.resolve("host-speed.json").toFile()).get("rows");
        int cpus = Runtime.getRuntime().availableProcessors();
        assertThat(rows).hasSize(3 * cpus).allSatisfy(row -> {
            assertThat(row.get("units").asInt()).isPositive();
            assertThat(row.get("best_us").asDouble()).isPositive();
            assertThat(row.get("median_ratio").asDouble()).isGreaterThanOrEqualTo(1.0);
        });
        assertThat(rows).extracting(row -> row.get("kind").asText()).containsOnly("mem", "alu", "js");
        assertThat(out.resolve("host-speed-windows.csv")).isNotEmptyFile();
        assertThat(out.resolve("host-speed.png")).isNotEmptyFile();
        assertThat(out.resolve("README-host-speed.md")).content().contains("| 0 | js |");
    }

    @Test
    void first_call_writes_a_row_per_language_with_positive_times_and_a_report() throws Exception {
        Path json = FirstCallBench.run(BenchArgs.parse("--smoke", "--out", out.toString()));
        BenchReport.main(new String[] {"--out", out.toString()});

        JsonNode doc = Results.JSON.readTree(json.toFile());
        assertThat(doc.get("skipped").size()).as("languages skipped: %s", doc.get("skipped")).isZero();
        assertThat(doc.get("rows")).extracting(row -> row.get("language").asText())
                .containsExactlyInAnyOrder("js", "python", "java");
        assertThat(doc.get("rows")).allSatisfy(row -> {
            assertThat(row.get("first_call_median_ms").asDouble()).isPositive();
            assertThat(row.get("steady_median_ms").asDouble()).isPositive();
            assertThat(row.get("ratio_first_to_steady").asDouble()).isPositive();
        });
        assertThat(out.resolve("README-node.md")).content().contains("First call in a new sandbox");
        assertThat(out.resolve("first-call.png")).isNotEmptyFile();
    }

    @Test
    void warm_up_first_call_writes_a_row_per_language_with_cpu_and_wall_ratios_for_each_function() throws Exception {
        List<Path> written = WarmUpFirstCallBench.run(BenchArgs.parse("--smoke", "--out", out.toString()));

        assertThat(written).extracting(p -> p.getFileName().toString())
                .containsExactly("warm-up-first-call.json", "warm-up-first-call-json-transform.json");
        JsonNode wordCount = Results.JSON.readTree(written.get(0).toFile());
        assertThat(wordCount.get("skipped").size()).as("languages skipped: %s", wordCount.get("skipped")).isZero();
        assertThat(wordCount.get("rows")).extracting(row -> row.get("language").asText())
                .containsExactlyInAnyOrder("js", "python", "java");
        JsonNode transform = Results.JSON.readTree(written.get(1).toFile());
        assertThat(transform.get("rows")).extracting(row -> row.get("language").asText())
                .containsExactlyInAnyOrder("js", "python");
        assertThat(transform.get("skipped").get("java").asText()).contains("this benchmark loads the JavaScript and"
                + " Python ones only");
        for (JsonNode doc : List.of(wordCount, transform)) {
            assertThat(doc.get("rows")).allSatisfy(row -> {
                assertThat(row.get("steady_cpu_ms").asDouble()).isPositive();
                assertThat(row.get("serving_first_wall_ratio").asDouble()).isPositive();
                assertThat(row.get("serving_cpu_ratios").asText().split(" ")).hasSize(2);
                assertThat(row.get("made_after_cpu_ratios").asText().split(" ")).hasSize(2);
            });
        }
        assertThat(out.resolve("warm-up-first-call.csv")).isNotEmptyFile();
        assertThat(out.resolve("warm-up-first-call-json-transform.csv")).isNotEmptyFile();
    }

    @Test
    void idle_gap_writes_a_row_per_language_with_a_ratio_per_pause() throws Exception {
        Path json = IdleGapBench.run(BenchArgs.parse("--smoke", "--out", out.toString()));

        JsonNode doc = Results.JSON.readTree(json.toFile());
        assertThat(doc.get("skipped").size()).as("languages skipped: %s", doc.get("skipped")).isZero();
        assertThat(doc.get("rows")).extracting(row -> row.get("language").asText())
                .containsExactlyInAnyOrder("js", "python", "java");
        assertThat(doc.get("rows")).allSatisfy(row -> {
            assertThat(row.get("back_to_back_cpu_ms").asDouble()).isPositive();
            for (IdleGapBench.Pause pause : IdleGapBench.Pause.values()) {
                assertThat(row.get(pause.id + "_cpu_ratio").asDouble()).as(pause.id).isPositive();
                assertThat(row.get(pause.id + "_wall_ratio").asDouble()).as(pause.id).isPositive();
            }
        });
        assertThat(out.resolve("idle-gap.csv")).isNotEmptyFile();
    }
}
