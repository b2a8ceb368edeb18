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

    /** {@link PresetArgs#orExit} turns an {@link IllegalArgumentException} into exit code 2 with its message. */
    @Test
    void an_option_without_its_value_is_refused_naming_the_option_not_with_an_index_error() {
        assertThatThrownBy(() -> DensityBench.parse("--quick", "--out"))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Option --out needs a value; known: ");
        assertThatThrownBy(() -> DensityBench.parse("--warmup-calls"))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Option --warmup-calls needs a value");
        assertThat(DensityBench.parse("--out", "elsewhere").out()).isEqualTo(java.nio.file.Path.of("elsewhere"));
    }

    @Test
    void a_number_option_with_a_bad_value_is_refused_naming_the_option_and_the_value() {
        assertThatThrownBy(() -> DensityBench.parse("--warmup-calls", "many"))
                .hasMessage("--warmup-calls must be a whole number from 0 to 2147483647; got 'many'");
        assertThatThrownBy(() -> DensityBench.parse("--connections", "1,x"))
                .hasMessage("--connections must be a positive whole number; got 'x'");
        assertThat(DensityBench.parse("--connections", "1, 4").connections()).containsExactly(1, 4);
    }
}
