package io.hotvisor.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Runs the density benchmark in smoke mode against a real node (bin/hotvisor) and a real baseline server
 * (bench/baseline.sh) with wrk, so that it cannot rot: every function must answer correctly on every side (the
 * benchmark checks each answer before and after load), the outputs must be well formed, and no process it started
 * (the node, the baseline servers, their instances and AOT training runs) may outlive it. Never a timing.
 */
class DensitySmokeTest {

    @TempDir
    Path out;

    @Test
    void both_sides_answer_every_hello_world_the_results_are_well_formed_and_no_process_outlives_the_run() throws Exception {
        Path json;
        List<String> left;
        try (ProcessWatch watch = ProcessWatch.start()) {
            json = DensityBench.run(DensityBench.parse("--smoke", "--out", out.toString()));
            left = watch.alive(Duration.ofMillis(200));
        }
        assertThat(left).as("processes the benchmark started (servers, instances, AOT training runs, wrk),"
                + " alive after it ended").isEmpty();
        DensityReport.write(out);

        JsonNode doc = Results.JSON.readTree(json.toFile());
        assertThat(doc.get("skipped").size()).as("failures: %s", doc.get("skipped")).isZero();
        List<String> runs = new ArrayList<>();
        doc.get("rows").forEach(r -> runs.add(r.get("function").asText() + "-" + r.get("language").asText() + "@"
                + r.get("side").asText()));
        assertThat(runs).containsExactlyInAnyOrder("hello-js@hotvisor", "hello-js@baseline", "hello-python@hotvisor",
                "hello-python@baseline", "hello-java@hotvisor", "hello-java@baseline", "hello-java@baseline-aot");
        assertThat(doc.get("rows")).allSatisfy(row -> {
            assertThat(row.get("requests").asLong()).as("requests of %s", row).isPositive();
            assertThat(row.get("errors").asLong()).as("errors of %s", row).isZero();
            assertThat(row.get("rss_peak_mb").asDouble()).as("RSS of %s", row).isPositive();
            assertThat(row.get("ops_per_gb").asDouble()).as("ops/GB of %s", row).isPositive();
            assertThat(row.get("first_request_ms").asDouble()).isPositive();
        });
        assertThat(doc.get("rows")).filteredOn(r -> r.get("side").asText().startsWith("baseline"))
                .allSatisfy(row -> {
                    assertThat(row.get("instances_peak").asInt()).as("instances of %s", row).isPositive();
                    assertThat(row.get("front_rss_mb").asDouble()).isPositive()
                            .isLessThan(row.get("rss_peak_mb").asDouble());
                });
        assertThat(out.resolve("density.csv")).content().contains("function,language,side,connections");
        assertThat(out.resolve("README-density.md")).content().contains("Ratios of ops/s per GB")
                .contains("| hello | js | 2 |").doesNotContain("FAILED");
        assertThat(out.resolve("density.png")).isNotEmptyFile();
    }
}
