package io.hotvisor.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HotStartReportTest {

    @Test
    void summarises_latencies_against_the_steady_state() {
        // steady 100 us: ratios 3.0, 2.0, 1.5, 1.2, 1.0, 1.1, 1.4, 0.9, 2.5, 1.0
        long[] us = {300, 200, 150, 120, 100, 110, 140, 90, 250, 100};

        Map<String, Object> s = HotStartReport.summary(us, 100);

        assertThat(s).containsEntry("first_us", 300L).containsEntry("first_ratio", 3.0)
                .containsEntry("first_within_goal", false)
                .containsEntry("median_ratio", 1.2)      // nearest rank: 5th of 10 sorted
                .containsEntry("p90_ratio", 2.5)
                .containsEntry("max_ratio", 3.0)
                .containsEntry("total_ratio", 1.56)      // 1560 us over 10 x 100 us
                .containsEntry("within_goal_fraction", 0.7)
                .containsEntry("within_goal_from", 3);   // invocations 3-7 are the first 5 in a row within 1.5x
    }

    @Test
    void node_4s_first_call_is_its_first_cpu_time_over_its_reference_and_na_when_it_served_nothing() throws Exception {
        var served = Results.JSON.readTree("{\"referenceUs\": 400.0, \"firstInvocationsUs\": [620.0, 410.0]}");
        var none = Results.JSON.readTree("{\"referenceUs\": 400.0, \"firstInvocationsUs\": []}");
        var noReference = Results.JSON.readTree("{\"firstInvocationsUs\": [620.0]}");

        assertThat(HotStartBench.firstCpuRatio(served)).isEqualTo(1.55);
        assertThat(HotStartBench.firstCpuRatio(none)).isEqualTo("n/a");
        assertThat(HotStartBench.firstCpuRatio(noReference)).isEqualTo("n/a");
    }

    @Test
    void node_4s_snapshot_says_its_state_its_last_worker_and_where_the_image_came_from() throws Exception {
        var restored = Results.JSON.readTree("{\"snapshot\": {\"state\": \"ready\", \"lastWorker\": \"restored\","
                + " \"restores\": 2, \"origin\": \"node-1\"}}");
        var own = Results.JSON.readTree("{\"snapshot\": {\"state\": \"warming\", \"lastWorker\": \"fresh\","
                + " \"restores\": 0, \"origin\": \"\"}}");

        assertThat(HotStartBench.snapshot(restored.path("snapshot")))
                .isEqualTo("ready, last worker restored, 2 restored, from node-1");
        assertThat(HotStartBench.snapshot(own.path("snapshot"))).isEqualTo("warming, last worker fresh, 0 restored");
        assertThat(HotStartBench.snapshot(Results.JSON.readTree("{}").path("snapshot"))).isEqualTo("n/a");
    }

    @Test
    void a_first_invocation_at_the_goal_counts_as_within_it_and_a_short_run_never_settles() {
        Map<String, Object> s = HotStartReport.summary(new long[] {150, 100, 400, 100}, 100);

        assertThat(s).containsEntry("first_within_goal", true).containsEntry("within_goal_from", 0);
    }

    @Test
    void refuses_what_it_cannot_summarise() {
        assertThatThrownBy(() -> HotStartReport.summary(new long[0], 100))
                .hasMessage("No invocations to summarize");
        assertThatThrownBy(() -> HotStartReport.summary(new long[] {1}, 0))
                .hasMessage("The steady state must be positive; got 0 us");
    }

    @Test
    void counts_one_functions_invocations_by_warmth_from_prometheus_text() {
        String metrics = """
                # HELP hotvisor_invocations_by_warmth_total Successful invocations by the warmth they ran in
                # TYPE hotvisor_invocations_by_warmth_total counter
                hotvisor_invocations_by_warmth_total{function="word-count-js",language="javascript",namespace="default",warmth="hot"} 42.0
                hotvisor_invocations_by_warmth_total{function="word-count-js",language="javascript",namespace="default",warmth="warming"} 8.0
                hotvisor_invocations_by_warmth_total{function="word-count-js",language="javascript",namespace="team-a",warmth="warming"} 1.0
                hotvisor_invocations_by_warmth_total{function="word-count-java",language="java",namespace="default",warmth="warming"} 50.0
                hotvisor_invocations_total{function="word-count-js",language="javascript",namespace="default",outcome="success"} 50.0
                """;

        assertThat(HotStartReport.byWarmth(metrics, "word-count-js")).containsExactly(
                Map.entry("hot", 42L), Map.entry("warming", 9L));
        assertThat(HotStartReport.byWarmth(metrics, "word-count")).isEmpty();
    }

    @Test
    void says_who_used_the_cores_once_per_configuration_and_nothing_for_results_without_the_account() {
        Map<String, Object> cpu = new java.util.LinkedHashMap<>();
        for (String w : List.of("steady_", "first_round_", "calls_")) {
            cpu.put(w + "window_ms", w.length());
            for (String c : List.of("busy", "steal", "served", "served_hotspot_jit", "served_truffle_jit",
                    "served_gc", "served_workers", "other_nodes", "gateway", "redis", "bench", "outside")) {
                cpu.put(w + c + "_cores", 0.5);
            }
        }
        cpu.put("calls_busy_cores", 1.97);
        cpu.put("first_round_served_truffle_jit_cores", 0.81);
        Map<String, Object> wc = new java.util.LinkedHashMap<>(cpu);
        wc.put("configuration", "warm-up");
        Map<String, Object> json = new java.util.LinkedHashMap<>(cpu);
        json.put("configuration", "warm-up");
        StringBuilder md = new StringBuilder();

        HotStartReport.cores(md, List.of(wc, json));

        // GC, workers, other nodes, gateway, redis, bench, outside
        String halves = " | 0.5 | 0.5 | 0.5 | 0.5 | 0.5 | 0.5 | 0.5 |";
        assertThat(md.toString().lines().filter(l -> l.startsWith("| warm-up |"))).containsExactly(
                "| warm-up | node 1's steady state | 7 | 0.5 | 0.5 | 0.5 | 0.5 | 0.5" + halves,
                "| warm-up | node 4's first round (1 call each) | 12 | 0.5 | 0.5 | 0.5 | 0.5 | 0.81" + halves,
                "| warm-up | node 4's calls (all) | 6 | 1.97 | 0.5 | 0.5 | 0.5 | 0.5" + halves);
        StringBuilder old = new StringBuilder();
        HotStartReport.cores(old, List.of(Map.of("configuration", "none")));
        assertThat(old).isEmpty();

        // With the wait for a calm machine before the steady state, the steady row says how it ended.
        Map<String, Object> calm = new java.util.LinkedHashMap<>(wc);
        calm.put("steady_calm_wait_ms", 3000L);
        calm.put("steady_calm", true);
        Map<String, Object> busy = new java.util.LinkedHashMap<>(wc);
        busy.put("configuration", "all");
        busy.put("steady_calm_wait_ms", 60000L);
        busy.put("steady_calm", false);
        StringBuilder waited = new StringBuilder();
        HotStartReport.cores(waited, List.of(calm, busy));
        assertThat(waited.toString().lines().filter(l -> l.startsWith("| ") && l.contains("steady state")))
                .containsExactly(
                "| warm-up | node 1's steady state (calm after 3000 ms) | 7 | 0.5 | 0.5 | 0.5 | 0.5 | 0.5" + halves,
                "| all | node 1's steady state (**not calm** after 60000 ms) | 7 | 0.5 | 0.5 | 0.5 | 0.5 | 0.5"
                        + halves);
    }

    @Test
    void draws_one_panel_per_function(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("hot-start.png");

        HotStartReport.chart(png, "title", List.of(
                new HotStartReport.Line("word-count-js", "none", new double[] {20, 5, 1}),
                new HotStartReport.Line("word-count-js", "warm-up", new double[] {1.2, 1, 1}),
                new HotStartReport.Line("json-transform-js", "none", new double[] {9, 3, 0})));

        java.awt.image.BufferedImage image = javax.imageio.ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(1400);  // two panels side by side
        assertThat(Files.size(png)).isPositive();
    }
}
