package io.hotvisor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Java functions with {@code "isolation": "process"} over HTTP on a real node: each runs in worker JVMs that the node
 * kills and replaces, while the node serves on.
 */
class ProcessIsolationTest {

    private static ObjectNode deployBody(String handler, byte[] jar) {
        return Http.JSON.createObjectNode().put("language", "java").put("handler", handler)
                .put("archive", Base64.getEncoder().encodeToString(jar));
    }

    private static long pid(Http.Response r) {
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.json().path("pid").asLong();
    }

    @Test
    void kills_and_replaces_workers_of_a_misbehaving_function_while_the_node_serves_on() throws Exception {
        try (NodeProcess node = NodeProcess.start()) {
            Http http = node.http();
            ObjectNode body = deployBody("misbehave.Misbehave::main",
                    Fixtures.compileJar(Fixtures.dir("java-process")));
            body.put("isolation", "process").put("timeoutMs", 5000).put("memoryMb", 64).put("concurrency", 1);
            body.putObject("env").put("GREETING", "hi");
            Http.Response deployed = http.put("/v1/functions/mis", body);
            assertThat(deployed.status()).as(deployed.toString()).isEqualTo(201);
            assertThat(http.get("/v1/functions/mis").json().path("isolation").asText()).isEqualTo("process");
            long first = pid(http.invoke("mis", "{}"));
            assertThat(first).isNotEqualTo(node.pid());

            Http.Response loop = http.invoke("mis", "{\"mode\":\"loop\"}");
            assertThat(loop.status()).as(loop.toString()).isEqualTo(504);
            ProcessHandle.of(first).ifPresent(p -> p.onExit().orTimeout(30, TimeUnit.SECONDS).join());
            assertThat(ProcessHandle.of(first).map(ProcessHandle::isAlive)).isNotEqualTo(Optional.of(true));
            long second = pid(http.invoke("mis", "{}"));
            assertThat(second).isNotEqualTo(first);

            Http.Response exit = http.invoke("mis", "{\"mode\":\"exit\"}");
            assertThat(exit.status()).as(exit.toString()).isEqualTo(502);
            assertThat(exit.json().path("error").path("type").asText()).isEqualTo("WorkerExited");
            assertThat(exit.json().path("error").path("message").asText()).contains("with exit code 3");
            pid(http.invoke("mis", "{}"));

            Http.Response bomb = http.invoke("mis", "{\"mode\":\"bomb\"}");
            assertThat(bomb.status()).as(bomb.toString()).isEqualTo(502);
            assertThat(bomb.json().path("error").path("type").asText()).isEqualTo("MemoryLimitExceeded");
            pid(http.invoke("mis", "{}"));

            Http.Response env = http.invoke("mis", "{\"mode\":\"env\"}");
            assertThat(env.json().path("env").toString()).isEqualTo("{\"GREETING\":\"hi\"}");
            assertThat(node.isAlive()).isTrue();
            assertThat(http.get("/healthz").status()).isEqualTo(200);

            node.restart();
            Http after = node.http();
            assertThat(after.get("/v1/functions/mis").json().path("isolation").asText()).isEqualTo("process");
            pid(after.invoke("mis", "{}"));
        }
    }

    @Test
    void refuses_unknown_isolations_and_process_isolation_for_other_languages() throws Exception {
        try (NodeProcess node = NodeProcess.start()) {
            Http http = node.http();
            Http.Response unknown = http.put("/v1/functions/x", Http.JSON.createObjectNode().put("language", "java")
                    .put("handler", "a.B").put("code", "class B {}").put("isolation", "vm"));
            assertThat(unknown.status()).isEqualTo(400);
            assertThat(unknown.json().path("error").path("message").asText())
                    .isEqualTo("Field 'isolation': unknown isolation 'vm'; use 'node' or 'process'");

            Http.Response js = http.put("/v1/functions/x", Http.JSON.createObjectNode().put("language", "javascript")
                    .put("handler", "main").put("code", "function main() {}").put("isolation", "process"));
            assertThat(js.status()).isEqualTo(400);
            assertThat(js.json().path("error").path("message").asText()).isEqualTo("Field 'isolation': 'process' is"
                    + " for Java functions only; this function is javascript: use 'node'");
        }
    }

    @Test
    void runs_the_example_fat_jar_in_worker_processes_although_its_libraries_trip_the_scan() throws Exception {
        try (NodeProcess node = NodeProcess.start()) {
            Http http = node.http();
            byte[] jar = java.nio.file.Files.readAllBytes(Fixtures.examplesJar());
            Http.Response refused = http.put("/v1/functions/cap", deployBody("io.hotvisor.examples.Capitalize::handle", jar));
            assertThat(refused.status()).as(refused.toString()).isEqualTo(400);
            assertThat(refused.json().path("error").path("message").asText())
                    .startsWith("Function 'cap' may not be deployed: org.apache.commons.lang3.");

            http.deployArchive("cap", "java", "io.hotvisor.examples.Capitalize::handle", jar,
                    Map.of("isolation", "process"));
            Http.Response r = http.invoke("cap", "{\"text\":\"hello fat jar world\"}");
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            assertThat(r.json().path("text").asText()).isEqualTo("Hello Fat Jar World");
        }
    }

    @Test
    void a_stopping_node_kills_its_aot_training_workers_and_leaves_no_unfinished_cache() throws Exception {
        byte[] jar = Fixtures.compileJar(Fixtures.dir("java-snapshot"));
        long worker;
        java.nio.file.Path aotDir;
        try (NodeProcess node = NodeProcess.start("--criu", "off", "--aot-training-invocations", "1000")) {
            aotDir = node.dataDir().resolve("aot-cache");
            node.http().deployArchive("c", "java", "snapshot.Remember::main", jar, Map.of("isolation", "process",
                    "memoryMb", 64));
            // The first worker trains the AOT cache: asked to exit, it would spend seconds writing it.
            worker = pid(node.http().invoke("c", "{}"));
            assertThat(node.http().get("/v1/functions/c").json().path("aotCache").path("source").asText())
                    .isEqualTo("training");
            node.stop(); // SIGTERM, and waits for the node to exit
        }
        assertThat(ProcessHandle.of(worker).map(ProcessHandle::isAlive)).as("training worker " + worker)
                .isNotEqualTo(Optional.of(true));
        try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.list(aotDir)) {
            assertThat(files.map(f -> f.getFileName().toString())).noneMatch(n -> n.contains(".aot.tmp-"));
        }
    }
}
