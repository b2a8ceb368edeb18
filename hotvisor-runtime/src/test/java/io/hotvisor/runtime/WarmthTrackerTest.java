package io.hotvisor.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.hotvisor.runtime.Warmth.Reference;
import io.hotvisor.runtime.Warmth.State;

class WarmthTrackerTest {
    private static final long US = 1_000;

    private final WarmthTracker tracker = WarmthTracker.create(WarmthOptions.defaults());

    /** Records {@code latencies} of version {@code version} of "f"; returns the state each ran in. */
    private List<State> run(long version, long... latencies) {
        List<State> states = new ArrayList<>();
        for (long l : latencies) {
            states.add(tracker.record("f", version, l).orElseThrow());
        }
        return states;
    }

    private Warmth warmth() {
        return tracker.warmth("f").orElseThrow();
    }

    private static long[] flat(int n, long nanos) {
        long[] out = new long[n];
        java.util.Arrays.fill(out, nanos);
        return out;
    }

    /** {@code n} latencies around {@code nanos}, each off by up to {@code jitter} (a fraction) either way. */
    private static long[] noisy(int n, long nanos, double jitter, long seed) {
        Random r = new Random(seed);
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = Math.round(nanos * (1 + jitter * (2 * r.nextDouble() - 1)));
        }
        return out;
    }

    /** A JIT-like curve: {@code steady} plus an interpreter overhead of {@code 100 * steady} decaying over ~30 calls. */
    private static long[] jitCurve(int n, long steady) {
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = steady + Math.round(100.0 * steady * Math.exp(-i / 30.0));
        }
        return out;
    }

    @Test
    void a_loaded_function_that_never_ran_is_cold_and_an_unknown_one_is_not_tracked() {
        tracker.loaded("f", 1);

        assertThat(warmth().state()).isEqualTo(State.COLD);
        assertThat(warmth().firstNanos()).isEmpty();
        assertThat(warmth().reference()).isEqualTo(Reference.NONE);
        assertThat(tracker.warmth("g")).isEmpty();
        assertThat(tracker.record("g", 1, 100 * US)).isEmpty();
        assertThat(tracker.warmth("g")).isEmpty();
    }

    @Test
    void a_function_with_a_constant_latency_is_hot_once_it_has_run_twice_the_floor_window() {
        tracker.loaded("f", 1);

        List<State> states = run(1, flat(20, 80 * US));

        assertThat(states.subList(0, 9)).containsOnly(State.WARMING);
        assertThat(states.subList(9, 20)).containsOnly(State.HOT);
        assertThat(warmth().steadyStateNanos()).isEqualTo(80 * US);
        assertThat(warmth().reference()).isEqualTo(Reference.NODE);
    }

    @Test
    void a_flat_but_noisy_function_with_a_slow_first_call_becomes_hot_quickly_and_stays_hot() {
        tracker.loaded("f", 1);
        run(1, 5_000 * US); // the first call in a new context: parsing, lazy initialization

        List<State> states = run(1, noisy(2_000, 80 * US, 0.4, 42));

        assertThat(states.indexOf(State.HOT)).isBetween(8, 20);
        assertThat(states.subList(states.indexOf(State.HOT), states.size())).containsOnly(State.HOT);
        assertThat(warmth().steadyStateNanos()).isBetween(70 * US, 90 * US);
    }

    @Test
    void a_jit_like_falling_curve_is_warming_then_hot_once_near_its_steady_state() {
        tracker.loaded("f", 1);

        long[] curve = jitCurve(400, 50 * US);
        List<State> states = run(1, curve);

        int firstHot = states.indexOf(State.HOT);
        assertThat(firstHot).as("first hot invocation").isPositive();
        assertThat(states.subList(0, firstHot)).containsOnly(State.WARMING);
        assertThat(states.subList(firstHot, states.size())).containsOnly(State.HOT);
        // Hot only once the latency is close to the steady state the curve ends at, not on the way down.
        assertThat(curve[firstHot]).isLessThanOrEqualTo(Math.round(50 * US * WarmthOptions.DEFAULT_HOT_FACTOR));
        assertThat(warmth().steadyStateNanos()).isBetween(50 * US, 52 * US);
        assertThat(warmth().warmingInvocations()).isEqualTo(firstHot);
        assertThat(warmth().hotInvocations()).isEqualTo(400 - firstHot);
        assertThat(warmth().notHotFraction()).isEqualTo((double) firstHot / 400);
    }

    @Test
    void one_slow_call_or_a_few_in_a_row_leave_a_hot_function_hot() {
        tracker.loaded("f", 1);
        run(1, flat(40, 100 * US));

        assertThat(run(1, 50_000 * US)).containsExactly(State.HOT);
        assertThat(warmth().state()).isEqualTo(State.HOT);
        assertThat(run(1, 100 * US)).containsExactly(State.HOT);
        assertThat(run(1, flat(4, 3_000 * US))).containsOnly(State.HOT);
        assertThat(run(1, 100 * US)).containsExactly(State.HOT);
        assertThat(warmth().steadyStateNanos()).isEqualTo(100 * US);
    }

    @Test
    void a_lasting_slowdown_makes_a_hot_function_warming() {
        tracker.loaded("f", 1);
        run(1, flat(40, 100 * US));

        List<State> states = run(1, flat(5, 1_000 * US));

        assertThat(states).containsExactly(State.HOT, State.HOT, State.HOT, State.HOT, State.WARMING);
        assertThat(warmth().state()).isEqualTo(State.WARMING);
        assertThat(warmth().floorNanos()).isEqualTo(1_000 * US);
        assertThat(warmth().steadyStateNanos()).as("10x is a fall back, not a new level").isEqualTo(100 * US);
    }

    @Test
    void a_lasting_move_to_a_slower_compiled_level_is_the_steady_state_after_the_floor_window() {
        tracker.loaded("f", 1);
        run(1, flat(40, 100 * US));

        assertThat(run(1, flat(4, 145 * US))).containsOnly(State.HOT);
        assertThat(warmth().steadyStateNanos()).as("four calls are not a level yet").isEqualTo(100 * US);
        assertThat(run(1, 145 * US)).containsExactly(State.HOT);
        assertThat(warmth().steadyStateNanos()).isEqualTo(145 * US);
        assertThat(run(1, noisy(40, 145 * US, 0.1, 3))).containsOnly(State.HOT);
        assertThat(warmth().steadyStateNanos()).isBetween(131 * US, 160 * US);
    }

    @Test
    void a_level_needs_all_of_the_floor_window_outside_the_hot_factor() {
        tracker.loaded("f", 1);
        run(1, flat(40, 100 * US));

        run(1, 145 * US, 145 * US, 100 * US, 145 * US, 145 * US, 125 * US, 145 * US, 145 * US, 145 * US, 145 * US);

        assertThat(warmth().steadyStateNanos()).isEqualTo(100 * US);
    }

    @Test
    void a_lasting_move_to_a_faster_level_is_the_steady_state_after_the_floor_window() {
        tracker.loaded("f", 1);
        run(1, flat(40, 300 * US));

        run(1, flat(4, 100 * US));
        assertThat(warmth().steadyStateNanos()).isEqualTo(300 * US);
        run(1, 100 * US);
        assertThat(warmth().steadyStateNanos()).isEqualTo(100 * US);
        assertThat(run(1, flat(5, 300 * US))).as("the old level is 3x slower: a fall back now, not a level")
                .containsExactly(State.HOT, State.HOT, State.HOT, State.HOT, State.WARMING);
    }

    @Test
    void when_every_node_moves_to_a_slower_level_the_fleets_reference_follows_within_the_floor_window() {
        // Two nodes on one compiled level; each judges against the lower of the two steady states, as a fleet does.
        WarmthTracker a = WarmthTracker.create(WarmthOptions.defaults());
        WarmthTracker b = WarmthTracker.create(WarmthOptions.defaults());
        a.loaded("f", 1);
        b.loaded("f", 1);
        for (int i = 0; i < 40; i++) {
            a.record("f", 1, 100 * US);
            b.record("f", 1, 100 * US);
        }
        // Node a moves to 145 first: against b's 100 it is slower than the fleet's best, so warming.
        List<State> aStates = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            aStates.add(a.record("f", 1, 145 * US).orElseThrow());
            a.fleetBest("f", 1, fleetBest(a, b));
        }
        assertThat(aStates.subList(5, 10)).containsOnly(State.WARMING);
        // Then node b moves too: once it holds its new level (5 calls; its fifth is still judged against its own
        // old report, as a heartbeat comes after the call), the fleet's best is the new level on both.
        List<State> bStates = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            bStates.add(b.record("f", 1, 145 * US).orElseThrow());
            a.fleetBest("f", 1, fleetBest(a, b));
            b.fleetBest("f", 1, fleetBest(a, b));
        }
        assertThat(bStates.subList(0, 4)).containsOnly(State.HOT);
        assertThat(bStates.subList(5, 10)).containsOnly(State.HOT);
        assertThat(a.record("f", 1, 145 * US)).contains(State.HOT);
        assertThat(b.warmth("f").orElseThrow().fleetSteadyStateNanos()).isEqualTo(145 * US);
    }

    private static long fleetBest(WarmthTracker... nodes) {
        long best = Long.MAX_VALUE;
        for (WarmthTracker node : nodes) {
            long steady = node.warmth("f").orElseThrow().steadyStateNanos();
            if (steady > 0) {
                best = Math.min(best, steady);
            }
        }
        return best == Long.MAX_VALUE ? 0 : best;
    }

    @Test
    void the_fleets_best_steady_state_judges_a_new_node_from_its_first_call() {
        tracker.loaded("f", 1);
        tracker.fleetBest("f", 1, 50 * US);

        assertThat(run(1, 60 * US)).containsExactly(State.HOT);
        assertThat(warmth().reference()).isEqualTo(Reference.FLEET);
        assertThat(warmth().referenceNanos()).isEqualTo(50 * US);

        tracker.loaded("g", 1);
        tracker.fleetBest("g", 1, 50 * US);
        assertThat(tracker.record("g", 1, 500 * US)).contains(State.WARMING);
    }

    @Test
    void one_fast_call_among_slow_ones_does_not_make_a_new_node_hot_but_most_fast_ones_do() {
        tracker.loaded("f", 1);
        tracker.fleetBest("f", 1, 50 * US);

        // Still compiling: an odd call reaches compiled code, most do not.
        assertThat(run(1, 900 * US, 55 * US, 800 * US, 700 * US, 52 * US)).containsOnly(State.WARMING);
        assertThat(warmth().floorNanos()).as("the floor alone would have called it hot").isEqualTo(52 * US);
        // Three of the last five fast: hot.
        assertThat(run(1, 51 * US)).containsExactly(State.HOT);
    }

    @Test
    void a_hot_function_on_a_busy_machine_stays_hot_while_any_recent_call_is_fast() {
        tracker.loaded("f", 1);
        tracker.fleetBest("f", 1, 50 * US);
        run(1, flat(5, 50 * US));

        // Four slow calls in every five, for long: the median is slow, but the code is compiled (one call in five
        // shows it), so it stays hot.
        List<State> states = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            states.addAll(run(1, 400 * US, 300 * US, 50 * US, 500 * US, 350 * US));
        }

        assertThat(states).containsOnly(State.HOT);
    }

    @Test
    void a_restarted_node_judges_its_first_call_against_the_steady_state_it_remembered_until_it_has_its_own() {
        tracker.loaded("f", 2);
        tracker.remembered("f", 1, 50 * US); // another version: ignored
        assertThat(run(2, 60 * US)).containsExactly(State.WARMING);

        tracker.loaded("g", 1);
        tracker.remembered("g", 1, 50 * US);
        assertThat(tracker.record("g", 1, 60 * US)).contains(State.HOT);
        Warmth g = tracker.warmth("g").orElseThrow();
        assertThat(g.reference()).isEqualTo(Reference.NODE);
        assertThat(g.referenceNanos()).isEqualTo(50 * US);
        assertThat(tracker.record("g", 1, 500 * US)).as("the floor is still the first call").contains(State.HOT);
        for (int i = 0; i < 40; i++) {
            tracker.record("g", 1, 500 * US);
        }
        assertThat(tracker.warmth("g").orElseThrow().referenceNanos()).as("its own steady state, once settled")
                .isEqualTo(500 * US);
    }

    @Test
    void a_node_slower_than_the_fleets_best_stays_warming_even_once_settled() {
        tracker.loaded("f", 1);
        tracker.fleetBest("f", 1, 50 * US);

        List<State> states = run(1, flat(40, 100 * US));

        assertThat(states).containsOnly(State.WARMING);
        assertThat(warmth().steadyStateNanos()).isEqualTo(100 * US);
        assertThat(warmth().reference()).isEqualTo(Reference.FLEET);

        tracker.fleetBest("f", 1, 0); // the fleet forgot: the node's own steady state judges again
        assertThat(warmth().state()).isEqualTo(State.HOT);
        assertThat(warmth().reference()).isEqualTo(Reference.NODE);
    }

    @Test
    void a_fleet_best_slower_than_the_nodes_own_steady_state_is_not_the_reference() {
        tracker.loaded("f", 1);
        run(1, flat(20, 100 * US));

        tracker.fleetBest("f", 1, 400 * US);

        assertThat(warmth().reference()).isEqualTo(Reference.NODE);
        assertThat(warmth().referenceNanos()).isEqualTo(100 * US);
    }

    @Test
    void a_new_version_starts_cold_and_the_old_versions_stragglers_are_ignored() {
        tracker.loaded("f", 1);
        tracker.fleetBest("f", 1, 100 * US);
        run(1, flat(20, 100 * US));

        tracker.loaded("f", 2);

        assertThat(warmth().version()).isEqualTo(2);
        assertThat(warmth().state()).isEqualTo(State.COLD);
        assertThat(warmth().firstNanos()).isEmpty();
        assertThat(warmth().hotInvocations()).isZero();
        assertThat(warmth().fleetSteadyStateNanos()).isZero();
        assertThat(tracker.record("f", 1, 100 * US)).isEmpty();
        tracker.fleetBest("f", 1, 100 * US);
        assertThat(warmth().fleetSteadyStateNanos()).isZero();
        assertThat(run(2, 300 * US)).containsExactly(State.WARMING);
        assertThat(warmth().firstNanos()).containsExactly(300 * US);

        tracker.loaded("f", 2); // loading the same version again keeps what it learnt
        assertThat(warmth().firstNanos()).containsExactly(300 * US);
    }

    @Test
    void a_report_of_a_newer_version_than_loaded_starts_that_version() {
        tracker.loaded("f", 1);
        run(1, flat(20, 100 * US));

        assertThat(run(3, 200 * US)).containsExactly(State.WARMING);

        assertThat(warmth().version()).isEqualTo(3);
        assertThat(warmth().firstNanos()).containsExactly(200 * US);
    }

    @Test
    void a_forgotten_function_is_no_longer_tracked_even_when_its_last_invocations_finish() {
        tracker.loaded("f", 1);
        run(1, 100 * US);

        tracker.forget("f");

        assertThat(tracker.record("f", 1, 100 * US)).isEmpty();
        assertThat(tracker.warmth("f")).isEmpty();
        assertThat(tracker.all()).isEmpty();
    }

    @Test
    void the_trajectory_keeps_the_first_invocations_and_a_recent_window_in_order() {
        tracker.loaded("f", 1);
        long[] latencies = new long[1_000];
        for (int i = 0; i < latencies.length; i++) {
            latencies[i] = (i + 1) * US;
        }
        run(1, latencies);

        Warmth w = warmth();
        assertThat(w.firstNanos()).hasSize(WarmthOptions.DEFAULT_FIRST_INVOCATIONS);
        assertThat(w.firstNanos().getFirst()).isEqualTo(1 * US);
        assertThat(w.firstNanos().getLast()).isEqualTo(200 * US);
        assertThat(w.recentNanos()).hasSize(WarmthOptions.DEFAULT_WINDOW);
        assertThat(w.recentNanos().getFirst()).isEqualTo(969 * US);
        assertThat(w.recentNanos().getLast()).isEqualTo(1_000 * US);
        assertThat(w.floorNanos()).isEqualTo(996 * US);
        assertThat(w.firstInvocationNanos()).isEqualTo(1 * US);
        Warmth summary = tracker.summary("f").orElseThrow();
        assertThat(summary.firstNanos()).isEmpty();
        assertThat(summary.recentNanos()).isEmpty();
        assertThat(summary).isEqualTo(new Warmth(w.version(), w.state(), w.steadyStateNanos(),
                w.fleetSteadyStateNanos(), w.referenceNanos(), w.reference(), w.floorNanos(), w.hotInvocations(),
                w.warmingInvocations(), w.firstInvocationNanos(), java.util.List.of(), java.util.List.of()));
    }

    @Test
    void a_rising_latency_settles_and_the_median_of_its_window_is_its_steady_state() {
        tracker.loaded("f", 1);
        long[] latencies = new long[100];
        for (int i = 0; i < latencies.length; i++) {
            latencies[i] = (100 + i) * US;
        }

        List<State> states = run(1, latencies);

        assertThat(states.subList(10, 100)).containsOnly(State.HOT);
        assertThat(warmth().steadyStateNanos()).isEqualTo((183 + 184) * US / 2);
    }

    @Test
    void options_name_the_bad_setting() {
        assertThatThrownBy(() -> WarmthOptions.defaults().hotFactor(0.9))
                .hasMessage("hotFactor must be a finite number of at least 1.0, was 0.9");
        assertThatThrownBy(() -> WarmthOptions.defaults().window(8))
                .hasMessage("window must be at least twice floorWindow (5), was 8");
        assertThatThrownBy(() -> WarmthOptions.defaults().floorWindow(0))
                .hasMessage("floorWindow must be at least 1, was 0");
        assertThatThrownBy(() -> WarmthOptions.defaults().firstInvocations(-1))
                .hasMessage("firstInvocations must not be negative, was -1");
        assertThatThrownBy(() -> WarmthOptions.defaults().settleRatio(Double.NaN))
                .hasMessage("settleRatio must be a finite number of at least 1.0, was NaN");
    }
}
