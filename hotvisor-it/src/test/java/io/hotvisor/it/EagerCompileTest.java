package io.hotvisor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.Test;

/**
 * Eager compilation (issue 6, mechanism 3) across a real cluster (redis-server, two nodes): a node that joins after
 * a function ran hot on another node loads that function on its eager engine, and a function no node ran hot on its
 * default engine; both say so in {@code GET /v1/functions/{name}}, and {@code GET /v1/node} counts the eager ones.
 * That the eager engine compiles sooner is shown by hotvisor-runtime's EagerCompileTest, through Truffle's trace.
 */
class EagerCompileTest {

    @Test
    void a_joining_node_loads_a_function_known_hot_fleet_wide_on_its_eager_engine() throws Exception {
        try (RedisProcess redis = RedisProcess.start()) {
            NodeProcess node1 = NodeProcess.start("--redis", redis.url(), "--node-id", "node-1",
                    "--eager-compile", "on");
            NodeProcess node2 = null;
            try {
                node1.http().deploySource("hash", "javascript", "index.handler", Fixtures.JS_HASH, Map.of());
                node1.http().deploySource("idle", "javascript", "index.handler", Fixtures.JS_HASH, Map.of());
                for (int i = 0; i < 3_000 && !"hot".equals(describe(node1, "hash").path("warmth").path("state")
                        .asText()); i++) {
                    assertThat(node1.http().invoke("hash", "{}").status()).isEqualTo(200);
                }
                assertThat(describe(node1, "hash").path("warmth").path("state").asText()).isEqualTo("hot");
                // Heartbeats carry warmth once a second: wait until Redis holds node 1's "hot".
                Thread.sleep(2_500);

                node2 = NodeProcess.start("--redis", redis.url(), "--node-id", "node-2", "--eager-compile", "on",
                        "--eager-first-tier-threshold", "20", "--eager-last-tier-threshold", "200");
                JsonNode hash2 = describe(node2, "hash").path("engine");
                JsonNode idle2 = describe(node2, "idle").path("engine");
                System.out.println("node 2: hash " + hash2 + ", idle " + idle2);
                assertThat(hash2.path("name").asText()).isEqualTo("eager");
                assertThat(hash2.path("reason").asText()).matches("known hot fleet-wide: node node-1 reports version \\d+ hot \\(steady state \\d+ us\\)");
                assertThat(idle2.path("name").asText()).isEqualTo("default");
                assertThat(idle2.path("reason").asText())
                        .matches("not known hot fleet-wide: no other live node reports version \\d+ hot");
                assertThat(node2.http().invoke("hash", "{}").status()).isEqualTo(200);

                JsonNode eager2 = node2.http().get("/v1/node").json().path("eagerCompile");
                assertThat(eager2.path("mode").asText()).isEqualTo("on");
                assertThat(eager2.path("languages").toString()).isEqualTo("[\"javascript\"]");
                assertThat(eager2.path("firstTierThreshold").asInt()).isEqualTo(20);
                assertThat(eager2.path("lastTierThreshold").asInt()).isEqualTo(200);
                assertThat(eager2.path("engineOptions").path("engine.LastTierCompilationThreshold").asText())
                        .isEqualTo("200");
                assertThat(eager2.path("functions").asInt()).isEqualTo(1);

                // Deployed through node 1, where nobody knew it yet: the default engine, and it stays there.
                assertThat(describe(node1, "hash").path("engine").path("name").asText()).isEqualTo("default");
                assertThat(node1.http().get("/v1/node").json().path("eagerCompile").path("functions").asInt())
                        .isZero();
            } finally {
                if (node2 != null) {
                    node2.close();
                }
                node1.close();
            }
        }
    }

    @Test
    void refuses_to_start_with_a_last_tier_threshold_below_the_first() throws Exception {
        HotvisorCommand.Run run = HotvisorCommand.run("node", "--port", "0", "--eager-first-tier-threshold", "100",
                "--eager-last-tier-threshold", "10");
        assertThat(run.exit()).as(run.output()).isEqualTo(2);
        String out = run.output();
        assertThat(out).contains("Invalid --eager-last-tier-threshold 10: use at least --eager-first-tier-threshold"
                + " (100)");
    }

    private static JsonNode describe(NodeProcess node, String name) {
        Http.Response r = node.http().get("/v1/functions/" + name);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.json();
    }
}
