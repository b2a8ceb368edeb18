package io.hotvisor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A real cluster: redis-server (AOF on), three nodes ({@code bin/hotvisor node --redis ...}) and a gateway
 * ({@code bin/hotvisor gateway}), all separate processes on loopback. The tests share one cluster and run in
 * order (starting a node JVM costs tens of seconds on a shared 2-core machine): later tests rely on what earlier
 * ones deployed and on the fourth node the load test adds.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterTest {
    private static final Duration PATIENCE = Duration.ofMinutes(3);
    /** Busy for ~20 ms, then answers its input: invocations stay in flight long enough to be cut by a SIGKILL. */
    private static final String WORK = "exports.handler = async (e) => { const t = Date.now();"
            + " while (Date.now() - t < 20) {} return {n: e.n, tag: e.tag}; }";

    private TestCluster cluster;
    private RedisProcess redis;
    private List<NodeProcess> nodes;
    private GatewayProcess gateway;

    @BeforeAll
    void startCluster() throws Exception {
        cluster = TestCluster.start(3, "--async-reclaim-after", "5s");
        redis = cluster.redis();
        nodes = cluster.nodes();
        // These tests are about the hash policy (spreading, an idle function on one node, a new node taking its share
        // at once); warmth routing moves functions gradually instead and has its own tests (ClusterRoutingTest).
        gateway = cluster.startGateway("--warmth-routing", "off");
        // Every node pays its first JavaScript engine start and its first invocations here, not inside a test: on a
        // loaded 2-core machine a fresh node JVM's first invocation took 3-4 s (1.1-1.4 s of it inside the function,
        // the rest its HTTP path, all interpreted), which no test below is about.
        nodes.get(0).http().deploySource("warm", "javascript", "index.handler",
                "exports.handler = async () => ({ok: true})", Map.of());
        awaitHeld("default/warm", 3);
        for (int i = 0; i < 20; i++) {
            for (NodeProcess n : nodes) {
                assertThat(n.http().invoke("warm", "{}").status()).isEqualTo(200);
            }
            assertThat(gateway.http().invoke("warm", "{}").status()).isEqualTo(200);
        }
    }

    @AfterAll
    void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void a_function_deployed_through_node_1_is_served_through_the_gateway_by_node_3_with_no_failed_call()
            throws Exception {
        // The issue's proof: "deploy through node 1, invoke through the gateway landing on node 3". The gateway keeps
        // each function on one node by rendezvous hashing, so of six functions some settle on node 3 (deterministic
        // for these names). Each is deployed through node 1, then invoked through the gateway for a second: every
        // call must succeed (a node that has not synced the function yet loads it on demand, so there is no 404
        // window), and those that settle on node 3 are then answered by node 3. How soon node 3 answers ("within a
        // second") is a number for the benchmark (bench/cluster-deploy.sh), not an assertion: on a loaded 2-core
        // machine one warm call can take a second. The times are printed.
        Map<String, Map<String, Long>> firstAnswerMs = new HashMap<>();
        for (int f = 0; f < 6; f++) {
            String name = "echo-" + f;
            nodes.get(0).http().deploySource(name, "javascript", "index.handler",
                    "exports.handler = async (e) => ({echo: e.x})", Map.of());
            long t0 = System.nanoTime();
            Map<String, Long> first = new HashMap<>();
            for (int i = 0; System.nanoTime() - t0 < Duration.ofSeconds(1).toNanos(); i++) {
                Http.Response r = gateway.http().invoke(name, "{\"x\": " + i + "}");
                assertThat(r.status()).as(name + " right after its deploy: " + r).isEqualTo(200);
                assertThat(r.json().path("echo").asInt()).isEqualTo(i);
                first.putIfAbsent(r.header("X-Hotvisor-Node"), (System.nanoTime() - t0) / 1_000_000);
                Thread.sleep(10);
            }
            firstAnswerMs.put(name, first);
        }
        Map<String, String> settledOn = new HashMap<>();
        for (int f = 0; f < 6; f++) {
            awaitHeld("default/echo-" + f, 3);
        }
        for (int f = 0; f < 6; f++) {
            String name = "echo-" + f;
            Http.Response r = gateway.http().invoke(name, "{\"x\": 7}");
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            assertThat(r.json().path("echo").asInt()).isEqualTo(7);
            settledOn.put(name, r.header("X-Hotvisor-Node"));
        }
        System.out.println("Deployed through node 1; first answer through the gateway by each node within 1 s (ms"
                + " after the deploy returned): " + firstAnswerMs + "; settled on: " + settledOn);
        assertThat(settledOn).as("functions that node 3 served through the gateway (none would make this test"
                + " vacuous)").containsValue("node-3");
        // Once every node holds it, an idle function's traffic stays on one node (its code stays hot there).
        Set<String> echo0 = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            Http.Response r = gateway.http().invoke("echo-0", "{\"x\": " + i + "}");
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            echo0.add(r.header("X-Hotvisor-Node"));
        }
        assertThat(echo0).hasSize(1);
    }

    @Test
    @Order(2)
    void every_node_serves_a_function_as_soon_as_its_deploy_returned_and_the_gateway_the_new_version()
            throws Exception {
        // Straight to nodes 2 and 3 right after the deploy through node 1: neither has polled the catalog yet (or
        // not necessarily), and both answer.
        nodes.get(0).http().deploySource("fresh", "javascript", "index.handler",
                "exports.handler = async (e) => ({v: 1, x: e.x})", Map.of());
        for (int i = 1; i < 3; i++) {
            Http.Response r = nodes.get(i).http().invoke("fresh", "{\"x\": " + i + "}");
            assertThat(r.status()).as("node-" + (i + 1) + ": " + r).isEqualTo(200);
            assertThat(r.json().path("x").asInt()).isEqualTo(i);
        }
        awaitHeld("default/fresh", 3);
        // A new version deployed through the gateway is what the gateway's next invocations run, on whichever node.
        gateway.http().deploySource("fresh", "javascript", "index.handler",
                "exports.handler = async (e) => ({v: 2, x: e.x})", Map.of());
        for (int i = 0; i < 5; i++) {
            Http.Response r = gateway.http().invoke("fresh", "{\"x\": " + i + "}");
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            assertThat(r.json().path("v").asInt()).as("version answered right after the deploy: " + r).isEqualTo(2);
        }
    }

    @Test
    @Order(3)
    void a_fourth_node_takes_work_under_steady_load_without_errors() throws Exception {
        List<String> functions = new ArrayList<>();
        for (int f = 0; f < 8; f++) {
            functions.add("load-" + f);
            nodes.get(f % 3).http().deploySource("load-" + f, "javascript", "index.handler", WORK, Map.of());
        }
        for (String f : functions) {
            awaitHeld("default/" + f, 3);
        }
        AtomicBoolean stop = new AtomicBoolean();
        Map<String, Integer> byNode = new ConcurrentHashMap<>();
        List<String> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService load = Executors.newFixedThreadPool(4);
        List<Future<?>> workers = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            int worker = w;
            workers.add(load.submit(() -> {
                int i = 0;
                while (!stop.get()) {
                    String f = functions.get((i++ + worker) % functions.size());
                    Http.Response r = gateway.http().invoke(f, "{\"n\": " + i + "}");
                    if (r.status() != 200 || r.json().path("n").asInt() != i) {
                        errors.add(f + ": " + r);
                    } else {
                        byNode.merge(r.header("X-Hotvisor-Node"), 1, Integer::sum);
                    }
                }
            }));
        }
        try {
            cluster.addNode();
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            while (byNode.getOrDefault("node-4", 0) < 20 && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
        } finally {
            stop.set(true);
            for (Future<?> f : workers) {
                f.get();
            }
            load.shutdown();
        }
        System.out.println("Invocations by node: " + byNode);
        assertThat(errors).isEmpty();
        assertThat(byNode.getOrDefault("node-4", 0)).as("invocations node 4 answered: " + byNode).isGreaterThanOrEqualTo(20);
    }

    @Test
    @Order(4)
    void every_async_invocation_completes_exactly_once_when_a_node_is_killed_midway() throws Exception {
        nodes.get(0).http().deploySource("work", "javascript", "index.handler", WORK, Map.of());
        awaitHeld("default/work", nodes.size());
        Http g = gateway.http();
        Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < 1000; i++) {
            if (i == 300) {
                nodes.get(1).kill(); // node-2: SIGKILL, with invocations taken and not finished
            }
            Http.Response r = g.post("/v1/functions/work/invoke?mode=async", "{\"n\": " + i + "}");
            assertThat(r.status()).as(r.toString()).isEqualTo(202);
            ids.put(r.json().path("id").asText(), i);
        }
        assertThat(ids).hasSize(1000);
        Map<String, JsonNode> results = new HashMap<>();
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (results.size() < ids.size() && System.nanoTime() < deadline) {
            for (String id : ids.keySet()) {
                if (!results.containsKey(id)) {
                    JsonNode n = g.get("/v1/invocations/" + id).json();
                    if (!"queued".equals(n.path("status").asText())) {
                        results.put(id, n);
                    }
                }
            }
            Thread.sleep(200);
        }
        assertThat(results).as("finished invocations").hasSize(1000);
        Map<String, Integer> byNode = new HashMap<>();
        for (Map.Entry<String, JsonNode> e : results.entrySet()) {
            JsonNode n = e.getValue();
            assertThat(n.path("status").asText()).as(n.toString()).isEqualTo("succeeded");
            assertThat(n.path("result").path("n").asInt()).as(n.toString()).isEqualTo(ids.get(e.getKey()));
            byNode.merge(n.path("node").asText(), 1, Integer::sum);
            // Read again: the same answer (a redelivered entry never replaces the first result).
            assertThat(g.get("/v1/invocations/" + e.getKey()).json()).isEqualTo(n);
        }
        System.out.println("Async invocations by node: " + byNode);
        asyncIds.putAll(ids);
        asyncResults.putAll(results);
    }

    private final Map<String, Integer> asyncIds = new HashMap<>();
    private final Map<String, JsonNode> asyncResults = new HashMap<>();

    @Test
    @Order(5)
    void a_killed_and_restarted_gateway_still_has_the_functions_and_the_async_results() throws Exception {
        gateway.killAndRestart();
        Http g = gateway.http();
        JsonNode list = g.get("/v1/functions").json();
        List<String> names = new ArrayList<>();
        list.path("functions").forEach(f -> names.add(f.path("name").asText()));
        assertThat(names).contains("warm", "echo-0", "work", "load-0", "load-7");
        assertThat(g.invoke("echo-0", "{\"x\": 7}").json().path("echo").asInt()).isEqualTo(7);
        int checked = 0;
        for (Map.Entry<String, JsonNode> e : asyncResults.entrySet()) {
            if (checked++ == 50) {
                break;
            }
            assertThat(g.get("/v1/invocations/" + e.getKey()).json()).isEqualTo(e.getValue());
        }
        assertThat(checked).isGreaterThan(0);
    }

    @Test
    @Order(6)
    void functions_and_pending_async_invocations_survive_a_redis_restart_and_nodes_serve_meanwhile() throws Exception {
        nodes.get(0).http().deploySource("slow", "javascript", "index.handler", "exports.handler = async (e) => {"
                + " const t = Date.now(); while (Date.now() - t < 300) {} return {n: e.n}; }", Map.of("concurrency", 1));
        awaitHeld("default/slow", (int) nodes.stream().filter(NodeProcess::isAlive).count());
        Http g = gateway.http();
        Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < 40; i++) {
            Http.Response r = g.post("/v1/functions/slow/invoke?mode=async", "{\"n\": " + i + "}");
            assertThat(r.status()).as(r.toString()).isEqualTo(202);
            ids.put(r.json().path("id").asText(), i);
        }
        redis.stop();
        // Meanwhile nodes serve what they hold, and the gateway routes with the members it last saw.
        assertThat(nodes.get(0).http().invoke("echo-0", "{\"x\": 5}").json().path("echo").asInt()).isEqualTo(5);
        Http.Response viaGateway = g.invoke("echo-0", "{\"x\": 6}");
        assertThat(viaGateway.status()).as(viaGateway.toString()).isEqualTo(200);
        redis.startAgain();
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        Map<String, JsonNode> results = new HashMap<>();
        while (results.size() < ids.size() && System.nanoTime() < deadline) {
            for (String id : ids.keySet()) {
                if (!results.containsKey(id)) {
                    Http.Response r = g.get("/v1/invocations/" + id);
                    if (r.status() == 200 && !"queued".equals(r.json().path("status").asText())) {
                        results.put(id, r.json());
                    }
                }
            }
            Thread.sleep(250);
        }
        assertThat(results).as("invocations finished after the restart").hasSize(ids.size());
        results.forEach((id, n) -> assertThat(n.path("result").path("n").asInt()).as(n.toString())
                .isEqualTo(ids.get(id)));
        List<String> names = new ArrayList<>();
        g.get("/v1/functions").json().path("functions").forEach(f -> names.add(f.path("name").asText()));
        assertThat(names).contains("echo-0", "work", "slow");
        assertThat(g.invoke("echo-0", "{\"x\": 9}").json().path("echo").asInt()).isEqualTo(9);
    }

    @Test
    @Order(7)
    void a_node_dying_mid_invocation_is_retried_elsewhere_only_for_an_idempotent_function() throws Exception {
        String slow = "exports.handler = async (e) => { const t = Date.now(); while (Date.now() - t < 4000) {}"
                + " return {done: true}; }";
        nodes.get(0).http().deploySource("slow-once", "javascript", "index.handler", slow, Map.of());
        nodes.get(0).http().deploySource("slow-idem", "javascript", "index.handler", slow, Map.of("idempotent", true));
        int alive = (int) nodes.stream().filter(NodeProcess::isAlive).count();
        awaitHeld("default/slow-once", alive);
        awaitHeld("default/slow-idem", alive);
        Http g = gateway.http();
        ExecutorService clients = Executors.newFixedThreadPool(2);
        Future<Http.Response> once = clients.submit(() -> g.invoke("slow-once", "{}"));
        Future<Http.Response> idem = clients.submit(() -> g.invoke("slow-idem", "{}"));
        // Kills the nodes running them, as each says (a busy sandbox): routing may change between two calls (a node
        // turning ready after Redis came back), so the node that served an earlier call proves nothing.
        String onceNode = running("slow-once");
        String idemNode = running("slow-idem");
        // In turn, each dead before the next dies: the idempotent call's retry must not land on a node being killed.
        for (String id : new java.util.LinkedHashSet<>(List.of(onceNode, idemNode))) {
            nodes.get(Integer.parseInt(id.substring("node-".length())) - 1).kill();
        }
        Http.Response o = once.get();
        Http.Response i = idem.get();
        clients.shutdown();
        assertThat(o.status()).as(o.toString()).isEqualTo(502);
        assertThat(o.json().path("error").path("type").asText()).isEqualTo("NodeFailed");
        assertThat(o.json().path("error").path("message").asText()).contains(onceNode, "not marked idempotent");
        assertThat(i.status()).as(i.toString()).isEqualTo(200);
        assertThat(i.header("X-Hotvisor-Node")).isNotIn(onceNode, idemNode);
    }

    // ---- helpers

    @Test
    @Order(8)
    void answers_a_method_a_path_does_not_take_with_405_and_allow_whether_the_gateway_or_a_node_has_the_path() {
        Http g = gateway.http();
        // The gateway's own paths.
        Http.Response r = g.send("PATCH", "/v1/cluster", "{}");
        assertThat(r.status()).as(r.toString()).isEqualTo(405);
        assertThat(r.header("Allow")).isEqualTo("GET, HEAD, OPTIONS");
        assertThat(r.json().path("error").path("type").asText()).isEqualTo("MethodNotAllowed");
        r = g.send("GET", "/v1/functions/echo-0/invoke", (String) null);
        assertThat(r.status()).as(r.toString()).isEqualTo(405);
        assertThat(r.header("Allow")).isEqualTo("OPTIONS, POST");
        assertThat(g.withoutKey().send("PATCH", "/v1/cluster", "{}").status()).isEqualTo(401);
        // A node's path, through the gateway: the node's 405 and its Allow header reach the client.
        r = g.send("POST", "/v1/functions/echo-0", "{}");
        assertThat(r.status()).as(r.toString()).isEqualTo(405);
        assertThat(r.header("Allow")).isEqualTo("DELETE, GET, HEAD, OPTIONS, PUT");
        assertThat(r.json().path("error").path("message").asText())
                .isEqualTo("Method POST is not allowed on /v1/functions/echo-0; it takes"
                        + " DELETE, GET, HEAD, OPTIONS, PUT");
        // HEAD: the GET's status and length, no body, on the gateway's paths and on a node's.
        for (String path : List.of("/v1/cluster", "/v1/functions/echo-0", "/v1/functions/nothing-here")) {
            Http.Response get = g.get(path);
            Http.Response head = g.send("HEAD", path, (String) null);
            assertThat(head.status()).as(path).isEqualTo(get.status());
            assertThat(head.body()).as(path).isEmpty();
            int length = Integer.parseInt(head.header("Content-Length"));
            if (path.endsWith("nothing-here")) { // the others change from one call to the next
                assertThat(length).as(path).isEqualTo(get.body().length());
            } else {
                assertThat(length).as(path).isPositive();
            }
        }
        assertThat(g.send("OPTIONS", "/v1/cluster", (String) null).status()).isEqualTo(204);
    }

    @Test
    @Order(9)
    void shows_a_functions_output_from_every_node_through_the_gateway_by_time() throws Exception {
        if (nodes.stream().filter(NodeProcess::isAlive).count() < 2) { // the tests before may have killed nodes
            cluster.addNode();
        }
        List<NodeProcess> alive = nodes.stream().filter(NodeProcess::isAlive).toList();
        alive.getFirst().http().deploySource("talker", "javascript", "index.handler",
                "exports.handler = async (e) => { console.log('said ' + e.n); return {n: e.n}; };", Map.of());
        awaitHeld("default/talker", alive.size());
        Http g = gateway.http();
        List<String> expected = new ArrayList<>(); // "<node> <invocation id> said <n>", in the order sent
        for (int i = 0; i < 12; i++) {
            // Through the gateway, then straight to each live node in turn: every node has lines of its own.
            NodeProcess n = alive.get(i % alive.size());
            Http.Response r = i == 0 ? g.invoke("talker", "{\"n\": 0}")
                    : n.http().invoke("talker", "{\"n\": " + i + "}");
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            String node = i == 0 ? r.header("X-Hotvisor-Node") : "node-" + (nodes.indexOf(n) + 1);
            expected.add(node + " " + r.header("X-Hotvisor-Invocation-Id") + " said " + i);
        }
        // The gateway's answer has them all, as the nodes kept them, oldest first.
        Http.Response all = g.get("/v1/functions/talker/logs");
        assertThat(all.status()).as(all.toString()).isEqualTo(200);
        assertThat(all.json().path("unreachable")).isEmpty();
        List<String> got = new ArrayList<>();
        for (JsonNode l : all.json().path("lines")) {
            got.add(l.path("node").asText() + " " + l.path("invocationId").asText() + " " + l.path("text").asText());
        }
        assertThat(got).containsExactlyElementsOf(expected);
        Http.Response newest = g.get("/v1/functions/talker/logs?limit=3");
        assertThat(newest.json().path("lines")).hasSize(3);
        assertThat(newest.json().path("lines").get(2).path("text").asText()).isEqualTo("said 11");
        // A node alone answers with the lines it kept only; a bad limit is the nodes' refusal.
        for (NodeProcess n : alive) {
            String id = "node-" + (nodes.indexOf(n) + 1);
            List<String> own = new ArrayList<>();
            for (JsonNode l : n.http().get("/v1/functions/talker/logs").json().path("lines")) {
                own.add(id + " " + l.path("invocationId").asText() + " " + l.path("text").asText());
            }
            assertThat(own).as(id).isNotEmpty()
                    .containsExactlyElementsOf(expected.stream().filter(e -> e.startsWith(id + " ")).toList());
        }
        assertThat(g.get("/v1/functions/talker/logs?limit=0").status()).isEqualTo(400);
        assertThat(g.get("/v1/functions/nobody/logs").status()).isEqualTo(404);
    }

    /** The id of the live node with an invocation of {@code function} running (a busy sandbox), waiting for one. */
    private String running(String function) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (System.nanoTime() < deadline) {
            for (int i = 0; i < nodes.size(); i++) {
                NodeProcess n = nodes.get(i);
                if (n.isAlive() && n.http().get("/v1/functions/" + function).json().path("sandboxes")
                        .path("busy").asInt() > 0) {
                    return "node-" + (i + 1);
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("No node ran '" + function + "' within " + PATIENCE);
    }

    /** Waits until {@code count} live nodes list {@code function} (namespace/name) as held, per GET /v1/cluster. */
    private void awaitHeld(String function, int count) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (true) {
            Http.Response r = gateway.http().get("/v1/cluster");
            int held = 0;
            if (r.status() == 200) {
                for (JsonNode n : r.json().path("nodes")) {
                    boolean has = false;
                    for (JsonNode f : n.path("functions")) {
                        has |= f.asText().startsWith(function + "@");
                    }
                    if ("alive".equals(n.path("state").asText()) && has) {
                        held++;
                    }
                }
            }
            // /v1/cluster reads Redis; the gateway routes on its own copy, refreshed every 250 ms: wait for both.
            Http.Response routed = gateway.http().get("/v1/cluster/functions/"
                    + function.substring(function.indexOf('/') + 1));
            if (held >= count && routed.status() == 200 && routed.json().path("holders").size() >= count) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(function + " is held by " + held + " nodes, not " + count + ": " + r
                        + "; routing view: " + routed);
            }
            Thread.sleep(100);
        }
    }

    private static Http.Response retryUntil(java.util.function.Supplier<Http.Response> call,
                                            java.util.function.Predicate<Http.Response> ok) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (true) {
            Http.Response r = call.get();
            if (ok.test(r) || System.nanoTime() > deadline) {
                return r;
            }
            Thread.sleep(20);
        }
    }
}
