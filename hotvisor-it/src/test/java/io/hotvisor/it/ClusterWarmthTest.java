package io.hotvisor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Warmth across a real cluster (redis-server, two nodes, a gateway): node 1 makes a function hot, its steady state
 * reaches node 2 through the heartbeats as the fleet's best, node 2 judges its own first invocation against it, and
 * the gateway's {@code /v1/cluster} shows both. An invocation through the gateway carries {@code X-Hotvisor-Warmth},
 * the state the node that answered counted it in.
 */
class ClusterWarmthTest {

    private static TestCluster cluster;
    private static NodeProcess node1;
    private static NodeProcess node2;
    private static GatewayProcess gateway;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = TestCluster.start(2);
        node1 = cluster.node(1);
        node2 = cluster.node(2);
        gateway = cluster.startGateway();
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static JsonNode warmth(NodeProcess node) {
        Http.Response r = node.http().get("/v1/functions/hash");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.json().path("warmth");
    }

    /** {@code hotvisor_invocations_by_warmth_total} of 'hash' in {@code state} on {@code node}; 0 before any. */
    private static double byWarmth(NodeProcess node, String state) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^hotvisor_invocations_by_warmth_total\\{"
                + "function=\"hash\",language=\"javascript\",namespace=\"default\",warmth=\"" + state
                + "\"\\} (\\S+)$").matcher(node.http().get("/metrics").body());
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    /** Each node's count of 'hash' invocations by warmth: node id -> [warming, hot]. */
    private static Map<String, List<Double>> counted() {
        return Map.of("node-1", List.of(byWarmth(node1, "warming"), byWarmth(node1, "hot")),
                "node-2", List.of(byWarmth(node2, "warming"), byWarmth(node2, "hot")));
    }

    @Test
    void a_node_judges_its_first_invocation_against_the_steady_state_another_node_reached() throws Exception {
        node1.http().deploySource("hash", "javascript", "index.handler", Fixtures.JS_HASH, Map.of());
        TestCluster.await(() -> node2.http().get("/v1/functions/hash").json(), j -> j.has("warmth"),
                "node 2 to load 'hash'");
        for (int i = 0; i < 3_000 && !"hot".equals(warmth(node1).path("state").asText()); i++) {
            assertThat(node1.http().invoke("hash", "{}").status()).isEqualTo(200);
        }
        JsonNode hot1 = warmth(node1);
        assertThat(hot1.path("state").asText()).isEqualTo("hot");
        double steady1 = hot1.path("steadyStateUs").asDouble();

        // Node 2 never ran it: cold, but it already knows the fleet's best, node 1's steady state.
        JsonNode cold2 = TestCluster.await(() -> warmth(node2), w -> w.path("fleetSteadyStateUs").asDouble() == steady1,
                "node 2 to hear of node 1's steady state");
        assertThat(cold2.path("state").asText()).isEqualTo("cold");
        assertThat(cold2.path("fleetSteadyStateUs").asDouble()).isEqualTo(steady1);
        JsonNode cluster = TestCluster.await(() -> gateway.http().get("/v1/cluster").json(),
                c -> c.path("warmth").properties().stream().anyMatch(e -> e.getKey().startsWith("default/hash@")
                        && e.getValue().path("cold").toString().contains("node-2")
                        && e.getValue().path("bestSteadyStateUs").asDouble() == steady1),
                "the gateway to show node 2 cold");
        JsonNode fleet = cluster.path("warmth").properties().stream()
                .filter(e -> e.getKey().startsWith("default/hash@")).findFirst().orElseThrow().getValue();
        assertThat(fleet.path("bestSteadyStateUs").asDouble()).isEqualTo(steady1);
        assertThat(fleet.path("hot").toString()).contains("node-1");
        JsonNode node1View = null;
        for (JsonNode n : cluster.path("nodes")) {
            if ("node-1".equals(n.path("id").asText())) {
                node1View = n.path("warmth").path("default/hash");
            }
        }
        assertThat(node1View).isNotNull();
        assertThat(node1View.path("state").asText()).isEqualTo("hot");
        assertThat(node1View.path("steadyStateUs").asDouble()).isEqualTo(steady1);

        // Its first invocation is judged against the fleet's best at once: no waiting for its own latency to settle.
        assertThat(node2.http().invoke("hash", "{}").status()).isEqualTo(200);
        JsonNode first2 = warmth(node2);
        System.out.println("node 1 hot: " + hot1 + "\nnode 2 after one invocation: " + first2);
        assertThat(first2.path("reference").asText()).isEqualTo("fleet");
        assertThat(first2.path("referenceUs").asDouble()).isEqualTo(steady1);
        boolean hot = first2.path("floorUs").asDouble() <= 1.3 * steady1;
        assertThat(first2.path("state").asText()).isEqualTo(hot ? "hot" : "warming");
        String metrics = node2.http().get("/metrics").body();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^hotvisor_fleet_steady_state_seconds\\{"
                + "function=\"hash\",language=\"javascript\",namespace=\"default\"\\} (\\S+)$").matcher(metrics);
        assertThat(m.find()).as(metrics).isTrue();
        assertThat(Double.parseDouble(m.group(1))).isCloseTo(steady1 / 1e6, org.assertj.core.data.Offset.offset(1e-9));

        // Through the gateway: each answer says the state the node that ran it counted it in (and nothing else
        // invokes 'hash' meanwhile, so that node's count for that state is the only one that moves).
        for (int i = 0; i < 5; i++) {
            Map<String, List<Double>> before = counted();
            Http.Response r = gateway.http().invoke("hash", "{}");
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            String node = r.header("X-Hotvisor-Node");
            String heard = r.header("X-Hotvisor-Warmth");
            assertThat(node).isIn("node-1", "node-2");
            assertThat(heard).as("X-Hotvisor-Warmth through the gateway").isIn("warming", "hot");
            assertThat(Long.parseLong(r.header("X-Hotvisor-Cpu-Us"))).as("X-Hotvisor-Cpu-Us through the gateway")
                    .isNotNegative().isLessThanOrEqualTo(Long.parseLong(r.header("X-Hotvisor-Duration-Us")));
            Map<String, List<Double>> expected = new java.util.HashMap<>(before);
            List<Double> mine = new java.util.ArrayList<>(before.get(node));
            int at = "warming".equals(heard) ? 0 : 1;
            mine.set(at, mine.get(at) + 1);
            expected.put(node, mine);
            assertThat(counted()).as("counts by warmth [warming, hot] after %s answered '%s'", node, heard)
                    .isEqualTo(expected);
        }
    }
}
