package io.hotvisor.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Runs {@link GuestLoopBench} for a few calls so it cannot rot: the bench functions answer their expected values in
 * a plain context. Never a timing (speed is measured, not asserted).
 */
class GuestLoopBenchTest {
    private static final Path ROOT = Path.of(System.getProperty("hotvisor.root", "..")).toAbsolutePath().normalize();

    @Test
    void javascript_graph_answers_the_expected_bfs_on_every_call() {
        List<GuestLoopBench.Run> runs = GuestLoopBench.run(ROOT, "js", List.of("graph"), 2);

        assertThat(runs).singleElement().satisfies(run -> {
            assertThat(run.millis()).hasSize(2).allSatisfy(ms -> assertThat(ms).isPositive());
            assertThat(run.answer()).isEqualTo("{\"visited\":4884,\"depthSum\":29851}");
        });
    }

    @Test
    void python_graph_answers_the_same_as_javascript() {
        List<GuestLoopBench.Run> runs = GuestLoopBench.run(ROOT, "python", List.of("graph"), 1);

        assertThat(runs).singleElement().extracting(GuestLoopBench.Run::answer)
                .isEqualTo("{\"visited\": 4884, \"depthSum\": 29851}");
    }

    @Test
    void an_unknown_language_is_refused_with_its_name() {
        assertThatThrownBy(() -> GuestLoopBench.main(new String[] {"ruby", "graph"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ruby");
    }
}
