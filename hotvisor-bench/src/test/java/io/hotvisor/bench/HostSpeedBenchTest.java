package io.hotvisor.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import io.hotvisor.bench.HostSpeedBench.Kind;
import io.hotvisor.bench.HostSpeedBench.Unit;

/** The host-speed benchmark's arithmetic, on made-up units (the measurement itself is a benchmark's, not a test's). */
class HostSpeedBenchTest {

    /** CPU 0: mem 1000 us fast, 1600 us in its slow rounds; alu 100 us, once 150. CPU 1: always fast. */
    private static final List<Unit> UNITS = List.of(
            new Unit(0, 0.1, 1_000_000, 100_000),
            new Unit(0, 0.5, 1_000_000, 100_000),
            new Unit(0, 1.0, 1_600_000, 100_000),
            new Unit(0, 2.5, 1_600_000, 150_000),
            new Unit(1, 0.2, 2_000_000, 200_000),
            new Unit(1, 2.2, 2_000_000, 200_000));

    @Test
    void judges_each_unit_against_the_fastest_of_its_kind_on_its_own_cpu() {
        List<Map<String, Object>> rows = HostSpeedBench.summarize(UNITS, 1.3);

        assertThat(rows).extracting(r -> r.get("cpu") + " " + r.get("kind")).containsExactly("0 mem", "0 alu",
                "1 mem", "1 alu");
        Map<String, Object> mem0 = rows.get(0);
        assertThat(mem0).containsEntry("units", 4).containsEntry("best_us", 1000.0)
                .containsEntry("median_ratio", 1.6).containsEntry("p90_ratio", 1.6)
                .containsEntry("over_hot_factor", 50.0).containsEntry("over_1_5", 50.0)
                // Of the three rounds whose alu unit ran at its best, one had a slow mem unit.
                .containsEntry("over_hot_factor_while_alu_fast", 33.33);
        assertThat(rows.get(1)).containsEntry("best_us", 100.0).containsEntry("over_hot_factor", 25.0)
                .containsEntry("over_1_5", 0.0).doesNotContainKey("over_hot_factor_while_alu_fast");
        assertThat(rows.get(2)).containsEntry("best_us", 2000.0).containsEntry("median_ratio", 1.0)
                .containsEntry("over_hot_factor", 0.0);
    }

    @Test
    void reports_the_javascript_units_where_they_ran() {
        List<Unit> units = List.of(new Unit(0, 0.1, 1_000_000, 100_000, 4_000_000),
                new Unit(0, 0.2, 1_000_000, 100_000, 6_000_000));

        List<Map<String, Object>> rows = HostSpeedBench.summarize(units, 1.3);

        assertThat(rows).extracting(r -> r.get("kind")).containsExactly("mem", "alu", "js");
        assertThat(rows.get(2)).containsEntry("best_us", 4000.0).containsEntry("over_hot_factor", 50.0)
                .doesNotContainKey("over_hot_factor_while_alu_fast");
        assertThat(HostSpeedBench.windows(units).getFirst()).containsEntry("js_median_ratio", 1.5);
    }

    @Test
    void takes_the_median_of_each_window_per_cpu() {
        List<Map<String, Object>> windows = HostSpeedBench.windows(UNITS);

        assertThat(windows).extracting(w -> w.get("cpu") + "@" + w.get("from_s") + " n" + w.get("units") + " mem "
                + w.get("mem_median_ratio") + " alu " + w.get("alu_median_ratio")).containsExactly(
                "0@0 n3 mem 1.0 alu 1.0", "0@2 n1 mem 1.6 alu 1.5", "1@0 n1 mem 1.0 alu 1.0",
                "1@2 n1 mem 1.0 alu 1.0");
    }

    @Test
    void counts_only_ratios_strictly_above_the_factor() {
        assertThat(HostSpeedBench.share(List.of(1.0, 1.3, 1.31), 1.3)).isEqualTo(33.33);
        assertThat(HostSpeedBench.share(List.of(), 1.3)).isZero();
        assertThat(HostSpeedBench.percentile(List.of(1.0, 2.0, 3.0, 4.0), 0.5)).isEqualTo(3.0);
        assertThat(HostSpeedBench.percentile(List.of(1.0, 2.0, 3.0, 4.0), 0.99)).isEqualTo(4.0);
    }

    @Test
    void does_the_same_work_every_time() {
        byte[] text = HostSpeedBench.text(new SplittableRandom(42));
        long words = HostSpeedBench.mem(text, new int[1 << 16]);

        assertThat(text).hasSize(256 * 1024);
        assertThat(words).isEqualTo(HostSpeedBench.mem(HostSpeedBench.text(new SplittableRandom(42)),
                new int[1 << 16])).isGreaterThan(6 * 256 * 1024 / 11);
        assertThat(HostSpeedBench.alu(7)).isEqualTo(HostSpeedBench.alu(7)).isNotEqualTo(HostSpeedBench.alu(9));
    }

    /** 30 rounds at 1 ms, 20 at 1.6 ms, 30 at 1 ms again, one every 10 ms. */
    private static List<Unit> stepUp() {
        List<Unit> units = new java.util.ArrayList<>();
        for (int i = 0; i < 80; i++) {
            units.add(new Unit(0, i / 100.0, i >= 30 && i < 50 ? 1_600_000 : 1_000_000, 100_000));
        }
        return units;
    }

    @Test
    void a_node_judges_steady_work_hot_throughout() {
        List<Unit> steady = stepUp().stream().map(u -> new Unit(0, u.atSeconds(), 1_000_000, 100_000)).toList();

        assertThat(HostSpeedBench.judgedWarming(steady, Kind.MEM, 0)).isZero();
        assertThat(HostSpeedBench.judgedWarming(steady, Kind.MEM, 1_000_000)).isZero();
    }

    @Test
    void a_slow_stretch_counts_warming_against_the_fleets_best_until_it_ends() {
        double own = HostSpeedBench.judgedWarming(stepUp(), Kind.MEM, 0);
        double fleet = HostSpeedBench.judgedWarming(stepUp(), Kind.MEM, 1_000_000);

        // Against the fleet's 1 ms: hot from the first call, so all 80 are judged; the 1.6 ms stretch is warming
        // from its 5th call (the floor of the last 5 all slow) to its end, and the 1 ms calls after it until the
        // median of the last 5 is fast again (their 3rd): 16 + 2.
        assertThat(fleet).isEqualTo(Math.round(18 * 10000.0 / 80) / 100.0);
        // Alone, the node takes the stretch as a new level (a lasting rise of at most 2x) when its 5th call would make
        // it warming, and the 1 ms calls after it as the next one: none counts.
        assertThat(own).isZero();
    }

    @Test
    void takes_the_fleets_best_as_the_lowest_median_of_any_window_on_any_cpu() {
        assertThat(HostSpeedBench.fleetBest(UNITS, Kind.MEM)).isEqualTo(1_000_000);
        assertThat(HostSpeedBench.fleetBest(UNITS, Kind.JS)).isZero();
    }

    @Test
    void takes_only_a_whole_number_of_seconds_above_zero() {
        assertThat(HostSpeedBench.seconds(" 60 ")).isEqualTo(60);
        for (String bad : new String[] {"0", "-5", "2m", "1.5", ""}) {
            assertThatThrownBy(() -> HostSpeedBench.seconds(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("Option --seconds needs a whole number of seconds above 0, was '" + bad + "'");
        }
        assertThatThrownBy(() -> HostSpeedBench.seconds(null)).hasMessageEndingWith("was nothing");
    }
}
