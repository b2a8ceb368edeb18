package io.hotvisor.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The baseline server's HTTP contract, on real runner processes (Node.js, CPython; Java is covered by
 * {@link DensitySmokeTest}): status codes, the cold-start header, stats from /proc, and keep-alive on a fake clock;
 * and that closing it ends every process it started, an AOT training run of a Java function included.
 */
class BaselineServerTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path work;

    private final AtomicLong now = new AtomicLong();
    private BaselineServer server;

    private void start(String... flags) throws Exception {
        String[] args = new String[flags.length + 2];
        args[0] = "--work-dir";
        args[1] = work.toString();
        System.arraycopy(flags, 0, args, 2, flags.length);
        server = BaselineServer.start(BaselineOptions.parse(args), now::get);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .header("Authorization", "Bearer ignored").timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String js(String code) {
        return DensityFunctions.body("javascript", "index.handler", code, null);
    }

    @Test
    void deploys_invokes_cold_then_warm_and_kills_idle_instances_after_the_keep_alive() throws Exception {
        start("--keep-alive", "30s");
        assertThat(send("PUT", "/v1/functions/hi", js("exports.handler = async (e) => ({hi: e.name});")).statusCode())
                .isEqualTo(201);
        HttpResponse<String> cold = send("POST", "/v1/functions/hi/invoke", "{\"name\":\"Ada\"}");
        HttpResponse<String> warm = send("POST", "/v1/functions/hi/invoke", "{\"name\":\"Bob\"}");

        assertThat(cold.statusCode()).isEqualTo(200);
        assertThat(cold.body()).isEqualTo("{\"hi\":\"Ada\"}");
        assertThat(cold.headers().firstValue("X-Hotvisor-Cold-Start")).hasValue("true");
        assertThat(warm.body()).isEqualTo("{\"hi\":\"Bob\"}");
        assertThat(warm.headers().firstValue("X-Hotvisor-Cold-Start")).hasValue("false");
        JsonNode stats = Results.JSON.readTree(send("GET", "/v1/baseline/stats", null).body());
        assertThat(stats.get("instances").asInt()).isEqualTo(1);
        assertThat(stats.get("coldStarts").asInt()).isEqualTo(1);
        ProcessHandle instance = ProcessHandle.of(stats.get("pids").get(0).asLong()).orElseThrow();
        assertThat(stats.get("rssBytes").asLong()).isGreaterThan(stats.get("serverRssBytes").asLong());

        now.addAndGet(Duration.ofSeconds(29).toNanos());
        server.reap();
        assertThat(instance.isAlive()).isTrue();
        now.addAndGet(Duration.ofSeconds(2).toNanos());
        server.reap();

        JsonNode after = Results.JSON.readTree(send("GET", "/v1/baseline/stats", null).body());
        assertThat(after.get("instances").asInt()).isZero();
        assertThat(instance.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS).isAlive()).isFalse();
        assertThat(send("PUT", "/v1/functions/hi", js("exports.handler = () => 2;")).statusCode()).isEqualTo(200);
        assertThat(send("POST", "/v1/functions/hi/invoke", "{}").body()).isEqualTo("2");
    }

    @Test
    void answers_errors_with_the_statuses_of_a_node() throws Exception {
        start("--max-instances", "1");
        send("PUT", "/v1/functions/boom", DensityFunctions.body("python", "main.handler",
                "def handler(event, context):\n    raise ValueError('bad ' + str(event.get('x')))\n", null));
        send("PUT", "/v1/functions/slow", DensityFunctions.body("python", "main.handler",
                "import time\ndef handler(event, context):\n    time.sleep(event['s'])\n    return 'done'\n", null)
                .replace("30000", "1000"));

        HttpResponse<String> failed = send("POST", "/v1/functions/boom/invoke", "{\"x\": 7}");
        assertThat(failed.statusCode()).isEqualTo(502);
        assertThat(failed.body()).contains("ValueError").contains("bad 7");
        assertThat(send("POST", "/v1/functions/nope/invoke", "{}").statusCode()).isEqualTo(404);
        HttpResponse<String> bad = send("PUT", "/v1/functions/x", "{\"language\":\"cobol\",\"handler\":\"a\",\"code\":\"\"}");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("cobol");
        assertThat(send("PUT", "/v1/functions/x", "{\"language\":\"python\",\"handler\":\"a\"}").body())
                .contains("'code'").contains("'archive'");

        // At the limit of one instance, slow's cold start replaces boom's idle instance; slow then times out.
        HttpResponse<String> timedOut = send("POST", "/v1/functions/slow/invoke", "{\"s\": 30}");
        assertThat(timedOut.statusCode()).isEqualTo(504);
        assertThat(timedOut.body()).contains("1000 ms");

        // While hold's instance is busy, no instance can be had for boom.
        Path release = work.resolve("release");
        send("PUT", "/v1/functions/hold", DensityFunctions.body("python", "main.handler",
                "import os, time\ndef handler(event, context):\n    while not os.path.exists(event['file']):\n"
                        + "        time.sleep(0.05)\n    return 'released'\n", null));
        CompletableFuture<HttpResponse<String>> hold = CompletableFuture.supplyAsync(() -> {
            try {
                return send("POST", "/v1/functions/hold/invoke", "{\"file\": \"" + release + "\"}");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        while (Results.JSON.readTree(send("GET", "/v1/baseline/stats", null).body()).get("coldStarts").asInt() < 3) {
            Thread.sleep(20);
        }
        HttpResponse<String> refused = send("POST", "/v1/functions/boom/invoke", "{}");
        java.nio.file.Files.writeString(release, "go");
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.body()).contains("max-instances");
        assertThat(hold.get().body()).isEqualTo("\"released\"");
    }

    @Test
    void closing_the_server_kills_the_aot_training_run_it_was_waiting_for() throws Exception {
        start("--aot");
        Path root = Path.of(System.getProperty("hotvisor.root", "..")).toAbsolutePath().normalize();
        DensityFunctions hello = DensityFunctions.all(root, System.getProperty("hotvisor.build.dir", "target"),
                List.of("hello"), List.of("java")).getFirst();
        try (ProcessWatch watch = ProcessWatch.start()) {
            // The deploy waits for the training run (a JVM that loads the function, runs it and exits): close meanwhile.
            CompletableFuture<Integer> deploy = CompletableFuture.supplyAsync(() -> {
                try {
                    return send("PUT", "/v1/functions/hello-java", hello.deploy()).statusCode();
                } catch (Exception e) {
                    return -1;
                }
            });
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            java.util.Optional<ProcessHandle> training = java.util.Optional.empty();
            while (training.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
                training = watch.seen().stream().filter(ProcessHandle::isAlive)
                        .filter(h -> h.info().commandLine().orElse("").contains("-XX:AOTCacheOutput=")).findFirst();
            }
            assertThat(training).as("a training run started by the deploy").isPresent();
            server.close();
            server = null;

            assertThat(watch.alive(Duration.ofMillis(200))).as("processes the server started, alive after close")
                    .isEmpty();
            deploy.get(2, java.util.concurrent.TimeUnit.MINUTES);
        }
    }

    @Test
    void an_aot_class_path_has_its_directories_packed_into_jars() throws Exception {
        Path classes = java.nio.file.Files.createDirectories(work.resolve("classes/io/example"));
        java.nio.file.Files.writeString(classes.resolve("A.class"), "not really a class");
        String cp = String.join(java.io.File.pathSeparator, work.resolve("classes").toString(), "lib/x.jar");

        String packed = InstancePool.withoutDirectories(cp, work.resolve("aot"));

        List<String> entries = List.of(packed.split(java.io.File.pathSeparator));
        assertThat(entries).hasSize(2).endsWith("lib/x.jar");
        assertThat(entries.getFirst()).endsWith(".jar");
        try (java.util.jar.JarFile jar = new java.util.jar.JarFile(entries.getFirst())) {
            assertThat(new String(jar.getInputStream(jar.getEntry("io/example/A.class")).readAllBytes()))
                    .isEqualTo("not really a class");
        }
    }
}
