package io.hotvisor.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class GuestOutputTest {
    private final List<String> lines = new ArrayList<>();
    private final GuestOutput.Budget budget = GuestOutput.Budget.perInvocation();
    private final GuestOutput out = new GuestOutput((level, text) -> lines.add(level + " " + text), Level.INFO, budget);
    private final GuestOutput err = new GuestOutput((level, text) -> lines.add(level + " " + text), Level.WARNING,
            budget);

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void counts_the_cpu_time_spent_logging_lines_only_while_a_meter_is_set() {
        AtomicLong cpu = new AtomicLong();
        Ticker ticker = cpu::get;
        GuestOutput metered = new GuestOutput((level, text) -> {
            lines.add(text);
            cpu.addAndGet(7);
        }, Level.INFO, budget);
        metered.write(bytes("before\n"), 0, 7);
        metered.meter(ticker);
        metered.write(bytes("one\ntw"), 0, 6);
        cpu.addAndGet(100); // the guest's own work between lines is not the sink's
        metered.write(bytes("o\n"), 0, 2);
        metered.write(bytes("unterminated"), 0, 12);
        metered.finishInvocation();

        assertThat(lines).containsExactly("before", "one", "two", "unterminated");
        assertThat(metered.sinkCpuNanos()).isEqualTo(3 * 7);
        metered.meter(null);
        metered.write(bytes("after\n"), 0, 6);
        assertThat(metered.sinkCpuNanos()).isEqualTo(3 * 7);
    }

    @Test
    void caps_a_ten_megabyte_flood_at_one_megabyte_and_says_how_much_was_dropped() {
        byte[] line = bytes("a".repeat(1023) + "\n");
        for (int i = 0; i < 10 * 1024; i++) {
            out.write(line, 0, line.length);
        }
        out.finishInvocation();

        assertThat(lines).hasSize(1024 + 1);
        assertThat(lines.subList(0, 1024)).allMatch(l -> l.equals("INFO " + "a".repeat(1023)));
        assertThat(lines.getLast()).isEqualTo(
                "WARNING [output capped: 9437184 bytes dropped beyond the limit of 1048576 bytes per invocation]");
    }

    @Test
    void gives_the_next_invocation_the_whole_budget_again() {
        byte[] flood = new byte[2 * 1024 * 1024];
        out.write(flood, 0, flood.length);
        out.finishInvocation();
        err.finishInvocation();
        lines.clear();

        out.write(bytes("hello\n"), 0, 6);
        out.finishInvocation();

        assertThat(lines).containsExactly("INFO hello");
    }

    @Test
    void counts_stdout_and_stderr_against_one_budget_and_reports_the_drop_once() {
        byte[] half = bytes("b".repeat(1023) + "\n");
        for (int i = 0; i < 512; i++) {
            out.write(half, 0, half.length);
        }
        for (int i = 0; i < 513; i++) {
            err.write(half, 0, half.length);
        }
        out.finishInvocation();
        err.finishInvocation();

        assertThat(lines).filteredOn(l -> l.startsWith("WARNING b")).hasSize(512);
        assertThat(lines).filteredOn(l -> l.contains("output capped"))
                .containsExactly("WARNING [output capped: 1024 bytes dropped beyond the limit of 1048576 bytes per invocation]");
    }

    @Test
    void logs_an_unterminated_last_line_when_the_invocation_ends() {
        out.write(bytes("no newline"), 0, 10);
        out.finishInvocation();

        assertThat(lines).containsExactly("INFO no newline");
    }
}
