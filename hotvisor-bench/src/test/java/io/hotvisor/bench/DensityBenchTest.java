package io.hotvisor.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.junit.jupiter.api.Test;

class DensityBenchTest {

    @Test
    void calls_latencies_steady_only_once_the_last_ten_match_the_ten_before() {
        List<Double> falling = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            falling.add(500.0 / (i + 1)); // an interpreter being replaced by compiled code
        }
        assertThat(DensityBench.steady(falling)).isFalse();

        List<Double> flat = new ArrayList<>(falling);
        flat.addAll(Collections.nCopies(20, 5.0));
        assertThat(DensityBench.steady(flat)).isTrue();

        assertThat(DensityBench.steady(Collections.nCopies(19, 5.0))).as("fewer than two windows").isFalse();
    }

    @Test
    void full_mode_warms_each_function_until_steady_and_includes_the_papers_eight_clients() {
        DensityBench.Args full = DensityBench.parse("--full");
        assertThat(full.warmupCalls()).isEqualTo(400);
        assertThat(full.connections()).contains(8);
        assertThat(DensityBench.parse("--quick", "--warmup-calls", "50").warmupCalls()).isEqualTo(50);
        assertThatThrownBy(() -> DensityBench.parse("--warmup"))
                .hasMessageContaining("Unknown option '--warmup'").hasMessageContaining("--warmup-calls N");
    }
}
