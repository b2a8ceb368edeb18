package io.hotvisor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Warm-up transfer across a real cluster (redis-server, nodes, a gateway): a function hot on node 1, which samples
 * its real events into Redis (opt-in); node 2 joins, replays the declared inputs and the fleet's sample until it
 * runs hot against node 1's steady state (or runs out of replays), before it declares itself ready, and judges its
 * first invocation against the fleet's best at once (its state is printed). The sample goes when sampling is turned off and with the
 * function.
 */
class ClusterWarmUpTest {
    private static final String FUNCTION = """
            let calls = 0;
            exports.handler = async (event) => {
              calls++;
              let h = 0;
              for (let i = 0; i < 20000; i++) { h = (h * 31 + i) | 0; }
              return { calls, h, tag: event.tag };
            };
            """;
    private static final String SAMPLE_KEY = "hv:hotvisor:samples:default:transfer";

    private static TestCluster cluster;
    private static RedisProcess redis;
    private static NodeProcess node1;
    private static NodeProcess node2;
    private static GatewayProcess gateway;

    @BeforeAll
    static void startCluster() throws Exception {
        // --hot-factor 2 on both: a first invocation is one sample on a shared 2-core machine (see WarmUpTransferTest).
        cluster = TestCluster.start(1, "--hot-factor", "2");
        redis = cluster.redis();
        node1 = cluster.node(1);
        gateway = cluster.startGateway();
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static String redisGet(String key) {
        try {
            return redis.cli("GET", key);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void a_joining_node_replays_the_fleets_inputs_towards_its_best_steady_state_before_it_is_ready() throws Exception {
        node1.http().deploySource("transfer", "javascript", "index.handler", FUNCTION,
                Map.of("warmupInputs", List.of(Map.of("tag", "declared")), "warmupSampling", true));
        JsonNode w1 = null;
        for (int i = 0; i < 3_000; i++) {
            assertThat(node1.http().invoke("transfer", "{\"tag\": \"real-" + (i % 20) + "\"}").status())
                    .isEqualTo(200);
            w1 = node1.http().get("/v1/functions/transfer").json().path("warmth");
            if ("hot".equals(w1.path("state").asText()) && w1.path("steadyStateUs").asDouble() > 0 && i >= 20) {
                break;
            }
        }
        assertThat(w1.path("state").asText()).as(w1.toString()).isEqualTo("hot");
        String sample = TestCluster.await(() -> redisGet(SAMPLE_KEY), s -> s.split("real-").length == 17,
                "node 1 to share its sample of 16 of its 20 distinct events");
        assertThat(Http.JSON.readTree(sample).size()).as("bounded").isEqualTo(16);
        TestCluster.await(() -> gateway.http().get("/v1/cluster").json().toString(), c -> c.contains("steadyStateUs"),
                "node 1's steady state in its heartbeat");

        node2 = cluster.addNode();
        Http http2 = node2.http();
        // It warmed up as it joined, before it listened for real; then it re-checks that warm-up and waits for its
        // compilers to go quiet before it is ready.
        Http.Response readyz = http2.get("/readyz");
        if (readyz.status() != 200) {
            assertThat(readyz.json().path("reason").asText()).as(readyz.toString())
                    .isIn("re-checking 1 warmed function", "waiting for the compilers to go quiet");
        }
        TestCluster.await(() -> http2.get("/readyz").status(), s -> s == 200, "node 2 ready after its re-check");
        JsonNode described = http2.get("/v1/functions/transfer").json();
        JsonNode warmUp = described.path("warmUp");
        assertThat(warmUp.has("recheck")).as("re-checked exactly when its replays reached their target: " + warmUp)
                .isEqualTo("hot".equals(warmUp.path("outcome").asText()));
        System.out.println("node 2 joined: " + warmUp + "; node 1: " + w1);
        assertThat(warmUp.path("policy").asText()).isEqualTo("before");
        assertThat(warmUp.path("targetUs").asDouble()).as("the fleet's best: node 1's steady state").isPositive();
        // With a target, replays never stop because the curve merely flattened: hot, or out of replays or time.
        assertThat(warmUp.path("outcome").asText()).as(warmUp.toString()).isIn("hot", "max_replays", "budget");
        assertThat(java.nio.file.Files.readString(node2.log())).as("the sample was replayed")
                .containsPattern("Warm-up of 'transfer' version \\d+ \\(before\\): \\d+ replays \\(1 declared inputs,"
                        + " 16 sampled\\)");
        assertThat(described.path("warmth").path("state").asText()).isEqualTo("cold");
        assertThat(described.path("warmth").path("fleetSteadyStateUs").asDouble()).isPositive();

        JsonNode first = http2.invoke("transfer", "{\"tag\": \"first\"}").json();
        assertThat(first.path("calls").asInt()).as("no replay ran in the sandbox that serves").isEqualTo(1);
        JsonNode w2 = http2.get("/v1/functions/transfer").json().path("warmth");
        System.out.println("node 2 after its first invocation: " + w2);
        assertThat(w2.path("reference").asText()).as("judged against the fleet's best at once").isEqualTo("fleet");
        assertThat(w2.path("measure").asText()).as("by CPU time: a wait for a core is not slow code").isEqualTo("cpu");
        // Printed, not asserted: hot in 6 of 7 runs with the replays paced (2026-11-24). In the seventh the replays
        // stopped hot after 20, on a plateau within 2x of node 1's steady state (itself measured as soon as node 1
        // called the function hot, before Truffle had compiled all of it), and the first call cost over 2x.

        for (int i = 0; i < 4; i++) {
            http2.invoke("transfer", "{\"tag\": \"next\"}");
        }
        JsonNode five = http2.get("/v1/functions/transfer").json().path("warmth");
        System.out.println("node 2 after 5 invocations: " + five);

        // Its heartbeats said ready=false until its start-up was over (the gateway routes to ready nodes first).
        JsonNode cluster = TestCluster.await(() -> gateway.http().get("/v1/cluster").json(), c -> {
            int ready = 0;
            for (JsonNode n : c.path("nodes")) {
                ready += n.path("ready").asBoolean() ? 1 : 0;
            }
            return ready == 2;
        }, "both nodes ready in the cluster view");
        assertThat(cluster.path("nodes")).hasSize(2);

        // Sampling turned off by a redeploy: the sample leaves Redis, and no node puts it back.
        node1.http().deploySource("transfer", "javascript", "index.handler", FUNCTION,
                Map.of("warmupInputs", List.of(Map.of("tag", "declared"))));
        assertThat(redisGet(SAMPLE_KEY)).isEmpty();
        for (int i = 0; i < 5; i++) {
            node2.http().invoke("transfer", "{\"tag\": \"after-off\"}");
        }
        Thread.sleep(2_500); // one save interval: what a node would write, it has written by now
        assertThat(redisGet(SAMPLE_KEY)).isEmpty();

        // Sampling on again, then the function deleted: its sample goes with it.
        node1.http().deploySource("transfer", "javascript", "index.handler", FUNCTION, Map.of("warmupSampling", true));
        node1.http().invoke("transfer", "{\"tag\": \"again\"}");
        TestCluster.await(() -> redisGet(SAMPLE_KEY), s -> s.contains("again"), "the new sample");
        assertThat(node1.http().delete("/v1/functions/transfer").status()).isEqualTo(200);
        assertThat(redisGet(SAMPLE_KEY)).isEmpty();
    }
}
