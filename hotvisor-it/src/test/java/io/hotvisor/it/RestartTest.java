package io.hotvisor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.Test;

/**
 * Functions deployed (over HTTP and with the CLI) survive a restart, and a crash, without redeploying; so do a node's
 * own async invocations.
 */
class RestartTest {

    /** Runs {@code bin/hotvisor} (the CLI) against a node; returns exit code and output. */
    static HotvisorCommand.Run cli(NodeProcess node, String... args) throws IOException, InterruptedException {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--url=http://127.0.0.1:" + node.port());
        return HotvisorCommand.run(e -> e.put("HOTVISOR_KEY", NodeProcess.ADMIN_KEY), Duration.ofMinutes(3),
                all.toArray(String[]::new));
    }

    @Test
    void finds_every_function_still_deployed_after_a_restart_and_after_a_crash() throws Exception {
        try (NodeProcess node = NodeProcess.start()) {
            Http http = node.http();
            HotvisorCommand.Run js = cli(node, "deploy", "hello-js", "--language", "javascript", "--handler", "index.handler",
                    "--file", Fixtures.dir("javascript/lambda-async/index.js").toString());
            assertThat(js.exit()).as(js.toString()).isZero();
            HotvisorCommand.Run py = cli(node, "deploy", "hello-py", "--language", "python", "--handler", "app.handler",
                    "--dir", Fixtures.dir("python/bundle").toString());
            assertThat(py.exit()).as(py.toString()).isZero();
            http.deployArchive("hello-java", "java", "fixtures.LambdaGreeter::handleRequest", Fixtures.javaJar(),
                    Map.of("timeoutMs", 5000, "env", Map.of("GREETING", "hi")));
            http.deploySource("hello-js", "javascript", "index.handler",
                    Fixtures.text("javascript/lambda-sync/index.js"), Map.of()); // version 2

            node.restart();
            assertAllServe(node, "lambda-sync");

            node.kill();
            node.restart();
            assertAllServe(node, "lambda-sync");
            assertThat(node.http().get("/v1/functions/hello-java").json().path("timeoutMs").asInt()).isEqualTo(5000);
            assertThat(node.http().get("/v1/functions/hello-java").json().path("env").path("GREETING").asText())
                    .isEqualTo("hi");

            HotvisorCommand.Run invoked = cli(node, "invoke", "hello-py", "--data", "{\"name\":\"Ada\"}");
            assertThat(invoked.exit()).as(invoked.toString()).isZero();
            assertThat(invoked.stdout()).contains("Hello Ada");
            HotvisorCommand.Run unknown = cli(node, "invoke", "nope");
            assertThat(unknown.exit()).isEqualTo(1);
            assertThat(unknown.stderr()).contains("404", "Function 'nope' not found");
        }
    }

    /**
     * On a node on its own, an accepted async invocation is not lost to a crash or a restart: one that ended is
     * answered as before; one that had not ended (running, or waiting its turn) runs again and ends. A journal file
     * the node cannot read is set aside, and the node starts all the same.
     */
    @Test
    void keeps_async_invocations_and_their_results_across_a_crash_and_a_restart() throws Exception {
        try (NodeProcess node = NodeProcess.start()) {
            Http http = node.http();
            http.deploySource("quick", "javascript", "index.handler", "exports.handler = async (e) => ({ n: e.n });",
                    Map.of());
            // One at a time, each busy for 2 s: three of them are still running or queued a moment later.
            http.deploySource("slow", "javascript", "index.handler", "exports.handler = async (e) => {"
                    + " const t = Date.now(); while (Date.now() - t < 2000) {} return { n: e.n }; };",
                    Map.of("concurrency", 1));
            String quick = submit(http, "quick", 7);
            JsonNode ended = awaitEnded(http, quick);
            assertThat(ended.path("status").asText()).as(ended.toString()).isEqualTo("succeeded");
            List<String> slow = List.of(submit(http, "slow", 1), submit(http, "slow", 2), submit(http, "slow", 3));
            assertThat(http.get("/v1/invocations/" + slow.get(2)).json().path("status").asText()).isEqualTo("queued");

            node.kill();
            Path unreadable = node.dataDir().resolve("async").resolve("torn.json");
            Files.writeString(unreadable, "{\"id\": \"torn\", \"sta");
            node.restart();
            http = node.http();
            assertThat(http.get("/v1/invocations/" + quick).json()).as("an ended invocation, after a crash")
                    .isEqualTo(ended);
            for (int i = 0; i < slow.size(); i++) {
                JsonNode r = awaitEnded(http, slow.get(i));
                assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("succeeded");
                assertThat(r.path("result").path("n").asInt()).isEqualTo(i + 1);
            }
            assertThat(unreadable).doesNotExist();
            assertThat(unreadable.resolveSibling("torn.json.unreadable")).exists();
            assertThat(Files.readString(node.log())).contains("torn.json cannot be read");

            // A restart (SIGTERM) cancels what runs: it runs again at the next start, it is not reported cancelled.
            List<String> cut = List.of(submit(http, "slow", 4), submit(http, "slow", 5));
            node.restart();
            http = node.http();
            for (int i = 0; i < cut.size(); i++) {
                JsonNode r = awaitEnded(http, cut.get(i));
                assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("succeeded");
                assertThat(r.path("result").path("n").asInt()).isEqualTo(i + 4);
            }
            assertThat(http.get("/v1/invocations/" + quick).json()).as("after a restart").isEqualTo(ended);
        }
    }

    @Test
    void refuses_an_async_invocation_it_cannot_store_and_queues_nothing() throws Exception {
        Files.createDirectories(NodeProcess.IT_DIR);
        Path data = Files.createTempDirectory(NodeProcess.IT_DIR, "data-async-blocked-");
        Files.writeString(data.resolve("async"), "a file where the node keeps its async invocations' directory");
        try (NodeProcess node = NodeProcess.start(data)) {
            Http http = node.http();
            http.deploySource("quick", "javascript", "index.handler", "exports.handler = async (e) => ({ n: e.n });",
                    Map.of());
            Http.Response r = http.post("/v1/functions/quick/invoke?mode=async", "{\"n\": 1}");
            assertThat(r.status()).as(r.toString()).isEqualTo(503);
            assertThat(r.json().path("error").path("type").asText()).isEqualTo("StorageFailed");
            assertThat(r.json().path("error").path("message").asText()).isEqualTo("The node cannot store the"
                    + " invocation on its disk; nothing was queued, retry later").doesNotContain(data.toString());
            assertThat(http.invoke("quick", "{\"n\": 2}").json().path("n").asInt()).isEqualTo(2);
        }
    }

    private static String submit(Http http, String function, int n) {
        Http.Response r = http.post("/v1/functions/" + function + "/invoke?mode=async", "{\"n\": " + n + "}");
        assertThat(r.status()).as(r.toString()).isEqualTo(202);
        return r.json().path("id").asText();
    }

    private static JsonNode awaitEnded(Http http, String id) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (true) {
            Http.Response r = http.get("/v1/invocations/" + id);
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            if (!"queued".equals(r.json().path("status").asText())) {
                return r.json();
            }
            assertThat(System.nanoTime()).as("invocation " + id + " still queued: " + r).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    private static void assertAllServe(NodeProcess node, String jsShape) {
        Http http = node.http();
        assertThat(Http.names(http.get("/v1/functions").json().path("functions")))
                .contains("hello-js", "hello-py", "hello-java");
        assertThat(http.get("/v1/functions/hello-js").json().path("version").asInt()).isEqualTo(2);
        for (String f : List.of("hello-js", "hello-py", "hello-java")) {
            Http.Response r = http.invoke(f, "{\"name\":\"Ada\"}");
            assertThat(r.status()).as(f + ": " + r).isEqualTo(200);
            assertThat(r.json().path("greeting").asText()).isEqualTo("Hello Ada");
        }
        assertThat(http.invoke("hello-js", "{\"name\":\"Ada\"}").json().path("shape").asText()).isEqualTo(jsShape);
    }
}
