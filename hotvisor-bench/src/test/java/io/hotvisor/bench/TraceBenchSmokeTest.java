package io.hotvisor.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The trace replay's smoke mode (one minute of the trace, 2 functions, 1 call in 20, replayed 6x faster) against
 * real processes, so that it cannot rot: every call answered, the counts add up, the files are well formed. Never a
 * timing.
 */
class TraceBenchSmokeTest {

    @TempDir
    Path out;

    @Test
    void hotvisor_answers_every_call_of_a_one_minute_slice_and_the_results_are_well_formed() throws Exception {
        JsonNode doc = replay("hotvisor");

        assertThat(doc.get("rows")).hasSize(1);
        JsonNode row = doc.get("rows").get(0);
        checkSide(doc, row, "hotvisor");
        // 23 MB of live data on a 512 MB heap: the node has no reason to refuse any of 13 calls.
        assertThat(row.get("ok").asLong()).as("first error: %s", row.get("first_error"))
                .isEqualTo(row.get("scheduled").asLong());
    }

    @Test
    void the_baseline_answers_every_call_of_a_one_minute_slice_and_the_results_are_well_formed() throws Exception {
        Path script = Path.of(TraceSide.baselineScript(TraceBench.root()));
        assumeTrue(Files.isExecutable(script), "The baseline is not on this branch yet: " + script);

        JsonNode doc = replay("baseline");

        assertThat(doc.get("rows")).hasSize(1);
        JsonNode row = doc.get("rows").get(0);
        checkSide(doc, row, "baseline");
        assertThat(row.get("cold_starts").asLong()).as("one instance at least per function")
                .isGreaterThanOrEqualTo(doc.get("projection").get("functions").asLong());
        assertThat(row.get("cold_start_headers").asLong()).as("X-Hotvisor-Cold-Start: true answers")
                .isPositive().isLessThanOrEqualTo(row.get("cold_starts").asLong());
        assertThat(row.get("instances_rss_max_mb").asDouble()).isPositive();
    }

    @Test
    void a_missing_baseline_is_a_clear_error_naming_the_script() {
        System.setProperty("hotvisor.baseline.cmd", out.resolve("no-baseline.sh").toString());
        try {
            assertThatThrownBy(() -> replay("baseline")).isInstanceOf(TraceException.class)
                    .hasMessageContaining("The baseline is not available: '" + out.resolve("no-baseline.sh"))
                    .hasMessageContaining("--side hotvisor");
        } finally {
            System.clearProperty("hotvisor.baseline.cmd");
        }
    }

    private JsonNode replay(String side) throws Exception {
        Path json = TraceBench.run(TraceOptions.parse("--mode", "smoke", "--trace",
                AzureTraceTest.SHARED.toString(), "--side", side, "--out", out.toString()));
        return Results.JSON.readTree(json.toFile());
    }

    private void checkSide(JsonNode doc, JsonNode row, String side) throws Exception {
        long scheduled = doc.get("projection").get("invocations").asLong();
        assertThat(scheduled).isPositive();
        assertThat(row.get("side").asText()).isEqualTo(side);
        assertThat(row.get("scheduled").asLong()).isEqualTo(scheduled);
        assertThat(row.get("ok").asLong() + row.get("rejected_429").asLong() + row.get("failed").asLong()
                + row.get("dropped").asLong()).isEqualTo(scheduled);
        // Every call got an HTTP answer, and none was a function error or a timeout. The baseline may refuse some
        // with 429 while its instances start (slow JVM starts on a busy machine, and a capped instance count).
        assertThat(row.get("dropped").asLong()).as("first error: %s", row.get("first_error")).isZero();
        assertThat(row.get("failed").asLong()).as("first error: %s", row.get("first_error")).isZero();
        assertThat(row.get("ok").asLong()).isPositive();
        assertThat(row.get("cold_starts").asLong()).isNotNegative();
        assertThat(row.get("latency_p50_ms").asDouble()).isPositive()
                .isLessThanOrEqualTo(row.get("latency_p99_ms").asDouble());
        assertThat(row.get("memory_samples").asInt()).isPositive();
        assertThat(row.get("rss_max_mb").asDouble()).isPositive()
                .isGreaterThanOrEqualTo(row.get("rss_mean_mb").asDouble());
        assertThat(doc.get("command").asText()).isNotBlank();
        assertThat(doc.get("machine").get("nproc").asInt()).isPositive();
        assertThat(doc.get("options").get("mode").asText()).isEqualTo("smoke");

        List<String> csv = Files.readAllLines(out.resolve("trace-smoke-memory.csv")).stream()
                .filter(l -> !l.startsWith("#")).toList();
        assertThat(csv.getFirst()).isEqualTo("side,seconds,rss_mb,instances_rss_mb,front_rss_mb,pss_mb,processes");
        assertThat(csv.subList(1, csv.size())).isNotEmpty().allSatisfy(line -> {
            String[] v = line.split(",");
            assertThat(v).hasSize(7);
            assertThat(v[0]).isEqualTo(side);
            assertThat(Double.parseDouble(v[2])).isPositive();
        });
        assertThat(out.resolve("trace-smoke.csv")).content().contains("# options:").contains("side,scheduled,ok");
        assertThat(out.resolve("trace-smoke-memory.png")).isNotEmptyFile();
        assertThat(out.resolve("README-trace-smoke.md")).content().contains("| latency_p99_ms |");
    }
}
