package io.hotvisor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An invocation never waits without limit for a node to load its copy of a function (a real cluster: redis-server,
 * a gateway and two nodes started with {@code --load-wait 1s}). The function's first warm-up replay spins for
 * {@value #SPIN_MS} ms, so node 2's load of a version (which holds that function's lock) lasts at least that long;
 * node 1 does not replay ({@code --warm-up-replays 0}), so a deploy through it returns at once and node 2 starts
 * loading. An invocation on node 2 meanwhile is answered 503 FunctionLoading with Retry-After once its wait is over,
 * not when the load ends; a copy node 2 already has serves an invocation that allows any version; the load goes on
 * and node 2 serves the new version afterwards. Through the gateway (node 1, the only holder of the new version,
 * killed, so node 2 answers) the 503 comes with its Retry-After: node 2 is the only node the gateway can send it to,
 * so it has no other node to pass over to (that case is {@link ClusterLoadingNodesTest}'s).
 */
class ClusterLoadWaitTest {
    /** How long the first warm-up replay of each load spins: far longer than the 1 s --load-wait. */
    private static final int SPIN_MS = 6_000;
    /** The same, for the gateway's turn: longer than node 1's heartbeat TTL (5 s), whatever routes around it. */
    private static final int LONG_SPIN_MS = 20_000;
    /** A hang guard only: an answer at all within this, not a speed assertion. */
    private static final Duration ANSWERED_WITHIN = Duration.ofSeconds(60);

    private static TestCluster cluster;
    private static Http node1;
    private static Http node2;
    private static Http gateway;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = TestCluster.start(0, "--load-wait", "1s");
        node1 = cluster.addNode("--warm-up-replays", "0").http();
        node2 = cluster.addNode().http();
        gateway = cluster.startGateway().http();
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    /**
     * Deploys version {@code v} of 'slow', whose loads on node 2 spin {@code spinMs}, through node 1 and returns its
     * cluster version.
     */
    private static long deploySlowly(int v, int spinMs) throws Exception {
        node1.deploySource("slow", "javascript", "index.handler", Fixtures.JS_SLOW_FIRST_REPLAY.formatted(v),
                Map.of("warmupInputs", List.of(Map.of("spinMs", spinMs))));
        String pointer = cluster.redis().cli("HGET", "hv:hotvisor:fn:default", "slow"); // "<version>:<idempotent>"
        return Long.parseLong(pointer.substring(0, pointer.indexOf(':')));
    }

    private static Http.Response answered(Supplier<Http.Response> call) throws Exception {
        return TestCluster.answered(call, ANSWERED_WITHIN);
    }

    private static void assertStillLoading(Http.Response r) {
        assertThat(r.status()).as(r.toString()).isEqualTo(503);
        assertThat(r.header("Retry-After")).as(r.headers().map().toString()).isEqualTo("1");
        JsonNode error = r.json().path("error");
        assertThat(error.path("type").asText()).isEqualTo("FunctionLoading");
        assertThat(error.path("message").asText())
                .startsWith("Function 'slow' is not ready yet: its copy is still loading on this node")
                .contains("after a wait of 1000 ms (node option --load-wait)");
    }

    @Test
    void an_invocation_waits_for_a_loading_copy_at_most_the_load_wait_then_gets_503_while_the_load_goes_on()
            throws Exception {
        deploySlowly(1, SPIN_MS);
        // Node 2 has no copy yet: it is loading version 1 (its poll started, or this invocation starts it).
        assertStillLoading(answered(() -> node2.invoke("slow", "{}")));
        // A deploy through node 2 meanwhile waits for that load (--change-wait, 60 s by default, not the 1 s
        // --load-wait) and succeeds: a redeploy right after a deploy is not refused.
        ObjectNode again = Http.JSON.createObjectNode().put("language", "javascript").put("handler", "index.handler")
                .put("code", Fixtures.JS_SLOW_FIRST_REPLAY.formatted(1));
        again.putArray("warmupInputs").addObject().put("spinMs", SPIN_MS);
        Http.Response redeployed = answered(() -> node2.put("/v1/functions/slow", again));
        assertThat(redeployed.status()).as(redeployed.toString()).isIn(200, 201);
        // An async submit is queued at once: whichever node takes it runs it (node 2 once its copy is loaded).
        Http.Response queued = answered(() -> node2.post("/v1/functions/slow/invoke?mode=async", "{}"));
        assertThat(queued.status()).as(queued.toString()).isEqualTo(202);
        String asyncId = queued.json().path("id").asText();

        Http.Response loaded = TestCluster.await(() -> node2.invoke("slow", "{}"), r -> r.status() == 200,
                "node 2 to finish loading version 1 and serve it");
        assertThat(loaded.json().path("v").asInt()).isEqualTo(1);

        long v2 = deploySlowly(2, SPIN_MS);
        Map<String, String> routedForV2 = Map.of("X-Hotvisor-Catalog-Version", Long.toString(v2));
        // The gateway asks for version 2: node 2 has only version 1, and its load of version 2 takes the spin.
        assertStillLoading(answered(() -> node2.invoke("slow", "{}", routedForV2)));
        // Any version allowed (no header): the copy node 2 has serves at once, while version 2 loads.
        Http.Response anyVersion = answered(() -> node2.invoke("slow", "{}"));
        assertThat(anyVersion.status()).as(anyVersion.toString()).isEqualTo(200);
        assertThat(anyVersion.json().path("v").asInt()).isEqualTo(1);

        // The load was never cut short: node 2 serves version 2 once it is over.
        Http.Response newer = TestCluster.await(() -> node2.invoke("slow", "{}", routedForV2),
                r -> r.status() == 200, "node 2 to finish loading version 2 and serve it");
        assertThat(newer.json().path("v").asInt()).isEqualTo(2);
        JsonNode async = TestCluster.await(() -> node2.get("/v1/invocations/" + asyncId).json(),
                n -> List.of("succeeded", "failed").contains(n.path("status").asText()),
                "the async invocation to finish");
        assertThat(async.path("status").asText()).as(async.toString()).isEqualTo("succeeded");

        // Through the gateway, routing for version 3: its only holder, node 1, is gone (the gateway first answers
        // 503 NoNodes, then, once it avoids node 1, sends the invocation to node 2, which holds version 2).
        long v3 = deploySlowly(3, LONG_SPIN_MS);
        cluster.node(1).kill();
        TestCluster.await(() -> gateway.get("/v1/cluster/functions/slow").json().path("version").asLong(),
                v -> v == v3, "the gateway to route for version 3");
        Http.Response viaGateway = TestCluster.await(() -> gateway.invoke("slow", "{}"),
                r -> "node-2".equals(r.header("X-Hotvisor-Node")), "the gateway to send the invocation to node 2");
        assertStillLoading(viaGateway);
    }
}
