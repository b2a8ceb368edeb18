package io.hotvisor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.Test;

import io.hotvisor.it.HotvisorCommand.Run;

/**
 * {@code bin/hotvisor cluster up} and {@code cluster down} as a user runs them: the real script starts redis-server,
 * the nodes and the gateway in its own folder (under this test's {@code target/it}), on free loopback ports, and
 * stops them all again.
 */
class ClusterScriptTest {
    private static final String HELLO = "exports.handler = async (e) => ({hi: 'cluster-script ' + e.name})";

    @Test
    void cluster_up_starts_a_cluster_that_serves_through_its_gateway_and_cluster_down_stops_every_process()
            throws Exception {
        Path dir = newDir();
        try {
            Run up = hotvisor(Map.of(), "cluster", "up", "--nodes", "2", "--dir", dir.toString(), "--gateway-port", "0");
            assertThat(up.exit()).as(up.toString()).isZero();
            String url = printed(up, "Gateway: ");
            String key = printed(up, "Admin key: ");
            assertThat(url).startsWith("http://127.0.0.1:");
            assertThat(Files.readString(dir.resolve("admin-key"))).isEqualTo(key);
            List<Long> pids = pids(dir);
            assertThat(pids).as("pid files: redis, 2 nodes, gateway").hasSize(4);
            assertThat(pids).allMatch(ClusterScriptTest::alive);

            Run again = hotvisor(Map.of(), "cluster", "up", "--nodes", "1", "--dir", dir.toString(), "--gateway-port",
                    "0");
            assertThat(again.exit()).as(again.toString()).isEqualTo(1);
            assertThat(again.stderr()).contains("a cluster is already running in " + dir.toAbsolutePath(),
                    "cluster down --dir");
            assertThat(pids(dir)).as("the running cluster is left alone").isEqualTo(pids);

            Http gateway = new Http(url).withKey(key);
            gateway.deploySource("hello", "javascript", "index.handler", HELLO, Map.of());
            Http.Response r = gateway.invoke("hello", "{\"name\": \"up\"}");
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            assertThat(r.json().path("hi").asText()).isEqualTo("cluster-script up");
            assertThat(new Http(url).withKey("hv-not-the-key").invoke("hello", "{}").status()).isEqualTo(401);

            JsonNode cluster = gateway.get("/v1/cluster").json();
            List<String> alive = new ArrayList<>();
            cluster.path("nodes").forEach(n -> {
                if ("alive".equals(n.path("state").asText())) {
                    alive.add(n.path("id").asText());
                }
            });
            assertThat(alive).as(cluster.toString()).containsExactlyInAnyOrder("node-1", "node-2");
            Run status = hotvisor(Map.of("HOTVISOR_URL", url, "HOTVISOR_KEY", key), "cluster", "status");
            assertThat(status.exit()).as(status.toString()).isZero();
            assertThat(status.stdout()).contains("NODE", "STATE").containsPattern("node-1\\s+alive")
                    .containsPattern("node-2\\s+alive");

            Run down = hotvisor(Map.of(), "cluster", "down", "--dir", dir.toString());
            assertThat(down.exit()).as(down.toString()).isZero();
            assertThat(pids).as("pids still running after cluster down").noneMatch(ClusterScriptTest::alive);
            assertThat(pids(dir)).isEmpty();
            // Redis wrote its append-only file, and the deployed function is in it.
            Path aof = dir.resolve("redis/appendonlydir");
            String appended;
            try (Stream<Path> files = Files.list(aof)) {
                appended = files.filter(f -> f.getFileName().toString().endsWith(".aof")).map(f -> {
                    try {
                        return Files.readString(f, StandardCharsets.ISO_8859_1);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }).reduce("", String::concat);
            }
            assertThat(appended).contains("cluster-script ");

            Run downAgain = hotvisor(Map.of(), "cluster", "down", "--dir", dir.toString());
            assertThat(downAgain.exit()).isZero();
            assertThat(downAgain.stderr()).contains("no cluster in " + dir.toAbsolutePath());
        } finally {
            stopLeftovers(dir);
        }
    }

    @Test
    void cluster_up_refuses_a_gateway_port_in_use_before_starting_anything() throws Exception {
        Path dir = newDir();
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            Run up = hotvisor(Map.of(), "cluster", "up", "--nodes", "1", "--dir", dir.toString(), "--gateway-port",
                    Integer.toString(port));
            assertThat(up.exit()).as(up.toString()).isEqualTo(1);
            assertThat(up.stderr()).contains("gateway port " + port + " is in use", "--gateway-port");
            assertThat(pids(dir)).isEmpty();
        } finally {
            stopLeftovers(dir);
        }
    }

    @Test
    void cluster_up_names_a_bad_option() throws Exception {
        Run nodes = hotvisor(Map.of(), "cluster", "up", "--nodes", "three");
        assertThat(nodes.exit()).isEqualTo(2);
        assertThat(nodes.stderr()).contains("--nodes must be a number from 1 to 64; got 'three'");
        Run unknown = hotvisor(Map.of(), "cluster", "up", "--node", "3");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.stderr()).contains("unknown option '--node'");
        Run routing = hotvisor(Map.of(), "cluster", "up", "--warmth-routing", "maybe");
        assertThat(routing.exit()).isEqualTo(2);
        assertThat(routing.stderr()).contains("--warmth-routing must be 'on' or 'off'; got 'maybe'");
    }

    // ---- helpers

    private static Path newDir() throws IOException {
        Files.createDirectories(NodeProcess.IT_DIR);
        return Files.createTempDirectory(NodeProcess.IT_DIR, "cluster-");
    }

    private static Run hotvisor(Map<String, String> env, String... args)
            throws IOException, InterruptedException {
        return HotvisorCommand.run(e -> {
            e.remove("HOTVISOR_ADMIN_KEY"); // the script makes the cluster's key
            e.remove("HOTVISOR_URL");
            e.remove("HOTVISOR_KEY");
            e.put("HOTVISOR_CONFIG", NodeProcess.IT_DIR.resolve("cluster-script-cli.json").toString());
            e.put("HOTVISOR_JAVA_OPTS", "-Xmx512m");
            e.put("HOTVISOR_START_TIMEOUT", "600"); // a node JVM's start on a loaded 2-core machine
            e.putAll(env);
        }, Duration.ofMinutes(15), args);
    }

    /** The value of the stdout line that starts with {@code prefix}. */
    private static String printed(Run run, String prefix) {
        return run.stdout().lines().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length()).strip())
                .findFirst().orElseThrow(() -> new AssertionError("no line '" + prefix + "...' in " + run));
    }

    private static List<Long> pids(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".pid")).sorted().map(f -> {
                try {
                    return Long.parseLong(Files.readString(f).strip());
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).toList();
        }
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** After a failure: whatever the script left running is stopped, so no test run leaves processes behind. */
    private static void stopLeftovers(Path dir) throws IOException, InterruptedException {
        List<Long> left = pids(dir).stream().filter(ClusterScriptTest::alive).toList();
        if (left.isEmpty()) {
            return;
        }
        hotvisor(Map.of(), "cluster", "down", "--dir", dir.toString());
        for (long pid : left) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }
}
