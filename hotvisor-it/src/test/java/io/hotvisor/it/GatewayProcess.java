package io.hotvisor.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A real gateway, started as a user starts one ({@code bin/hotvisor gateway}), on a free loopback port. */
final class GatewayProcess implements AutoCloseable {
    private static final AtomicInteger COUNT = new AtomicInteger();

    private final String redis;
    private final List<String> options;
    private final Path portFile;
    private final Path log;
    private Process process;
    private int port;

    private GatewayProcess(String redis, List<String> options) {
        int n = COUNT.incrementAndGet();
        this.redis = redis;
        this.options = List.copyOf(options);
        this.portFile = NodeProcess.IT_DIR.resolve("gateway-" + n + ".port");
        this.log = NodeProcess.IT_DIR.resolve("gateway-" + n + ".log");
    }

    static GatewayProcess start(String redis, String... options) throws IOException, InterruptedException {
        Files.createDirectories(NodeProcess.IT_DIR);
        GatewayProcess g = new GatewayProcess(redis, List.of(options));
        Files.deleteIfExists(g.log);
        g.launch();
        return g;
    }

    private void launch() throws IOException, InterruptedException {
        Files.deleteIfExists(portFile);
        List<String> command = new java.util.ArrayList<>(List.of(NodeProcess.ROOT.resolve("bin/hotvisor").toString(),
                "gateway", "--redis", redis, "--port", "0", "--port-file", portFile.toString()));
        command.addAll(options);
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().put("HOTVISOR_BUILD_DIR", System.getProperty("hotvisor.build.dir", "target"));
        pb.environment().put("HOTVISOR_ADMIN_KEY", NodeProcess.ADMIN_KEY);
        pb.environment().put("HOTVISOR_JAVA_OPTS", "-Xmx256m");
        process = pb.start();
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (!Files.exists(portFile)) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                process.destroyForcibly();
                throw new IllegalStateException("The gateway did not start; see " + log);
            }
            Thread.sleep(50);
        }
        port = Integer.parseInt(Files.readString(portFile).trim());
    }

    Http http() {
        return new Http("http://127.0.0.1:" + port);
    }

    /** SIGKILL, as in a crash, then start again. */
    void killAndRestart() throws IOException, InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
        launch();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
