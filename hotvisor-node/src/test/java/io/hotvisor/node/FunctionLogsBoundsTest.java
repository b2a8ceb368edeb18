package io.hotvisor.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/** What {@link FunctionLogs} keeps of a function's output: the newest lines within its bounds, dropped ones counted. */
class FunctionLogsBoundsTest {
    private final FunctionLogs logs = new FunctionLogs(Clock.fixed(Instant.parse("2026-11-26T21:00:00Z"),
            ZoneOffset.UTC));

    private static List<String> texts(FunctionLogs.Recent r) {
        return r.lines().stream().map(FunctionLogs.Line::text).toList();
    }

    @Test
    void keeps_the_newest_lines_up_to_its_line_bound_and_counts_the_rest() {
        for (int i = 0; i < FunctionLogs.MAX_LINES + 100; i++) {
            logs.add("f", 1, "inv-" + (i % 3), false, "line " + i);
        }

        FunctionLogs.Recent all = logs.recent("f", Optional.empty(), FunctionLogs.MAX_LINES);
        assertThat(all.lines()).hasSize(FunctionLogs.MAX_LINES);
        assertThat(all.lines().getFirst().text()).isEqualTo("line 100");
        assertThat(all.lines().getLast().text()).isEqualTo("line " + (FunctionLogs.MAX_LINES + 99));
        assertThat(all.dropped()).isEqualTo(100);
        assertThat(texts(logs.recent("f", Optional.empty(), 2))).containsExactly("line 598", "line 599");
        // One invocation's newest lines, oldest first.
        assertThat(texts(logs.recent("f", Optional.of("inv-1"), 3))).containsExactly("line 592", "line 595",
                "line 598");
    }

    @Test
    void keeps_the_newest_lines_up_to_its_character_bound_and_always_the_last_line() {
        String kilo = "x".repeat(1024);
        for (int i = 0; i < 70; i++) {
            logs.add("f", 1, "inv", true, i + kilo);
        }
        FunctionLogs.Recent r = logs.recent("f", Optional.empty(), FunctionLogs.MAX_LINES);
        int chars = r.lines().stream().mapToInt(l -> l.text().length()).sum();
        assertThat(chars).isLessThanOrEqualTo(FunctionLogs.MAX_CHARS);
        assertThat(r.lines().size() + r.dropped()).isEqualTo(70);
        assertThat(r.lines().getLast().text()).startsWith("69x");

        logs.add("f", 2, "big", true, "y".repeat(FunctionLogs.MAX_CHARS * 2));
        FunctionLogs.Recent big = logs.recent("f", Optional.empty(), FunctionLogs.MAX_LINES);
        assertThat(big.lines()).hasSize(1);
        assertThat(big.lines().getFirst().version()).isEqualTo(2);
        assertThat(big.dropped()).isEqualTo(70);
    }

    @Test
    void keeps_each_function_apart_and_forgets_a_deleted_one() {
        logs.add("a", 1, "i1", false, "from a");
        logs.add("b", 1, "i2", false, "from b");
        logs.forget("a");

        assertThat(logs.recent("a", Optional.empty(), 10).lines()).isEmpty();
        assertThat(texts(logs.recent("b", Optional.empty(), 10))).containsExactly("from b");
    }
}
