package io.hotvisor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Warmth-aware routing on a real cluster (redis-server, two nodes, gateways): a function is hot on node 1 and cold
 * on node 2, which heads its rendezvous-hash order. A gateway with warmth routing (the default) sends most of it to
 * node 1 and a share to node 2; one with {@code --warmth-routing off} sends all of it to node 2, as before.
 */
class ClusterRoutingTest {

    private static TestCluster cluster;
    private static NodeProcess node1;
    private static NodeProcess node2;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = TestCluster.start(0);
        // Node 1 keeps the function hot with --hot-factor 2: on a loaded 2-core machine its fastest recent call can
        // drift past 1.3x of its steady state, and a node reporting warming loses its full share (CI saw 10/10).
        node1 = cluster.addNode("--hot-factor", "2");
        node2 = cluster.addNode();
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static String state(NodeProcess node, String name) {
        return node.http().get("/v1/functions/" + name).json().path("warmth").path("state").asText();
    }

    /** Which node answered each of {@code n} invocations in a row through {@code gateway}. */
    private static Map<String, Integer> byNode(GatewayProcess gateway, String name, int n) {
        Map<String, Integer> out = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            Http.Response r = gateway.http().invoke(name, "{}");
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            out.merge(r.header("X-Hotvisor-Node"), 1, Integer::sum);
        }
        return out;
    }

    @Test
    void sends_a_function_to_the_node_where_it_is_hot_not_to_the_cold_node_that_heads_its_hash_order()
            throws Exception {
        GatewayProcess on = GatewayProcess.start(cluster.redis().url());
        try {
            // A function whose hash home is node 2, as the gateway itself orders the nodes for it.
            TestCluster.await(() -> on.http().get("/v1/cluster/functions/route-0").json(),
                    p -> p.path("hashOrder").size() == 2, "the gateway to see both nodes");
            String name = "route-0";
            for (int i = 1; !"node-2".equals(on.http().get("/v1/cluster/functions/" + name).json()
                    .path("hashOrder").path(0).asText()); i++) {
                name = "route-" + i;
            }
            String fn = name;
            node1.http().deploySource(fn, "javascript", "index.handler", Fixtures.JS_HASH, Map.of());
            TestCluster.await(() -> node2.http().get("/v1/functions/" + fn).json(), j -> j.has("warmth"),
                    "node 2 to load " + fn);
            for (int i = 0; i < 3_000 && !"hot".equals(state(node1, fn)); i++) {
                assertThat(node1.http().invoke(fn, "{}").status()).isEqualTo(200);
            }
            assertThat(state(node1, fn)).isEqualTo("hot");
            assertThat(state(node2, fn)).isEqualTo("cold");

            TestCluster.await(() -> on.http().get("/v1/cluster").json(), c -> c.path("warmth").properties().stream()
                    .anyMatch(e -> e.getKey().startsWith("default/" + fn + "@")
                            && e.getValue().path("hot").toString().contains("node-1")
                            && e.getValue().path("cold").toString().contains("node-2")),
                    "the gateway to see node 1 hot and node 2 cold");
            // Node 2, cold, is the function's hash home: it gets a share that starts at a quarter of node 1's (one
            // request in five) and grows as it serves, or at once when its heartbeat says hot.
            Map<String, Integer> routed = byNode(on, fn, 20);
            System.out.println("warmth routing: " + routed);
            assertThat(routed.getOrDefault("node-1", 0)).as("most to the hot node: %s", routed)
                    .isGreaterThanOrEqualTo(12);
            assertThat(routed.getOrDefault("node-2", 0)).as("a share to the cold home: %s", routed).isPositive();
            JsonNode routing = on.http().get("/v1/cluster").json().path("routing");
            assertThat(routing.path("policy").asText()).isEqualTo("warmth");
            assertThat(routing.path("rampInvocations").asInt()).isEqualTo(100);
            assertThat(routing.path("weights").path("default/" + fn).path("node-1").asDouble()).isEqualTo(1.0);
            assertThat(routing.path("weights").path("default/" + fn).has("node-2")).isTrue();
            JsonNode placement = on.http().get("/v1/cluster/functions/" + fn).json();
            assertThat(placement.path("hashOrder").toString()).isEqualTo("[\"node-2\",\"node-1\"]");
            assertThat(placement.path("deployed").asBoolean()).isTrue();
            assertThat(placement.path("weights").path("node-1").asDouble()).isEqualTo(1.0);
            assertHashRoutingSendsEverythingTo(fn, "node-2");
        } finally {
            on.close();
        }
    }

    private static void assertHashRoutingSendsEverythingTo(String fn, String node) throws Exception {
        GatewayProcess off = GatewayProcess.start(cluster.redis().url(), "--warmth-routing", "off");
        try {
            assertThat(off.http().get("/v1/cluster").json().path("routing").path("policy").asText())
                    .isEqualTo("hash");
            Map<String, Integer> routed = byNode(off, fn, 20);
            System.out.println("hash routing: " + routed);
            assertThat(routed).as("off: the hash order, cold or not").containsExactly(Map.entry(node, 20));
        } finally {
            off.close();
        }
    }

    @Test
    void refuses_a_warmth_routing_value_other_than_on_or_off() throws Exception {
        HotvisorCommand.Run run = HotvisorCommand.run("gateway", "--redis", cluster.redis().url(), "--port", "0",
                "--warmth-routing", "maybe");
        assertThat(run.exit()).as(run.output()).isEqualTo(2);
        String out = run.output();
        assertThat(out).contains("Invalid value for option '--warmth-routing': 'maybe'; use on or off");
    }
}
