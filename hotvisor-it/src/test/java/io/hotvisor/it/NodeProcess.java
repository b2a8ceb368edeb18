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
    private static final AtomicInteger COUNT = new AtomicInteger();
    static final Path ROOT = Path.of(System.getProperty("hotvisor.root", "..")).toAbsolutePath().normalize();
    static final Path IT_DIR = Path.of(System.getProperty("hotvisor.it.dir", "target/it")).toAbsolutePath();

    private final Path dataDir;
    private final List<String> options;
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
        NodeProcess n = new NodeProcess(dataDir, List.of(options));
        Files.deleteIfExists(n.log); // from an earlier run; restarts of this node append to it
        n.launch();
        return n;
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
        // A small heap: several nodes run at once on a CI machine, and a memory bomb meets heap pressure (where
        // memoryMb limits are enforced) after a few hundred MB instead of gigabytes.
        pb.environment().put("HOTVISOR_JAVA_OPTS", "-Xmx1g");
        process = pb.start();
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (!Files.exists(portFile)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("The node exited with " + process.exitValue() + "; see " + log
                        + ":\n" + tail());
            }
            if (System.nanoTime() > deadline) {
                process.destroyForcibly();
                throw new IllegalStateException("The node did not start within 3 minutes; see " + log);
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
