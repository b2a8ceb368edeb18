package io.hotvisor.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HotTraceTest {

    @Test
    void the_full_mode_replays_six_trace_minutes_in_four_minutes_with_the_mechanisms_in_main() {
        HotTraceOptions o = HotTraceOptions.parse();

        assertThat(o.window().toSeconds()).isEqualTo(240);
        assertThat(o.calls()).isEqualTo(1200);
        assertThat(o.mechanisms()).extracting(HotStartMechanism::name).containsExactly("warm-up", "aot", "routing",
                "warm-up-alongside", "warm-up-no-recheck", "warm-up-no-quiet", "sampled", "eager-compile", "criu");
        assertThat(HotTraceOptions.parse("--quick", "--calls", "40", "--time-compression", "6").window().toSeconds())
                .isEqualTo(30);
    }

    @Test
    void a_starting_node_warms_a_function_until_a_run_of_hot_answers_and_a_warming_one_starts_the_run_again() {
        int run = 0;
        for (String warmth : List.of("warming", "hot", "hot", "warming", "hot", "hot", "hot")) {
            run = HotTraceBench.hotRun(run, warmth);
        }

        assertThat(run).isEqualTo(3);
        assertThat(HotTraceBench.hotRun(3, "")).as("an answer without the header").isZero();
    }

    @Test
    void a_starting_node_warms_a_function_at_least_warm_min_times_even_when_it_says_hot_early() {
        int min = HotTraceBench.WARM_MIN;

        assertThat(HotTraceBench.warmedEnough(14, 10, 300)).as("hot 10 in a row after 14 calls").isFalse();
        assertThat(HotTraceBench.warmedEnough(min, 10, 300)).isTrue();
        assertThat(HotTraceBench.warmedEnough(min, 9, 300)).as("the run of hot answers still counts").isFalse();
        assertThat(HotTraceBench.warmedEnough(300, 0, 300)).as("warm-max ends it, hot or not").isTrue();
        assertThat(HotTraceBench.warmedEnough(50, 10, 50)).as("a warm-max below the minimum").isTrue();
        assertThat(HotTraceBench.warmedEnough(0, 0, 300)).isFalse();
    }

    @Test
    void a_starting_node_serves_its_functions_mixed_until_every_one_is_hot_in_a_row_after_mix_min_rounds() {
        int min = HotTraceBench.MIX_MIN;
        int hot = HotTraceBench.HOT_RUN;

        assertThat(HotTraceBench.mixedEnough(0, new int[3], 300)).as("no round yet").isFalse();
        assertThat(HotTraceBench.mixedEnough(min - 1, new int[] {hot, hot, hot}, 300)).as("hot, too few rounds")
                .isFalse();
        assertThat(HotTraceBench.mixedEnough(min, new int[] {hot, hot, hot}, 300)).isTrue();
        assertThat(HotTraceBench.mixedEnough(min, new int[] {hot, hot - 1, hot + 5}, 300))
                .as("one function's run still too short").isFalse();
        assertThat(HotTraceBench.mixedEnough(300, new int[] {0, 0, 0}, 300)).as("warm-max rounds end it").isTrue();
        assertThat(HotTraceBench.mixedEnough(20, new int[] {hot, hot, hot}, 20)).as("a warm-max below the minimum")
                .isTrue();
    }

    @Test
    void answers_saying_warming_are_counted_by_the_idle_gap_since_the_functions_previous_call_on_that_node() {
        HotTraceBench.Player a = new HotTraceBench.Player("a", "word-count", "js", 10);
        HotTraceBench.Player b = new HotTraceBench.Player("b", "word-count", "js", 10);
        List<HotTraceBench.Call> calls = List.of(
                call(a, 0, "node-1", "warming"),     // first of a on node 1
                call(a, 100, "node-2", "hot"),       // first of a on node 2
                call(b, 150, "node-1", "hot"),       // first of b on node 1: a's calls there do not count
                call(a, 200, "node-1", "hot"),       // 200 ms after a's previous call on node 1
                call(a, 1_200, "node-1", "warming"), // 1000 ms: a gap of exactly 1 s is in 1-3 s
                call(a, 5_000, "node-1", "warming"), // 3800 ms
                call(a, 5_100, "node-1", "hot"),     // 100 ms
                new HotTraceBench.Call("on", a, 5_200, 5_200, 0, 503, "node-1", "", false)); // not answered: skipped

        Map<String, long[]> gaps = HotTraceReport.notHotByGap(calls);

        assertThat(gaps.keySet()).containsExactlyElementsOf(HotTraceReport.GAP_BUCKETS);
        assertThat(gaps.get("< 0.3 s")).containsExactly(0, 2);
        assertThat(gaps.get("0.3-1 s")).containsExactly(0, 0);
        assertThat(gaps.get("1-3 s")).containsExactly(1, 1);
        assertThat(gaps.get("> 3 s")).containsExactly(1, 1);
        assertThat(gaps.get("first on the node")).containsExactly(1, 3);
    }

    @Test
    void answers_saying_warming_are_counted_by_what_else_ran_in_the_second_they_were_sent() {
        HotTraceBench.Player a = new HotTraceBench.Player("a", "word-count", "js", 10);
        List<Map<String, Object>> cores = List.of(
                second("on", 0, 1_000, 0.4, 0.0), second("on", 1_000, 2_010, 1.5, 0.49),
                second("on", 2_010, 3_000, 1.95, 0.0), second("on", 3_000, 4_000, 1.95, 0.5),
                second("off", 4_000, 5_000, 0.2, 0.0)); // another side's second: never this side's calls'
        List<HotTraceBench.Call> calls = List.of(
                call(a, 0, "node-1", "warming"),     // from_ms is in its second
                call(a, 999, "node-1", "hot"),
                call(a, 1_000, "node-1", "hot"),     // 1.5 busy cores, a starting node under half a core: 1.5-1.8
                call(a, 2_009, "node-1", "warming"),
                call(a, 2_500, "node-1", "warming"), // 1.95
                call(a, 3_000, "node-1", "warming"), // a node starting, whatever the machine's busy cores
                call(a, 3_999, "node-1", "hot"),
                call(a, 4_000, "node-1", "warming"), // to_ms is not in its second, nor is the other side's: none
                new HotTraceBench.Call("on", a, 100, 100, 0, 503, "node-1", "", false)); // not answered: skipped

        Map<String, long[]> load = HotTraceReport.notHotByLoad(calls, cores);

        assertThat(load.keySet()).containsExactlyElementsOf(HotTraceReport.LOAD_BUCKETS);
        assertThat(load.get("a node starting")).containsExactly(1, 2);
        assertThat(load.get("< 1 core")).containsExactly(1, 2);
        assertThat(load.get("1-1.5 cores")).containsExactly(0, 0);
        assertThat(load.get("1.5-1.8 cores")).containsExactly(1, 2);
        assertThat(load.get(">= 1.8 cores")).containsExactly(1, 1);
        assertThat(load.get("not sampled")).containsExactly(1, 1);
        assertThat(HotTraceReport.bucketText(load)).isEqualTo("a node starting: 1 of 2; < 1 core: 1 of 2; 1-1.5 cores:"
                + " 0 of 0; 1.5-1.8 cores: 1 of 2; >= 1.8 cores: 1 of 1; not sampled: 1 of 1");
    }

    @Test
    void each_sampled_second_gets_each_cpus_median_over_its_fastest_unit_and_the_slowest_of_them() {
        List<Map<String, Object>> seconds = List.of(new java.util.HashMap<>(Map.of("from_ms", 0L, "to_ms", 1_000L)),
                new java.util.HashMap<>(Map.of("from_ms", 1_000L, "to_ms", 2_000L)),
                new java.util.HashMap<>(Map.of("from_ms", 2_000L, "to_ms", 3_000L)));
        List<HostSpeedSampler.Sample> samples = List.of(
                new HostSpeedSampler.Sample(0, 0, 2_000), new HostSpeedSampler.Sample(0, 500, 2_200),
                new HostSpeedSampler.Sample(0, 999, 2_100), // CPU 0's fastest: 2000
                new HostSpeedSampler.Sample(1, 100, 1_000), // CPU 1's fastest: 1000
                new HostSpeedSampler.Sample(0, 1_000, 3_000), new HostSpeedSampler.Sample(1, 1_999, 1_100));

        HostSpeedSampler.annotate(seconds, samples);

        assertThat(seconds.get(0)).containsEntry("host_cpu0_ratio", 1.05).containsEntry("host_cpu1_ratio", 1.0)
                .containsEntry("host_slowest_ratio", 1.05);
        assertThat(seconds.get(1)).containsEntry("host_cpu0_ratio", 1.5).containsEntry("host_cpu1_ratio", 1.1)
                .containsEntry("host_slowest_ratio", 1.5);
        assertThat(seconds.get(2)).doesNotContainKeys("host_cpu0_ratio", "host_cpu1_ratio", "host_slowest_ratio");
    }

    @Test
    void a_cpu_whose_sampler_thread_could_not_be_pinned_is_left_unsampled_and_says_why() throws Exception {
        // The replay started 10 s ago: the units' warm-up (the first 3 s) is over.
        HostSpeedSampler sampler = HostSpeedSampler.start(System.nanoTime() - 10_000_000_000L, 2,
                cpu -> cpu == 0 ? "cpu0 pinned" : "cpu1 not pinned (sched_setaffinity -1)");
        Thread.sleep(400);

        List<HostSpeedSampler.Sample> samples = sampler.stop();

        assertThat(samples).isNotEmpty().allSatisfy(s -> assertThat(s.cpu()).isZero());
        assertThat(sampler.unpinned()).containsExactly("cpu1 not pinned (sched_setaffinity -1)");
    }

    @Test
    void answers_saying_warming_are_counted_by_how_slow_the_machine_ran_fixed_work_in_their_second() {
        HotTraceBench.Player a = new HotTraceBench.Player("a", "word-count", "js", 10);
        List<Map<String, Object>> seconds = List.of(hostSecond(0, 1.3), hostSecond(1_000, 1.29),
                hostSecond(2_000, 1.15), hostSecond(3_000, 1.149),
                Map.of("side", "on", "from_ms", 4_000L, "to_ms", 5_000L)); // no units in it
        List<HotTraceBench.Call> calls = List.of(
                call(a, 10, "node-1", "warming"), call(a, 20, "node-1", "hot"),     // >= 1.3x
                call(a, 1_500, "node-1", "warming"), call(a, 2_500, "node-1", "hot"), // 1.15-1.3x
                call(a, 3_500, "node-1", "hot"),                                     // < 1.15x
                call(a, 4_500, "node-1", "warming"), call(a, 6_000, "node-1", "hot")); // not sampled

        assertThat(HotTraceReport.bucketText(HotTraceReport.notHotByHost(calls, seconds))).isEqualTo(
                ">= 1.3x: 1 of 2; 1.15-1.3x: 1 of 2; < 1.15x: 0 of 1; not sampled: 1 of 2");
    }

    private static Map<String, Object> hostSecond(long fromMs, double slowest) {
        return Map.of("side", "on", "from_ms", fromMs, "to_ms", fromMs + 1_000, "host_slowest_ratio", slowest);
    }

    private static Map<String, Object> second(String side, long fromMs, long toMs, double busy, double starting) {
        return Map.of("side", side, "from_ms", fromMs, "to_ms", toMs, "busy_cores", busy, "starting_nodes_cores",
                starting);
    }

    private static HotTraceBench.Call call(HotTraceBench.Player p, long sentMs, String node, String warmth) {
        return new HotTraceBench.Call("on", p, sentMs, sentMs, 1_000, 200, node, warmth, true);
    }

    @Test
    void bad_options_are_refused_with_what_was_wrong() {
        assertThatThrownBy(() -> HotTraceOptions.parse("--functions", "7"))
                .hasMessage("--functions must be a whole number from 1 to 6; got '7'");
        assertThatThrownBy(() -> HotTraceOptions.parse("--time-compression", "0.5"))
                .hasMessage("--time-compression must be a number of at least 1; got '0.5'");
        assertThatThrownBy(() -> HotTraceOptions.parse("--calls", "5", "--full"))
                .hasMessage("--full must come first: it sets every other value");
        assertThatThrownBy(() -> HotTraceOptions.parse("--mechanisms", "magic"))
                .hasMessageStartingWith("Unknown mechanism 'magic'; known: [warm-up, aot, routing");
    }

    @Test
    void the_trace_window_becomes_the_scaled_calls_of_its_busiest_functions() {
        HotTraceOptions o = HotTraceOptions.parse("--quick", "--trace", AzureTraceTest.SHARED.toString());
        AzureTrace trace = AzureTrace.read(o.trace(), 100);
        int unscaled = TraceSchedule.create(trace, o.schedule(1.0)).invocations().size();

        TraceSchedule s = TraceSchedule.create(trace, o.schedule((double) o.calls() / unscaled));

        assertThat(s.functions()).hasSize(6);
        // Each minute's scaled count is rounded up or down at random: close to the target, not exactly it.
        assertThat(s.invocations().size()).isBetween(o.calls() - 30, o.calls() + 30);
        assertThat(s.invocations().getLast().atNanos()).isLessThan(o.window().toNanos());
    }

    @Test
    void a_side_counts_what_the_nodes_classified_since_the_replay_started_and_what_the_clients_got() {
        HotStartMechanism.Configuration on = new HotStartMechanism.Configuration("on", HotStartMechanism.main(),
                HotStartMechanism.main(), true);
        HotTraceBench.Player a = new HotTraceBench.Player("trace-a", "word-count", "js", 10);
        List<HotTraceBench.Call> calls = List.of(
                new HotTraceBench.Call("on", a, 0, 0, 5_000, 200, "node-1", "hot", true),
                new HotTraceBench.Call("on", a, 10, 10, 9_000, 200, "node-3", "warming", true),
                new HotTraceBench.Call("on", a, 20, 20, 0, -1, "", "", false));
        // node-1 had 40 hot and 2 warming before the replay; node-3 joined during it.
        Map<String, Map<String, long[]>> before = Map.of("node-1", Map.of("trace-a", new long[] {40, 2, 40, 2}));
        Map<String, Map<String, long[]>> after = Map.of("node-1", Map.of("trace-a", new long[] {41, 2, 41, 2}),
                "node-3", Map.of("trace-a", new long[] {0, 1, 0, 1}));
        // node-3's warmth when read: judged against node-1's steady state, its own last calls twice that.
        Map<String, Map<String, JsonNode>> warmth = Map.of("node-3", Map.of("trace-a", json("{\"state\": \"warming\","
                + " \"steadyStateUs\": 2000.4, \"fleetSteadyStateUs\": 1000.0, \"referenceUs\": 1000.0,"
                + " \"reference\": \"fleet\", \"recentUs\": [2500.0, 1800.0, 2200.0, 1900.0]}")));
        List<Map<String, Object>> nodes = new ArrayList<>();
        List<Map<String, Object>> raw = new ArrayList<>();

        Map<String, Object> row = HotTraceReport.side(on, List.of(a), calls, before, after, warmth, Map.of(), nodes,
                raw);

        assertThat(row).containsEntry("counted_hot", 1L).containsEntry("counted_not_hot", 1L)
                .containsEntry("not_hot_fraction", 0.5).containsEntry("goal_met", false)
                .containsEntry("answered_ok", 2L).containsEntry("no_answer", 1L)
                .containsEntry("counted_minus_answered", 0L).containsEntry("metrics_not_hot", 1L)
                .containsEntry("heard_not_hot", 1L);
        assertThat(nodes).extracting(n -> n.get("node") + ":" + n.get("not_hot") + "/" + n.get("answered_here"))
                .containsExactly("node-1:0/1", "node-3:1/1");
        assertThat(nodes.get(1)).containsEntry("reference_us", 1000L).containsEntry("reference", "fleet")
                .containsEntry("own_steady_us", 2000L).containsEntry("fleet_steady_us", 1000L)
                .containsEntry("recent_median_us", 2050L).containsEntry("recent_median_over_reference", 2.05);
        // node-1's warmth was not read: nothing is made up for it.
        assertThat(nodes.get(0)).containsEntry("reference_us", "n/a").containsEntry("recent_median_us", "n/a")
                .containsEntry("recent_median_over_reference", "n/a");
        assertThat(raw).hasSize(2);
        assertThat(((JsonNode) raw.get(1).get("warmth")).path("recentUs")).hasSize(4);
    }

    private static JsonNode json(String text) {
        try {
            return Results.JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void a_count_read_that_gets_no_answer_names_the_node_and_the_read(@TempDir Path dir) throws Exception {
        // A "node" that writes its port file (port 1: nothing listens there) and a log line, then sleeps.
        try (ServerProcess node = ServerProcess.start("node-9", List.of("sh", "-c",
                "echo 'the last thing node-9 logged'; echo 1 > \"$4\"; sleep 60", "sh"), Map.of(), dir, "key")) {
            assertThatThrownBy(() -> HotTraceBench.counts(node, List.of(new HotTraceBench.Player("f", "word-count",
                    "js", 1))))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("node-9 at http://127.0.0.1:1 did not answer GET /metrics")
                    .hasMessageContaining("process alive")
                    .hasMessageContaining("the last thing node-9 logged");
        }
    }
}
