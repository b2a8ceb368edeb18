package io.hotvisor.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.Test;

/**
 * CRIU snapshots of hot Java worker JVMs ({@code --criu}), on real nodes with the real criu ({@code bin/lib/criu.sh
 * install}), and shared through a real redis-server ({@code --snapshot-share on}, switched apart from
 * {@code --aot-share}). The tests that need criu skip when the node says it is not usable, unless
 * {@code HOTVISOR_REQUIRE_CRIU=1} (CI sets it after installing criu): then they fail.
 */
class CriuSnapshotTest {
    private static final Duration PATIENCE = Duration.ofMinutes(3);
    private static final Map<String, Object> PROCESS = Map.of("isolation", "process", "memoryMb", 64,
            "concurrency", 2, "timeoutMs", 60_000);
    private static final String MISSING = "/nonexistent/criu";

    private static java.nio.file.Path dataDir() throws java.io.IOException {
        Files.createDirectories(NodeProcess.IT_DIR);
        return Files.createTempDirectory(NodeProcess.IT_DIR, "data-");
    }

    private static JsonNode criu(NodeProcess node) {
        return node.http().get("/v1/node").json().path("criu");
    }

    private static JsonNode snapshot(NodeProcess node) {
        return node.http().get("/v1/functions/c").json().path("snapshot");
    }

    private static JsonNode call(NodeProcess node, String event) {
        Http.Response r = node.http().invoke("c", event);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.json();
    }

    @Test
    void a_node_starts_later_workers_of_a_hot_function_as_restored_copies_of_a_checkpointed_worker() throws Exception {
        byte[] jar = Fixtures.compileJar(Fixtures.dir("java-snapshot"));
        try (NodeProcess node = NodeProcess.start("--criu", "auto", "--aot-training-invocations", "2")) {
            requireCriu(node);
            JsonNode criu = criu(node);
            assertThat(criu.path("mode").asText()).isEqualTo("auto");
            assertThat(criu.path("version").asText()).isNotEmpty();
            node.http().deployArchive("c", "java", "snapshot.Remember::main", jar, PROCESS);

            // 2 invocations train the AOT cache in the first worker; the next worker serves 2 and is checkpointed.
            call(node, "{}");
            call(node, "{}");
            JsonNode atDump = null;
            for (int i = 0; i < 2; i++) {
                atDump = call(node, "{}");
            }
            JsonNode ready = awaitSnapshot(node, s -> s.path("state").asText().equals("ready"));
            assertThat(ready.path("state").asText()).as(ready.toString()).isEqualTo("ready");
            assertThat(ready.path("sharing").asBoolean()).isFalse();
            String sourceJvm = atDump.path("jvm").asText();
            long sourcePid = atDump.path("pid").asLong();
            int callsAtDump = atDump.path("calls").asInt();

            // Keep the source busy: the second call needs a new worker, which is a restored copy of the source.
            CompletableFuture<JsonNode> busy = CompletableFuture.supplyAsync(() -> call(node, "{\"sleepMs\":4000}"));
            Thread.sleep(1000);
            JsonNode restored = call(node, "{}");
            assertThat(restored.path("jvm").asText()).as("the JVM that was checkpointed").isEqualTo(sourceJvm);
            assertThat(restored.path("calls").asInt()).as("it remembers its calls before the checkpoint")
                    .isEqualTo(callsAtDump + 1);
            assertThat(restored.path("pid").asLong()).isNotEqualTo(sourcePid).isNotEqualTo(node.pid());
            JsonNode slept = busy.get(60, TimeUnit.SECONDS);
            assertThat(slept.path("pid").asLong()).isEqualTo(sourcePid);

            JsonNode s = snapshot(node);
            assertThat(s.path("lastWorker").asText()).isEqualTo("restored");
            assertThat(s.path("restores").asLong()).isEqualTo(1);
            assertThat(s.path("bytes").asLong()).isPositive();
            JsonNode counts = criu(node).path("snapshots");
            assertThat(counts.path("taken").asLong()).isEqualTo(1);
            assertThat(counts.path("restored").asLong()).isEqualTo(1);
            assertThat(counts.path("failed").asLong()).isZero();

            // A node that dies leaves no worker behind, restored or not.
            long restoredPid = restored.path("pid").asLong();
            node.kill();
            for (long pid : new long[] {sourcePid, restoredPid}) {
                ProcessHandle.of(pid).ifPresent(p -> p.onExit().orTimeout(30, TimeUnit.SECONDS).join());
                assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).as("worker " + pid)
                        .isNotEqualTo(Optional.of(true));
            }
        }
    }

    @Test
    void a_node_that_joins_later_restores_its_first_worker_from_the_snapshot_another_node_took() throws Exception {
        byte[] jar = Fixtures.compileJar(Fixtures.dir("java-snapshot"));
        try (RedisProcess redis = RedisProcess.start();
             NodeProcess first = NodeProcess.start("--redis", redis.url(), "--node-id", "node-1", "--criu", "auto",
                     "--aot-training-invocations", "2")) {
            requireCriu(first);
            JsonNode atDump = deployUntilShared(first, jar);
            JsonNode uploaded = snapshot(first);
            assertThat(uploaded.path("note").asText()).containsPattern("; uploaded to the fleet \\(\\d+ MB packed\\)$");
            assertThat(uploaded.path("origin").asText()).isEqualTo("node-1");

            // AOT caches not shared: the snapshot share is switched apart from it (each mechanism measured alone).
            try (NodeProcess joiner = NodeProcess.start("--redis", redis.url(), "--node-id", "node-2", "--criu", "auto",
                    "--aot-training-invocations", "2", "--aot-share", "off")) {
                assertThat(joiner.http().get("/v1/node").json().path("cluster").path("snapshotShare").asBoolean())
                        .isTrue();
                JsonNode fetched = awaitSnapshot(joiner, s -> s.path("state").asText().equals("ready"));
                assertThat(fetched.path("note").asText()).as(fetched.toString()).startsWith("fetched from the fleet in ");
                assertThat(fetched.path("origin").asText()).isEqualTo("node-1");
                // Its first call: answered by a copy of node 1's checkpointed JVM, which remembers its calls.
                JsonNode r = call(joiner, "{}");
                assertThat(r.path("jvm").asText()).isEqualTo(atDump.path("jvm").asText());
                assertThat(r.path("calls").asInt()).isEqualTo(atDump.path("calls").asInt() + 1);
                assertThat(snapshot(joiner).path("lastWorker").asText()).isEqualTo("restored");
                assertThat(criu(joiner).path("snapshots").path("restored").asLong()).isEqualTo(1);
                assertThat(criu(joiner).path("snapshots").path("taken").asLong()).isZero();
            }
            // With the snapshot share off, a joining node's first worker starts fresh, and it shares nothing.
            try (NodeProcess loner = NodeProcess.start("--redis", redis.url(), "--node-id", "node-3", "--criu", "auto",
                    "--aot-training-invocations", "2", "--snapshot-share", "off")) {
                JsonNode node = loner.http().get("/v1/node").json().path("cluster");
                assertThat(node.path("snapshotShare").asBoolean()).as(node.toString()).isFalse();
                assertThat(node.path("aotShare").asBoolean()).isTrue();
                JsonNode r = call(loner, "{}");
                assertThat(r.path("calls").asInt()).as("a fresh worker").isEqualTo(1);
                assertThat(r.path("jvm").asText()).isNotEqualTo(atDump.path("jvm").asText());
                JsonNode own = snapshot(loner);
                assertThat(own.path("sharing").asBoolean()).as(own.toString()).isFalse();
                assertThat(own.path("lastWorker").asText()).isEqualTo("fresh");
            }
        }
    }

    private static void requireCriu(NodeProcess node) {
        JsonNode criu = criu(node);
        if (!criu.path("available").asBoolean()) {
            if ("1".equals(System.getenv("HOTVISOR_REQUIRE_CRIU"))) {
                fail("HOTVISOR_REQUIRE_CRIU=1 but the node cannot use CRIU: " + criu);
            }
            assumeTrue(false, "CRIU is not usable here: " + criu.path("reason").asText());
        }
    }

    /** Polls the function's snapshot status (bounded) until {@code done}; the last one seen. */
    /**
     * Deploys the remembering function "c" in process isolation, calls it 4 times (the checkpoint comes after 2) and
     * waits until the node uploaded its snapshot to the fleet; returns the last call's answer (the source worker's).
     */
    private static JsonNode deployUntilShared(NodeProcess node, byte[] jar) throws Exception {
        node.http().deployArchive("c", "java", "snapshot.Remember::main", jar, PROCESS);
        JsonNode last = null;
        for (int i = 0; i < 4; i++) {
            last = call(node, "{}");
        }
        JsonNode uploaded = awaitSnapshot(node, s -> s.path("shared").asBoolean()
                || s.path("state").asText().equals("failed"));
        assertThat(uploaded.path("shared").asBoolean()).as(uploaded.toString()).isTrue();
        return last;
    }

    private static JsonNode awaitSnapshot(NodeProcess node, java.util.function.Predicate<JsonNode> done)
            throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        JsonNode s = snapshot(node);
        while (!done.test(s) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            s = snapshot(node);
        }
        return s;
    }

    @Test
    void a_function_deployed_with_snapshots_false_is_never_checkpointed_and_its_workers_start_fresh() throws Exception {
        byte[] jar = Fixtures.compileJar(Fixtures.dir("java-snapshot"));
        try (NodeProcess node = NodeProcess.start("--criu", "auto", "--aot-training-invocations", "2")) {
            requireCriu(node);
            Http.Response bad = node.http().put("/v1/functions/c", Http.JSON.createObjectNode().put("language", "java")
                    .put("handler", "snapshot.Remember::main").put("isolation", "process")
                    .put("archive", java.util.Base64.getEncoder().encodeToString(jar)).put("snapshots", "no"));
            assertThat(bad.status()).isEqualTo(400);
            assertThat(bad.json().path("error").path("message").asText()).isEqualTo("Field 'snapshots' must be true"
                    + " (the default: with isolation 'process', later workers may be restored copies of a checkpointed"
                    + " one) or false (every worker starts fresh, none is checkpointed); got \"no\"");

            Map<String, Object> optOut = new java.util.HashMap<>(PROCESS);
            optOut.put("snapshots", false);
            node.http().deployArchive("c", "java", "snapshot.Remember::main", jar, optOut);
            assertThat(node.http().get("/v1/functions/c").json().path("snapshots").asBoolean(true)).isFalse();
            // As many calls as a checkpoint would follow (2 to train the AOT cache, 2 more in the next worker).
            JsonNode last = null;
            for (int i = 0; i < 6; i++) {
                last = call(node, "{}");
            }
            // A second worker, while the first is busy: fresh, not a copy of the first.
            CompletableFuture<JsonNode> busy = CompletableFuture.supplyAsync(() -> call(node, "{\"sleepMs\":4000}"));
            Thread.sleep(1000);
            JsonNode second = call(node, "{}");
            busy.get(60, TimeUnit.SECONDS);
            assertThat(second.path("jvm").asText()).isNotEqualTo(last.path("jvm").asText());
            assertThat(second.path("calls").asInt()).isEqualTo(1);

            JsonNode s = snapshot(node);
            assertThat(s.path("state").asText()).as(s.toString()).isEqualTo("off");
            assertThat(s.path("note").asText()).isEqualTo("off for this function (\"snapshots\": false): every worker"
                    + " starts fresh");
            assertThat(s.path("lastWorker").asText()).isEqualTo("fresh");
            assertThat(criu(node).path("snapshots").path("taken").asLong()).isZero();
            assertThat(criu(node).path("snapshots").path("restored").asLong()).isZero();
        }
    }

    @Test
    void deleting_a_function_removes_the_snapshot_files_its_node_shared() throws Exception {
        byte[] jar = Fixtures.compileJar(Fixtures.dir("java-snapshot"));
        try (RedisProcess redis = RedisProcess.start();
             NodeProcess node = NodeProcess.start("--redis", redis.url(), "--node-id", "node-1", "--criu", "auto",
                     "--aot-training-invocations", "2")) {
            requireCriu(node);
            JsonNode atDump = deployUntilShared(node, jar);
            // The checkpointed worker works in the shared working directory and opens the jar's shared copy.
            java.nio.file.Path work = java.nio.file.Path.of("/proc", atDump.path("pid").asText(), "cwd").toRealPath();
            java.nio.file.Path files = work.getParent().getParent();
            assertThat(files.getFileName().toString()).isEqualTo("hotvisor-snapshot-files");
            String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(jar));
            java.nio.file.Path jarCopy = files.resolve("jars").resolve(sha + ".jar");
            assertThat(jarCopy).exists();

            assertThat(node.http().delete("/v1/functions/c").status()).isBetween(200, 204);
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            while ((Files.exists(work) || Files.exists(jarCopy)) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(work).doesNotExist();
            assertThat(jarCopy).doesNotExist();
        }
    }

    @Test
    void criu_off_starts_workers_fresh_and_says_so() throws Exception {
        byte[] jar = Fixtures.compileJar(Fixtures.dir("java-snapshot"));
        try (NodeProcess node = NodeProcess.start("--criu", "off", "--aot-training-invocations", "0")) {
            JsonNode criu = criu(node);
            assertThat(criu.path("mode").asText()).isEqualTo("off");
            assertThat(criu.path("available").asBoolean()).isFalse();
            assertThat(criu.path("reason").asText()).isEqualTo("off (--criu off)");
            node.http().deployArchive("c", "java", "snapshot.Remember::main", jar, PROCESS);
            assertThat(call(node, "{}").path("calls").asInt()).isEqualTo(1);
            assertThat(snapshot(node).path("state").asText()).isEqualTo("off");
            assertThat(snapshot(node).path("lastWorker").asText()).isEqualTo("fresh");
        }
    }

    @Test
    void criu_auto_without_a_working_binary_starts_workers_fresh_and_says_why() throws Exception {
        byte[] jar = Fixtures.compileJar(Fixtures.dir("java-snapshot"));
        try (NodeProcess node = NodeProcess.start(dataDir(),
                Map.of("HOTVISOR_ADMIN_KEY", NodeProcess.ADMIN_KEY, "HOTVISOR_CRIU", MISSING), "--criu", "auto")) {
            JsonNode criu = criu(node);
            assertThat(criu.path("available").asBoolean()).isFalse();
            assertThat(criu.path("binary").asText()).isEqualTo(MISSING);
            String why = "criu binary " + MISSING + " does not exist or is not executable";
            assertThat(criu.path("reason").asText()).isEqualTo(why);
            node.http().deployArchive("c", "java", "snapshot.Remember::main", jar, PROCESS);
            assertThat(call(node, "{}").path("calls").asInt()).isEqualTo(1);
            assertThat(snapshot(node).path("state").asText()).isEqualTo("off");
            assertThat(snapshot(node).path("note").asText()).isEqualTo(why);
            assertThat(Files.readString(node.log())).contains("CRIU snapshots of Java worker JVMs are not used: " + why);
        }
    }

    @Test
    void criu_on_without_a_working_binary_refuses_to_start_naming_what_is_missing() {
        assertThatThrownBy(() -> NodeProcess.start(dataDir(),
                Map.of("HOTVISOR_ADMIN_KEY", NodeProcess.ADMIN_KEY, "HOTVISOR_CRIU", MISSING), "--criu", "on"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("The node exited with 2")
                .hasMessageContaining("hotvisor: --criu on, but CRIU cannot be used: criu binary " + MISSING
                        + " does not exist or is not executable (use --criu auto to start workers fresh without it)");
    }
}
