package io.hotvisor.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/** Runs the process-isolation benchmark in smoke mode so it cannot rot; asserts results, never a timing. */
class ProcessIsolationBenchSmokeTest {

    @TempDir
    Path out;

    @Test
    void writes_a_row_per_mode_with_positive_times_and_worker_memory() throws Exception {
        ProcessIsolationBench.main(new String[] {"--smoke", "--out", out.toString()});

        JsonNode doc = Results.JSON.readTree(out.resolve("process-isolation.json").toFile());
        // A fourth mode, workers restored from a CRIU checkpoint, where criu works here (as the bench detects it); CI
        // installs criu and sets HOTVISOR_REQUIRE_CRIU=1, so there it must be present.
        java.util.List<String> modes = new java.util.ArrayList<>(java.util.List.of("in-node", "process-no-aot",
                "process-aot"));
        boolean criu = io.hotvisor.runtime.Criu.detect(io.hotvisor.runtime.Criu.Mode.AUTO, System.getenv(),
                Path.of("").toAbsolutePath()).available();
        if (criu || "1".equals(System.getenv("HOTVISOR_REQUIRE_CRIU"))) {
            modes.add("process-criu");
        }
        assertThat(doc.get("rows")).extracting(row -> row.get("mode").asText()).containsExactlyElementsOf(modes);
        assertThat(doc.get("rows")).allSatisfy(row -> {
            assertThat(row.get("first_response_median_ms").asDouble()).isPositive();
            assertThat(row.get("steady_median_ms").asDouble()).isPositive();
        });
        assertThat(doc.get("rows").get(1).get("worker_rss_median_mb").asDouble()).isPositive();
        assertThat(doc.get("rows").get(2).get("worker_rss_median_mb").asDouble()).isPositive();
    }
}
