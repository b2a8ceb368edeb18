package io.hotvisor.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ReadinessRoutingTest {
    private static NodeInfo node(String id, boolean ready) {
        return new NodeInfo(id, "http://" + id, true, Instant.EPOCH, 0, List.of("default/f@1"), Map.of(), ready);
    }

    @Test
    void the_gateway_routes_to_ready_nodes_only_while_any_is_ready() {
        NodeInfo warming = node("warming", false);
        NodeInfo ready = node("ready", true);
        assertThat(Gateway.readyFirst(List.of(warming, ready))).containsExactly(ready);
        assertThat(Gateway.readyFirst(List.of(warming))).as("no node is ready: all still serve")
                .containsExactly(warming);
        assertThat(Gateway.readyFirst(List.of())).isEmpty();
    }
}
