package io.hotvisor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a node still loading a function does to the requests that need it, in a real cluster (redis-server, a gateway
 * and three nodes). Node 1 deploys without replaying ({@code --warm-up-replays 0}), so its deploy returns at once;
 * nodes 2 and 3 then load the function, whose first warm-up replay spins {@value #SPIN_MS} ms. Node 2 waits for a
 * load at most 1 s, for an invocation and for a change ({@code --load-wait 1s --change-wait 1s}), node 3 up to 60 s.
 *
 * <ul>
 *   <li>A deploy or delete through node 2 while it loads is refused with 503 {@code FunctionLoading} after its
 *   change wait, not held until the load ends.</li>
 *   <li>Through the gateway, with node 1 (the only holder) gone and node 2 first in the function's order: node 2
 *   answers 503 {@code FunctionLoading} (the function did not run there), so the gateway tries node 3, which waits
 *   for its load and serves 200.</li>
 *   <li>The gateway remembers that node 2 is loading it: the invocations sent meanwhile go to node 3 first, not to
 *   node 2 to wait its load wait again (counted by node 2 itself, {@code hotvisor_function_loading_answers_total});
 *   once node 2's heartbeat lists the function, the gateway forgets it.</li>
 * </ul>
 * The all-loading case (the gateway relays the 503 with its Retry-After) is {@link ClusterLoadWaitTest}'s.
 */
class ClusterLoadingNodesTest {
    /**
     * How long each load's first replay spins: node 2 must still load (holding the function's lock) through two 1 s
     * waits, and node 3 must not hold the function yet when the gateway routes (else it would be sent there first).
     */
    private static final int SPIN_MS = 15_000;
    /** A hang guard only: an answer at all within this, not a speed assertion. */
    private static final Duration ANSWERED_WITHIN = Duration.ofSeconds(90);
    /** Invocations sent through the gateway at once while node 2 is remembered loading. */
    private static final int MEANWHILE = 4;

    private static TestCluster cluster;
    private static Http node1;
    private static Http node2;
    private static Http gateway;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = TestCluster.start(0);
        node1 = cluster.addNode("--warm-up-replays", "0").http();
        node2 = cluster.addNode("--load-wait", "1s", "--change-wait", "1s").http();
        cluster.addNode("--load-wait", "60s");
        gateway = cluster.startGateway().http();
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static Http.Response answered(Supplier<Http.Response> call) throws Exception {
        return TestCluster.answered(call, ANSWERED_WITHIN);
    }

    /** A function name the gateway orders node 2 before node 3 for (its hash order over the live nodes). */
    private static String nameNode2HeadsFor() throws Exception {
        TestCluster.await(() -> gateway.get("/v1/cluster/functions/loading-0").json(),
                p -> p.path("hashOrder").size() == 3, "the gateway to see the three nodes");
        for (int i = 0; i < 100; i++) {
            String name = "loading-" + i;
            List<String> order = Http.JSON.convertValue(gateway.get("/v1/cluster/functions/" + name).json()
                    .path("hashOrder"), Http.JSON.getTypeFactory().constructCollectionType(List.class, String.class));
            if (order.indexOf("node-2") < order.indexOf("node-3")) {
                return name;
            }
        }
        throw new AssertionError("No name among loading-0..99 puts node-2 before node-3");
    }

    /** How many invocations of {@code name} {@code node} answered 503 FunctionLoading, by its own metrics. */
    private static int loadingAnswers(Http node, String name) {
        Matcher m = Pattern.compile("(?m)^hotvisor_function_loading_answers_total\\{function=\""
                + Pattern.quote(name) + "\",namespace=\"default\"\\} (\\S+)$").matcher(node.get("/metrics").body());
        return m.find() ? (int) Double.parseDouble(m.group(1)) : 0;
    }

    /** A node's state in the gateway's {@code GET /v1/cluster} (read from Redis): alive, dead, or "" if not listed. */
    private static String state(String node) {
        for (JsonNode n : gateway.get("/v1/cluster").json().path("nodes")) {
            if (node.equals(n.path("id").asText())) {
                return n.path("state").asText();
            }
        }
        return "";
    }

    private static JsonNode placement(String name) {
        return gateway.get("/v1/cluster/functions/" + name).json();
    }

    private static void assertRefusedWhileLoading(Http.Response r, String name, String change) {
        assertThat(r.status()).as(r.toString()).isEqualTo(503);
        assertThat(r.header("Retry-After")).as(r.headers().map().toString()).isEqualTo("1");
        JsonNode error = r.json().path("error");
        assertThat(error.path("type").asText()).isEqualTo("FunctionLoading");
        assertThat(error.path("message").asText())
                .startsWith("Function '%s' was not %s: a load of it is still in progress on this node"
                        .formatted(name, change))
                .contains("after a wait of 1000 ms (node option --change-wait)")
                .contains("nothing was changed");
    }

    @Test
    void a_loading_node_refuses_changes_after_its_load_wait_and_the_gateway_passes_it_over_for_a_node_that_serves()
            throws Exception {
        String name = nameNode2HeadsFor();
        node1.deploySource(name, "javascript", "index.handler", Fixtures.JS_SLOW_FIRST_REPLAY.formatted(1),
                Map.of("warmupInputs", List.of(Map.of("spinMs", SPIN_MS))));

        // Node 2 is loading it now: its poll started the load, or this invocation does.
        Http.Response invoked = answered(() -> node2.invoke(name, "{}"));
        assertThat(invoked.status()).as(invoked.toString()).isEqualTo(503);
        assertThat(invoked.json().path("error").path("type").asText()).isEqualTo("FunctionLoading");
        assertThat(loadingAnswers(node2, name)).as("node 2 counts its FunctionLoading answer").isEqualTo(1);

        Http.Response redeploy = answered(() -> node2.put("/v1/functions/" + name, Http.JSON.createObjectNode()
                .put("language", "javascript").put("handler", "index.handler").put("code", Fixtures.JS_SLOW_FIRST_REPLAY.formatted(2))));
        assertRefusedWhileLoading(redeploy, name, "deployed");
        Http.Response delete = answered(() -> node2.delete("/v1/functions/" + name));
        assertRefusedWhileLoading(delete, name, "deleted");

        // The gateway routes version 1 to its only holder, node 1, until node 1 is gone (its heartbeat expired:
        // until then the gateway answers 503 NoNodes, or tries node 1 again after 2 s); then to nodes 2 and 3,
        // neither holding it yet, node 2 first.
        long version = Long.parseLong(cluster.redis().cli("HGET", "hv:hotvisor:fn:default", name).split(":")[0]);
        cluster.node(1).kill();
        TestCluster.await(() -> placement(name).path("version").asLong(), v -> v == version,
                "the gateway to route for version " + version);
        TestCluster.await(() -> state("node-1"), "dead"::equals, "Redis to list node 1 dead");
        TestCluster.await(() -> placement(name).path("hashOrder").toString(), order -> !order.contains("node-1"),
                "the gateway to route without node 1");
        int before = loadingAnswers(node2, name);
        ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor(); // each call on a thread of its own
        CompletableFuture<Http.Response> first = CompletableFuture.supplyAsync(() -> {
            try {
                return TestCluster.await(() -> gateway.invoke(name, "{}"),
                        r -> !"NoNodes".equals(r.json().path("error").path("type").asText()),
                        "the gateway to send the invocation past node 1");
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, callers);

        // Node 2 answers it FunctionLoading; the gateway remembers that, and sends it on to node 3, which waits for
        // its own load. The invocations sent meanwhile go to node 3 first: node 2 answers none of them (one at most,
        // a probe, had the machine stalled past the memory's Retry-After of 1 s). Before, each went to node 2 first
        // and waited there for its 1 s load wait: node 2 answered all of them FunctionLoading.
        TestCluster.await(() -> loadingAnswers(node2, name), n -> n == before + 1,
                "node 2 to answer the gateway's invocation FunctionLoading");
        JsonNode remembered = TestCluster.await(() -> placement(name), p -> p.path("loading").has("node-2"),
                "the gateway to remember node 2 loading '" + name + "'").path("loading").path("node-2");
        assertThat(remembered.path("version").asLong()).isEqualTo(version);
        List<CompletableFuture<Http.Response>> meanwhile = new ArrayList<>();
        for (int i = 0; i < MEANWHILE; i++) {
            meanwhile.add(CompletableFuture.supplyAsync(() -> gateway.invoke(name, "{}"), callers));
        }
        Http.Response viaGateway = first.get(ANSWERED_WITHIN.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(viaGateway.status()).as(viaGateway.toString()).isEqualTo(200);
        assertThat(viaGateway.header("X-Hotvisor-Node")).isEqualTo("node-3");
        assertThat(viaGateway.json().path("v").asInt()).isEqualTo(1);
        for (CompletableFuture<Http.Response> f : meanwhile) {
            Http.Response r = f.get(ANSWERED_WITHIN.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(r.status()).as(r.toString()).isEqualTo(200); // by node 3 (or node 2, had it loaded by then)
            assertThat(r.json().path("v").asInt()).isEqualTo(1);
        }
        callers.close();
        assertThat(loadingAnswers(node2, name) - before)
                .as("FunctionLoading answers node 2 gave the gateway's %d invocations", 1 + MEANWHILE)
                .isLessThanOrEqualTo(2);

        // Once node 2's heartbeat lists the function, the gateway no longer remembers it loading.
        JsonNode held = TestCluster.await(() -> placement(name), p -> p.path("holders").toString().contains("node-2"),
                "node 2 to report '" + name + "' loaded");
        assertThat(held.path("loading").has("node-2")).as(held.toString()).isFalse();
    }
}
