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
}
