package io.hotvisor.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.hotvisor.runtime.Language;
import io.hotvisor.runtime.WarmUp;

/** What a starting node decides from its warm-ups: which steady state it keeps, which languages it re-checks again. */
class WarmUpKnowledgeTest {
    private static final long US = 1_000;

    private static FunctionRegistry.WarmUpRun finished(WarmUp.Outcome outcome) {
        FunctionRegistry.WarmUpRun run = new FunctionRegistry.WarmUpRun(WarmUpPolicy.BEFORE, 100 * US, WarmUp.running());
        run.finish(new WarmUp(50, 1_000_000, 100 * US, outcome, ""));
        return run;
    }

    @Test
    void a_lower_steady_state_replaces_the_saved_one_a_higher_one_only_when_the_saved_one_was_out_of_reach() {
        FunctionRegistry.WarmUpRun hot = finished(WarmUp.Outcome.HOT);
        assertThat(FunctionRegistry.keepsSteadyState(0, 300 * US, hot)).as("nothing saved yet").isFalse();
        assertThat(FunctionRegistry.keepsSteadyState(100 * US, 89 * US, hot)).as("more than 10 % better").isFalse();
        assertThat(FunctionRegistry.keepsSteadyState(100 * US, 95 * US, hot)).as("within 10 %").isTrue();
        assertThat(FunctionRegistry.keepsSteadyState(100 * US, 300 * US, hot))
                .as("worse, though the replays reached the saved one: a slow run must not raise the next target")
                .isTrue();
        for (WarmUp.Outcome outOfReach : List.of(WarmUp.Outcome.MAX_REPLAYS, WarmUp.Outcome.BUDGET)) {
            FunctionRegistry.WarmUpRun run = finished(outOfReach);
            assertThat(FunctionRegistry.keepsSteadyState(100 * US, 300 * US, run)).as(outOfReach.id()).isFalse();
            assertThat(FunctionRegistry.keepsSteadyState(100 * US, 105 * US, run)).as(outOfReach.id() + ", within 10 %")
                    .isTrue();
        }
        for (WarmUp.Outcome other : List.of(WarmUp.Outcome.NONE, WarmUp.Outcome.SETTLED, WarmUp.Outcome.FAILED)) {
            assertThat(FunctionRegistry.keepsSteadyState(100 * US, 300 * US, finished(other))).as(other.id()).isTrue();
        }
        FunctionRegistry.WarmUpRun running = new FunctionRegistry.WarmUpRun(WarmUpPolicy.ALONGSIDE, 100 * US,
                WarmUp.running());
        assertThat(FunctionRegistry.keepsSteadyState(100 * US, 300 * US, running)).as("replays still running").isTrue();
    }

    @Test
    void another_round_of_the_recheck_only_for_a_language_where_code_was_undone_and_more_than_one_function_was_rechecked() {
        var js = new FunctionRegistry.Rechecked(Language.JAVASCRIPT, false);
        var jsUndone = new FunctionRegistry.Rechecked(Language.JAVASCRIPT, true);
        var pyUndone = new FunctionRegistry.Rechecked(Language.PYTHON, true);
        var java = new FunctionRegistry.Rechecked(Language.JAVA, false);
        var javaUndone = new FunctionRegistry.Rechecked(Language.JAVA, true);

        assertThat(HotvisorNode.recheckAgain(List.of())).isEmpty();
        assertThat(HotvisorNode.recheckAgain(List.of(js, js, java))).as("nothing undone").isEmpty();
        assertThat(HotvisorNode.recheckAgain(List.of(js, jsUndone, pyUndone, java, javaUndone)))
                .as("Python's only function was undone by something else: re-compiling it undoes no other")
                .containsExactlyInAnyOrder(Language.JAVASCRIPT, Language.JAVA);
        assertThat(HotvisorNode.recheckAgain(List.of(jsUndone, jsUndone))).containsExactly(Language.JAVASCRIPT);
    }
}
