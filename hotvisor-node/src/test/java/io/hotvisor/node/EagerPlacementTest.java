package io.hotvisor.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.hotvisor.cluster.NodeInfo;
import io.hotvisor.runtime.EngineChoice;

class EagerPlacementTest {
    private static final String FN = "default/wc";

    private static NodeInfo node(String id, boolean alive, String held, String state, long steadyNanos) {
        return new NodeInfo(id, "http://" + id, alive, Instant.EPOCH, 0, List.of(held),
                Map.of(FN, new NodeInfo.Warmth(state, steadyNanos)));
    }

    @Test
    void places_a_version_another_live_node_runs_hot_on_the_eager_engine_naming_the_fastest() {
        List<NodeInfo> nodes = List.of(node("n1", true, FN + "@3", "hot", 2_000_000),
                node("n2", true, FN + "@3", "hot", 1_200_000));

        EngineChoice choice = EagerPlacement.choose(true, nodes, "n4", FN, 3);

        assertThat(choice).isEqualTo(EngineChoice.eager(
                "known hot fleet-wide: node n2 reports version 3 hot (steady state 1200 us)"));
    }

    @Test
    void keeps_the_default_engine_unless_another_live_node_runs_that_very_version_hot() {
        List<NodeInfo> nodes = List.of(
                node("n1", true, FN + "@2", "hot", 1_000_000),      // an older version
                node("n2", true, FN + "@3", "warming", 1_000_000),  // not hot
                node("n3", false, FN + "@3", "hot", 1_000_000),     // heartbeat expired
                node("n4", true, FN + "@3", "hot", 1_000_000));     // this node itself

        assertThat(EagerPlacement.choose(true, nodes, "n4", FN, 3)).isEqualTo(EngineChoice.standard(
                "not known hot fleet-wide: no other live node reports version 3 hot"));
    }

    @Test
    void keeps_the_default_engine_when_eager_compilation_is_off() {
        List<NodeInfo> nodes = List.of(node("n1", true, FN + "@3", "hot", 1_000_000));

        assertThat(EagerPlacement.choose(false, nodes, "n4", FN, 3))
                .isEqualTo(EngineChoice.standard("eager compilation is off on this node"));
    }
}
