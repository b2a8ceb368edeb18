package io.hotvisor.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class PlacementTest {
    private final AtomicLong millis = new AtomicLong(1_000_000);
    private final Placement placement = new Placement(millis::get, true, Placement.DEFAULT_RAMP);

    private static List<NodeInfo> nodes(int n) {
        List<NodeInfo> out = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            out.add(NodeInfo.heartbeat("node-" + i, "http://127.0.0.1:" + (9000 + i), Instant.EPOCH, 0, List.of()));
        }
        return out;
    }

    @Test
    void keeps_an_idle_function_on_one_node() {
        Set<String> first = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            first.add(placement.order("default/f", -1, nodes(3)).get(0).id());
        }
        assertThat(first).hasSize(1);
    }

    @Test
    void spreads_functions_over_the_nodes() {
        Set<String> first = new HashSet<>();
        for (int f = 0; f < 30; f++) {
            first.add(placement.order("default/f" + f, -1, nodes(3)).get(0).id());
        }
        assertThat(first).containsExactlyInAnyOrder("node-1", "node-2", "node-3");
    }

    @Test
    void moves_few_functions_when_a_node_joins() {
        int moved = 0;
        for (int f = 0; f < 100; f++) {
            String before = placement.order("default/f" + f, -1, nodes(3)).get(0).id();
            String after = placement.order("default/f" + f, -1, nodes(4)).get(0).id();
            if (!before.equals(after)) {
                assertThat(after).isEqualTo("node-4");
                moved++;
            }
        }
        assertThat(moved).isBetween(10, 45);
    }

    @Test
    void adds_a_node_for_a_function_under_load_and_gives_it_back_when_idle() {
        List<NodeInfo> live = nodes(3);
        String first = placement.order("default/hot", -1, live).get(0).id();
        for (int i = 0; i < Placement.GROW_AT; i++) {
            placement.started("default/hot", first);
        }
        String next = placement.order("default/hot", -1, live).get(0).id();
        assertThat(next).isNotEqualTo(first);
        assertThat(placement.width("default/hot")).isEqualTo(2);
        for (int i = 0; i < Placement.GROW_AT; i++) {
            placement.finished("default/hot", first, true);
        }
        placement.order("default/hot", -1, live);
        assertThat(placement.width("default/hot")).as("too soon to shrink").isEqualTo(2);
        millis.addAndGet(Placement.SHRINK_AFTER_MS + 1);
        placement.order("default/hot", -1, live);
        assertThat(placement.width("default/hot")).isEqualTo(1);
    }

    @Test
    void lists_every_live_node_for_retries() {
        assertThat(placement.order("default/f", -1, nodes(4))).extracting(NodeInfo::id)
                .containsExactlyInAnyOrder("node-1", "node-2", "node-3", "node-4");
        assertThat(placement.order("default/f", -1, List.of())).isEmpty();
    }
}
