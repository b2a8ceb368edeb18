package io.hotvisor.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import org.junit.jupiter.api.Test;

class HotStartBenchTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void the_warm_up_column_says_what_the_replays_did_and_what_the_recheck_did() throws Exception {
        assertThat(HotStartBench.warmUpSummary(MissingNode.getInstance())).isEqualTo("none");
        assertThat(HotStartBench.warmUpSummary(JSON.readTree("""
                {"policy": "before", "replays": 69, "ms": 1748, "outcome": "hot"}""")))
                .isEqualTo("hot 69 replays 1748 ms");
        assertThat(HotStartBench.warmUpSummary(JSON.readTree("""
                {"policy": "before", "replays": 69, "ms": 1748, "outcome": "hot",
                 "recheck": {"replays": 16, "ms": 761, "outcome": "max_replays"}}""")))
                .isEqualTo("hot 69 replays 1748 ms; re-check max_replays 16 replays 761 ms");
        assertThat(HotStartBench.warmUpSummary(JSON.readTree("""
                {"policy": "before", "replays": 69, "ms": 1748, "outcome": "hot",
                 "recheck": {"rounds": 1, "replays": 10, "ms": 95, "outcome": "hot"}}""")))
                .isEqualTo("hot 69 replays 1748 ms; re-check hot 10 replays 95 ms");
        assertThat(HotStartBench.warmUpSummary(JSON.readTree("""
                {"policy": "before", "replays": 69, "ms": 1748, "outcome": "hot",
                 "recheck": {"rounds": 2, "replays": 27, "ms": 1250, "outcome": "hot"}}""")))
                .isEqualTo("hot 69 replays 1748 ms; re-check hot 27 replays in 2 rounds 1250 ms");
    }

    @Test
    void the_first_calls_and_the_last_replay_are_read_from_node_4s_status() throws Exception {
        assertThat(HotStartBench.firstCpuUs(JSON.readTree("""
                {"firstInvocationsUs": [3100.4, 2900.6, 2800, 2700, 2600, 2500]}"""), 5))
                .isEqualTo("3100;2901;2800;2700;2600");
        assertThat(HotStartBench.firstCpuUs(JSON.readTree("{\"firstInvocationsUs\": [812.2]}"), 5)).isEqualTo("812");
        assertThat(HotStartBench.firstCpuUs(MissingNode.getInstance(), 5)).isEmpty();

        assertThat(HotStartBench.lastReplayUs(MissingNode.getInstance())).isEqualTo("n/a");
        assertThat(HotStartBench.lastReplayUs(JSON.readTree("""
                {"replays": 0, "lastReplayUs": 0, "outcome": "none"}"""))).isEqualTo("n/a");
        assertThat(HotStartBench.lastReplayUs(JSON.readTree("""
                {"replays": 69, "lastReplayUs": 1210.7, "outcome": "hot"}"""))).isEqualTo(1211L);
        assertThat(HotStartBench.lastReplayUs(JSON.readTree("""
                {"replays": 69, "lastReplayUs": 1210.7, "outcome": "hot",
                 "recheck": {"rounds": 1, "replays": 10, "lastReplayUs": 990.2, "outcome": "hot"}}""")))
                .as("the re-check's replays came last").isEqualTo(990L);
    }
}
