package io.hotvisor.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The processes of a cluster the cluster benchmarks start themselves, each with its own options ({@code bin/hotvisor
 * cluster up} starts identical nodes): a throw-away redis-server and nodes or a gateway through {@code bin/hotvisor}.
 * Every process gets the benchmark's admin key, logs into its directory, and is stopped by whoever started it.
 */
final class ClusterProcesses {

    private ClusterProcesses() {
    }

    /** A redis-server on loopback, no persistence; {@link #close()} stops it. */
    record Redis(Process process, String url) implements AutoCloseable {
        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** Starts redis-server on a free port, its files and log in {@code dir}, and waits until it answers. */
    static Redis redis(Path dir) throws IOException, InterruptedException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Process p = ChildProcesses.BENCH.start(new ProcessBuilder("redis-server", "--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try (java.net.Socket ignored = new java.net.Socket("127.0.0.1", port)) {
                return new Redis(p, "redis://127.0.0.1:" + port);
            } catch (IOException e) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    p.destroyForcibly();
                    throw new IllegalStateException("redis-server did not start on port " + port + "; see "
                            + dir.resolve("redis.log"), e);
                }
                Thread.sleep(100);
            }
        }
    }

    /** {@code bin/hotvisor node --data-dir dir/id --node-id id OPTIONS} with {@code -Xmx1g}; waits until it listens. */
    static ServerProcess node(Path root, Path dir, String id, List<String> options, String key)
            throws IOException, InterruptedException {
        return node(root, dir, id, options, key, Duration.ofMinutes(3));
    }

    /** The same, waiting up to {@code timeout} for the node to be ready (it loads the cluster's functions first). */
    static ServerProcess node(Path root, Path dir, String id, List<String> options, String key,
                              Duration timeout) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(root.resolve("bin/hotvisor").toString(), "node", "--data-dir",
                dir.resolve(id).toString(), "--node-id", id));
        cmd.addAll(options);
        cmd.addAll(extraNodeArgs());
        return ServerProcess.start(id, cmd, env(dir, id, key), dir, key, timeout);
    }

    /** {@code bin/hotvisor gateway --redis URL --cluster NAME OPTIONS}; waits until it listens. */
    static ServerProcess gateway(Path root, Path dir, String id, String redis, String cluster, List<String> options,
                                 String key) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(root.resolve("bin/hotvisor").toString(), "gateway", "--redis",
                redis, "--cluster", cluster));
        cmd.addAll(options);
        return ServerProcess.start(id, cmd, env(dir, id, key), dir, key);
    }

    /**
     * Options every node of a benchmark gets after its own, from {@code HOTVISOR_BENCH_NODE_ARGS} (split at white
     * space, e.g. {@code --engine-per-function python}): to measure a node option across a whole benchmark. The results
     * name them in their command ({@link Results#command()}).
     */
    static List<String> extraNodeArgs() {
        String args = System.getenv().getOrDefault("HOTVISOR_BENCH_NODE_ARGS", "").strip();
        return args.isEmpty() ? List.of() : List.of(args.split("\\s+"));
    }

    private static Map<String, String> env(Path dir, String id, String key) {
        return Map.of("HOTVISOR_ADMIN_KEY", key,
                "HOTVISOR_BUILD_DIR", System.getenv().getOrDefault("HOTVISOR_BUILD_DIR", "target"),
                "HOTVISOR_CONFIG", dir.resolve(id + "-cli.json").toString(),
                "HOTVISOR_JAVA_OPTS", ("-Xmx1g " + System.getenv().getOrDefault("HOTVISOR_BENCH_NODE_JAVA_OPTS", ""))
                        .strip());
    }
}
