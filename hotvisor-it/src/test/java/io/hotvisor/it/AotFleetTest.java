package io.hotvisor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.Test;

/**
 * Java worker JVMs start hot across a cluster: a real redis-server and real nodes. Node 1 trains the AOT cache of a
 * function with {@code "isolation": "process"} on its first invocations and uploads it; a node that joins later
 * starts its first worker from that cache ({@code --aot-share on}, the default), one with {@code --aot-share off}
 * trains its own. A function that allows sampling is trained off the serving path, on its first sampled event.
 */
class AotFleetTest {
    private static final Duration PATIENCE = Duration.ofMinutes(4);
    private static final Map<String, Object> PROCESS = Map.of("isolation", "process", "memoryMb", 64);

    @Test
    void a_node_that_joins_later_starts_its_first_worker_from_the_cache_another_node_trained() throws Exception {
        byte[] jar = Fixtures.compileJar(Fixtures.dir("java-process"));
        try (RedisProcess redis = RedisProcess.start();
             NodeProcess trainer = node(redis, "node-1")) {
            trainer.http().deployArchive("fleet", "java", "misbehave.Misbehave::main", jar, PROCESS);
            assertThat(aot(trainer).path("source").asText()).isEqualTo("training");
            for (int i = 0; i < 3; i++) {
                assertWorkerAnswers(trainer);
            }
            JsonNode trained = await(trainer, a -> a.path("shared").asBoolean());
            assertThat(trained.path("source").asText()).isEqualTo("trained");
            assertThat(trained.path("origin").asText()).isEqualTo("node-1");
            assertThat(trained.path("note").asText()).isEqualTo("trained on this node and uploaded to the fleet");
            long bytes = trained.path("bytes").asLong();
            assertThat(bytes).isGreaterThan(1_000_000);

            try (NodeProcess joiner = node(redis, "node-2")) {
                JsonNode fetched = await(joiner, a -> !a.path("source").asText().isEmpty());
                assertThat(fetched.path("source").asText()).as(fetched.toString()).isEqualTo("fleet");
                assertThat(fetched.path("origin").asText()).isEqualTo("node-1");
                assertThat(fetched.path("bytes").asLong()).isEqualTo(bytes);
                assertThat(fetched.path("opened").asBoolean()).as("the worker JVM opened the cache").isTrue();
                assertThat(fetched.path("note").asText()).startsWith("fetched from the fleet in ");
                long pid = assertWorkerAnswers(joiner);
                assertThat(commandLine(pid)).anyMatch(a -> a.startsWith("-XX:AOTCache="
                        + joiner.dataDir().toAbsolutePath().resolve("aot-cache")));
                assertThat(Files.readString(joiner.log())).contains("fetched from the fleet");
                assertThat(joiner.http().get("/metrics").body().lines()
                        .filter(l -> l.startsWith("hotvisor_worker_aot_cache_bytes{"))
                        .filter(l -> l.contains("function=\"fleet\"") && l.contains("source=\"fleet\"")))
                        .singleElement().satisfies(l -> assertThat(Double.parseDouble(l.substring(l.lastIndexOf(' ')
                                + 1))).isEqualTo((double) bytes));
            }

            try (NodeProcess loner = node(redis, "node-3", "--aot-share", "off")) {
                JsonNode own = await(loner, a -> !a.path("source").asText().isEmpty());
                assertThat(own.path("sharing").asBoolean()).isFalse();
                assertThat(own.path("source").asText()).as(own.toString()).isEqualTo("training");
                long pid = assertWorkerAnswers(loner);
                assertThat(commandLine(pid)).anyMatch(a -> a.startsWith("-XX:AOTCacheOutput="))
                        .noneMatch(a -> a.startsWith("-XX:AOTCache="));
                assertThat(Files.readString(loner.log())).doesNotContain("fetched from the fleet");
            }
        }
    }

    @Test
    void a_cache_larger_than_the_fleets_budget_stays_on_the_node_that_trained_it() throws Exception {
        byte[] jar = Fixtures.compileJar(Fixtures.dir("java-process"));
        try (RedisProcess redis = RedisProcess.start();
             NodeProcess trainer = node(redis, "node-1", "--aot-share-max-mb", "1")) {
            trainer.http().deployArchive("fleet", "java", "misbehave.Misbehave::main", jar, PROCESS);
            for (int i = 0; i < 3; i++) {
                assertWorkerAnswers(trainer);
            }
            JsonNode kept = await(trainer, a -> a.path("note").asText().contains("upload to the fleet failed"));
            assertThat(kept.path("note").asText()).as(kept.toString())
                    .startsWith("trained on this node; upload to the fleet failed: The AOT cache '")
                    .contains("over the 1 MB all shared caches and snapshots may take (--aot-share-max-mb);"
                            + " kept on this node only");
            assertThat(kept.path("shared").asBoolean()).isFalse();
            assertThat(kept.path("bytes").asLong()).as("the cache is larger than the budget").isGreaterThan(1 << 20);
            assertWorkerAnswers(trainer);

            try (NodeProcess joiner = node(redis, "node-2")) {
                JsonNode own = await(joiner, a -> !a.path("source").asText().isEmpty());
                assertThat(own.path("source").asText()).as("nothing in the fleet to fetch: " + own)
                        .isEqualTo("training");
                assertWorkerAnswers(joiner);
            }
        }
    }

    @Test
    void a_function_that_allows_sampling_trains_off_the_serving_path_once_its_first_call_is_sampled()
            throws Exception {
        byte[] jar = Fixtures.compileJar(Fixtures.dir("java-process"));
        try (NodeProcess node = NodeProcess.start("--aot-training-invocations", "3", "--criu", "off")) {
            Map<String, Object> sampled = new java.util.HashMap<>(PROCESS);
            sampled.put("warmupSampling", true);
            node.http().deployArchive("fleet", "java", "misbehave.Misbehave::main", jar, sampled);
            assertThat(aot(node).path("source").asText()).as("no training on the serving worker").isEqualTo("none");

            long serving = assertWorkerAnswers(node);
            JsonNode trained = await(node, a -> a.path("source").asText().equals("trained"));

            assertThat(trained.path("source").asText()).as(trained.toString()).isEqualTo("trained");
            assertThat(commandLine(serving)).noneMatch(a -> a.startsWith("-XX:AOTCacheOutput="));
            for (int i = 0; i < 4; i++) {
                assertThat(assertWorkerAnswers(node)).as("the first worker serves on, never retired")
                        .isEqualTo(serving);
            }
            assertThat(Files.readString(node.log())).contains("AOT cache created for function 'fleet'");
        }
    }

    private static NodeProcess node(RedisProcess redis, String id, String... more) throws Exception {
        // --criu off: the AOT cache alone (CriuSnapshotTest covers snapshots shared the same way).
        String[] options = {"--redis", redis.url(), "--node-id", id, "--aot-training-invocations", "3", "--criu", "off"};
        String[] all = java.util.Arrays.copyOf(options, options.length + more.length);
        System.arraycopy(more, 0, all, options.length, more.length);
        return NodeProcess.start(all);
    }

    /** Invokes the function once; it answers its worker's pid, which is not the node's. */
    private static long assertWorkerAnswers(NodeProcess node) {
        Http.Response r = node.http().invoke("fleet", "{}");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        long pid = r.json().path("pid").asLong();
        assertThat(pid).isPositive().isNotEqualTo(node.pid());
        return pid;
    }

    private static JsonNode aot(NodeProcess node) {
        Http.Response r = node.http().get("/v1/functions/fleet");
        return r.status() == 200 ? r.json().path("aotCache") : Http.JSON.createObjectNode();
    }

    /** Polls the function's {@code aotCache} status (bounded) until {@code done}; the last one seen. */
    private static JsonNode await(NodeProcess node, Predicate<JsonNode> done) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        JsonNode a = aot(node);
        while (!done.test(a) && System.nanoTime() < deadline) {
            Thread.sleep(200);
            a = aot(node);
        }
        return a;
    }

    private static java.util.List<String> commandLine(long pid) throws Exception {
        byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
        return java.util.List.of(new String(raw, StandardCharsets.UTF_8).split("\0"));
    }
}
