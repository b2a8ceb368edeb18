package io.hotvisor.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real node, started the way a user starts one ({@code bin/hotvisor node}), in its own process, on a free port
 * of the loopback interface. Its output goes to a log file under {@code target/it/}.
 */
final class NodeProcess implements AutoCloseable {
    /** The admin key every test node accepts (env HOTVISOR_ADMIN_KEY); {@link Http} sends it by default. */
    static final String ADMIN_KEY = "hv_it-admin-key-for-tests-only-0123456789";
    private static final AtomicInteger COUNT = new AtomicInteger();
    static final Path ROOT = Path.of(System.getProperty("hotvisor.root", "..")).toAbsolutePath().normalize();
    static final Path IT_DIR = Path.of(System.getProperty("hotvisor.it.dir", "target/it")).toAbsolutePath();

    private static final Duration START_PATIENCE = Duration.ofMinutes(10);

    private final Path dataDir;
    private final List<String> options;
    private final java.util.Map<String, String> env = new java.util.HashMap<>();
    private final Path log;
    private Process process;
    private int port;

    private NodeProcess(Path dataDir, List<String> options) {
        this.dataDir = dataDir;
        this.options = options;
        this.log = IT_DIR.resolve("node-" + COUNT.incrementAndGet() + ".log");
    }

    /** Starts a node with a new, empty data directory. */
    static NodeProcess start(String... options) throws IOException, InterruptedException {
        Files.createDirectories(IT_DIR);
        return start(Files.createTempDirectory(IT_DIR, "data-"), options);
    }

    /** Starts a node on {@code dataDir}. */
    static NodeProcess start(Path dataDir, String... options) throws IOException, InterruptedException {
        return start(dataDir, java.util.Map.of("HOTVISOR_ADMIN_KEY", ADMIN_KEY), options);
    }

    /**
     * Starts a node on {@code dataDir} with exactly {@code env} added to the environment (no HOTVISOR_ADMIN_KEY
     * unless it is there; env HOTVISOR_CONFIG is always set, to a file beside the data directory, so that a node
     * that generates a key never touches the user's own CLI config).
     */
    static NodeProcess start(Path dataDir, java.util.Map<String, String> env, String... options)
            throws IOException, InterruptedException {
        NodeProcess n = new NodeProcess(dataDir, List.of(options));
        n.env.put("HOTVISOR_CONFIG", n.cliConfig().toString());
        n.env.putAll(env);
        Files.deleteIfExists(n.log); // from an earlier run; restarts of this node append to it
        n.launch();
        return n;
    }

    /** The CLI config file this node would write a generated admin key to. */
    Path cliConfig() {
        return dataDir.resolveSibling(dataDir.getFileName() + "-cli-config.json");
    }

    Path dataDir() {
        return dataDir;
    }

    private void launch() throws IOException, InterruptedException {
        Path portFile = dataDir.resolveSibling(dataDir.getFileName() + ".port");
        Files.deleteIfExists(portFile);
        List<String> cmd = new ArrayList<>(List.of(ROOT.resolve("bin/hotvisor").toString(), "node",
                "--port", "0", "--port-file", portFile.toString(), "--data-dir", dataDir.toString()));
        cmd.addAll(options);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().put("HOTVISOR_BUILD_DIR", System.getProperty("hotvisor.build.dir", "target"));
        pb.environment().remove("HOTVISOR_ADMIN_KEY");
        pb.environment().putAll(env);
        // A small heap: several nodes run at once on a CI machine, and a memory bomb meets heap pressure (where
        // memoryMb limits are enforced) after a few hundred MB instead of gigabytes.
        pb.environment().put("HOTVISOR_JAVA_OPTS", "-Xmx1g");
        process = pb.start();
        // Generous: a node restoring a Python function makes a GraalPy context first, and on a 2-core machine with
        // other builds running that took over 3 minutes (JVM start alone 96 s). It only stops a hung start.
        long deadline = System.nanoTime() + START_PATIENCE.toNanos();
        while (!Files.exists(portFile)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("The node exited with " + process.exitValue() + "; see " + log
                        + ":\n" + tail());
            }
            if (System.nanoTime() > deadline) {
                process.destroyForcibly();
                throw new IllegalStateException("The node did not start within " + START_PATIENCE.toMinutes()
                        + " minutes; see " + log);
            }
            Thread.sleep(50);
        }
        port = Integer.parseInt(Files.readString(portFile).trim());
    }

    String tail() throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    Http http() {
        return new Http("http://127.0.0.1:" + port);
    }

    int port() {
        return port;
    }

    /** The node JVM's pid (bin/hotvisor execs java). */
    long pid() {
        return process.pid();
    }

    Path log() {
        return log;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL: no shutdown hook runs, as in a crash. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** Starts the node again on the same data directory. */
    void restart() throws IOException, InterruptedException {
        if (process.isAlive()) {
            stop();
        }
        launch();
    }

    /** SIGTERM and wait. */
    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
