package io.hotvisor.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import io.hotvisor.runtime.Ticker;
import org.junit.jupiter.api.Test;

class CompilerQuietTest {
    private static final long WINDOW = CompilerQuiet.WINDOW.toNanos();

    /** A clock that moves only when the wait pauses, and compilers busy for the given share of each window. */
    private static final class Script implements Ticker {
        final AtomicLong now = new AtomicLong(1_000);
        final List<Long> pauses = new ArrayList<>();
        final double[] busy;
        long compiled;
        int window;

        Script(double... busy) {
            this.busy = busy;
        }

        @Override
        public long read() {
            return now.get();
        }

        @Override
        public void pause(long nanos) {
            pauses.add(nanos);
            now.addAndGet(nanos);
            double share = busy[Math.min(window++, busy.length - 1)];
            compiled += (long) (share * nanos);
        }

        long compilerNanos() {
            return compiled;
        }
    }

    @Test
    void waits_until_the_compilers_were_quiet_for_two_windows_in_a_row() throws Exception {
        // Busy (1.7 cores), then quiet once, busy again, then quiet twice: ready after 5 windows, not 2 or 4.
        Script s = new Script(1.7, 0.1, 0.9, 0.2, 0.1, 2.0);
        CompilerQuiet.Outcome o = CompilerQuiet.await(s::compilerNanos, s, Duration.ofSeconds(5));
        assertThat(o.quiet()).isTrue();
        assertThat(o.waitedNanos()).isEqualTo(5 * WINDOW);
        assertThat(o.lastBusy()).isCloseTo(0.1, org.assertj.core.data.Offset.offset(0.001));
        assertThat(s.pauses).hasSize(5).allMatch(p -> p == WINDOW);
        assertThat(o.describe()).isEqualTo("quiet after 1250 ms (last window: 10% of a core)");
    }

    @Test
    void compilers_quiet_from_the_start_cost_two_windows() throws Exception {
        Script s = new Script(0.0);
        CompilerQuiet.Outcome o = CompilerQuiet.await(s::compilerNanos, s, Duration.ofSeconds(5));
        assertThat(o.quiet()).isTrue();
        assertThat(o.waitedNanos()).isEqualTo(2 * WINDOW);
    }

    @Test
    void compilers_that_never_go_quiet_end_the_wait_at_its_limit_and_say_so() throws Exception {
        Script s = new Script(0.3); // just above the threshold, every window
        CompilerQuiet.Outcome o = CompilerQuiet.await(s::compilerNanos, s, Duration.ofMillis(600));
        assertThat(o.quiet()).isFalse();
        assertThat(o.waitedNanos()).isEqualTo(Duration.ofMillis(600).toNanos());
        // 250 + 250 + the 100 ms left: never past the limit.
        assertThat(s.pauses).containsExactly(WINDOW, WINDOW, Duration.ofMillis(100).toNanos());
        assertThat(o.describe()).isEqualTo("still busy after 600 ms (last window: 30% of a core)");
    }

    @Test
    void this_jvm_s_compilers_have_done_some_work_and_the_count_never_goes_back() throws Exception {
        long first = CompilerQuiet.compilerNanos();
        long x = 0;
        for (int i = 0; i < 200_000; i++) { // something for HotSpot to compile
            x += Integer.toString(i).hashCode();
        }
        long second = CompilerQuiet.compilerNanos();
        assertThat(x).isNotZero();
        assertThat(first).isPositive();
        assertThat(second).isGreaterThanOrEqualTo(first);
    }
}
