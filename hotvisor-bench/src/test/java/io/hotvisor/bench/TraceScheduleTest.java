package io.hotvisor.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

class TraceScheduleTest {
    static final AzureTrace TRACE = AzureTrace.read(AzureTraceTest.SHARED, 100);

    private static TraceOptions options(String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("--mode", "full", "--trace",
                AzureTraceTest.SHARED.toString()));
        args.addAll(List.of(extra));
        return TraceOptions.parse(args.toArray(String[]::new));
    }

    @Test
    void replays_every_call_of_the_window_at_scale_one_inside_its_minute() {
        TraceSchedule s = TraceSchedule.create(TRACE, options("--minutes", "2", "--invocation-scale", "1"));

        long expected = TRACE.functions().stream().mapToLong(f -> f.invocations(781, 2)).sum();
        assertThat(s.invocations()).hasSize((int) expected);
        for (TraceSchedule.Target t : s.functions()) {
            long inFirstMinute = s.invocations().stream()
                    .filter(i -> i.target() == t && i.atNanos() < 60_000_000_000L).count();
            assertThat(inFirstMinute).as(t.name()).isEqualTo(t.function().perMinute()[780]);
        }
        assertThat(s.invocations()).allSatisfy(i -> assertThat(i.atNanos()).isBetween(0L, 120_000_000_000L));
        assertThat(s.invocations()).isSortedAccordingTo(java.util.Comparator.comparingLong(
                TraceSchedule.Invocation::atNanos));
    }

    @Test
    void is_the_same_for_the_same_seed_and_differs_for_another() {
        TraceSchedule a = TraceSchedule.create(TRACE, options("--seed", "7"));
        TraceSchedule b = TraceSchedule.create(TRACE, options("--seed", "7"));
        TraceSchedule c = TraceSchedule.create(TRACE, options("--seed", "8"));

        assertThat(a.invocations()).extracting(TraceSchedule.Invocation::atNanos)
                .containsExactlyElementsOf(b.invocations().stream().map(TraceSchedule.Invocation::atNanos).toList())
                .isNotEqualTo(c.invocations().stream().map(TraceSchedule.Invocation::atNanos).toList());
    }

    @Test
    void scales_memory_caps_and_compresses_durations_and_keeps_the_busiest_functions() {
        TraceSchedule s = TraceSchedule.create(TRACE, options("--functions", "2", "--memory-scale", "0.5",
                "--max-duration-ms", "1000", "--time-compression", "10", "--minutes", "1"));

        assertThat(s.functions()).hasSize(2);
        long fewestKept = s.functions().stream().mapToLong(t -> t.function().invocations(781, 1)).min().orElseThrow();
        assertThat(TRACE.functions().stream().filter(f -> f.invocations(781, 1) > fewestKept).count())
                .isLessThanOrEqualTo(1);
        assertThat(s.functions()).allSatisfy(t -> {
            assertThat(t.memoryMb()).isEqualTo(Math.max(1, Math.round(t.function().memoryShareMb() * 0.5)));
            assertThat(t.durationMs()).isLessThanOrEqualTo(100);
        });
        assertThat(s.invocations()).allSatisfy(i -> assertThat(i.atNanos()).isLessThan(6_000_000_000L));
    }

    @Test
    void refuses_a_window_past_the_end_of_the_day() {
        assertThatThrownBy(() -> TraceSchedule.create(TRACE, options("--start", "1440", "--minutes", "2")))
                .isInstanceOf(TraceException.class).hasMessageContaining("past the trace's last minute 1440");
    }

    @Test
    void options_name_the_bad_value_and_list_what_is_known() {
        String trace = Path.of("x").toString();
        assertThatThrownBy(() -> TraceOptions.parse("--side", "hotvisor")).hasMessageContaining("Missing --trace DIR");
        assertThatThrownBy(() -> TraceOptions.parse("--trace", trace, "--mode", "huge"))
                .hasMessageContaining("Unknown mode 'huge'; known: smoke, quick, full");
        assertThatThrownBy(() -> TraceOptions.parse("--trace", trace, "--side", "lambda"))
                .hasMessageContaining("--side must be one of hotvisor, baseline, both; got 'lambda'");
        assertThatThrownBy(() -> TraceOptions.parse("--trace", trace, "--memory-scale", "-1"))
                .hasMessageContaining("--memory-scale must be a number > 0; got '-1'");
        assertThatThrownBy(() -> TraceOptions.parse("--trace", trace, "--keep-alive", "ten"))
                .hasMessageContaining("like 10m, 30s or PT10M; got 'ten'");
        assertThatThrownBy(() -> TraceOptions.parse("--trace", trace, "--bogus", "1"))
                .hasMessageContaining("Unknown option '--bogus'");
        assertThat(TraceOptions.parse("--trace", trace, "--mode", "smoke", "--keep-alive", "30s").keepAlive())
                .hasSeconds(30);
    }
}
