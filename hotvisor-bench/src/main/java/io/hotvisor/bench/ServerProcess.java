package io.hotvisor.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A server the density benchmark starts by script ({@code bin/hotvisor node}, {@code bench/baseline.sh}) and talks to
 * over HTTP with the admin key. Both scripts {@code exec} java, so {@link #pid()} is the server's JVM. Closing it
 * stops the server and every process it started (the baseline's instances); servers still running when the JVM
 * exits are killed with theirs ({@link ChildProcesses}).
 */
final class ServerProcess implements AutoCloseable {

    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    private final String label;
    private final Process process;
    private final Path log;
    private final String key;

    String key() {
        return key;
    }
    final URI url;

    private ServerProcess(String label, Process process, Path log, String key, URI url) {
        this.label = label;
        this.process = process;
        this.log = log;
        this.key = key;
        this.url = url;
    }

    /** Runs {@code command} with {@code --port 0 --port-file F} appended, and waits until it listens (3 minutes). */
    static ServerProcess start(String label, List<String> command, Map<String, String> env, Path dir, String key)
            throws IOException, InterruptedException {
        return start(label, command, env, dir, key, Duration.ofMinutes(3));
    }

    /**
     * The same, waiting up to {@code timeout}: a cluster node writes its port file once it has loaded the cluster's
     * functions (and replayed their warm-up inputs), minutes on a loaded machine.
     */
    static ServerProcess start(String label, List<String> command, Map<String, String> env, Path dir, String key,
                               Duration timeout) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path portFile = dir.resolve(label + ".port");
        Files.deleteIfExists(portFile);
        Path log = dir.resolve(label + ".log");
        List<String> full = new ArrayList<>(command);
        full.addAll(List.of("--port", "0", "--port-file", portFile.toString()));
        ProcessBuilder pb = new ProcessBuilder(full).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
        pb.environment().putAll(env);
        Process p = ChildProcesses.BENCH.start(pb);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!Files.exists(portFile) || Files.readString(portFile).isBlank()) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                ChildProcesses.kill(p.toHandle());
                throw new IllegalStateException("The " + label + " (" + String.join(" ", full)
                        + ") did not start; end of its log:\n" + tail(log));
            }
            Thread.sleep(100);
        }
        URI url = URI.create("http://127.0.0.1:" + Files.readString(portFile).trim());
        return new ServerProcess(label, p, log, key, url);
    }

    /** The name it was started under, e.g. {@code node-1}. */
    String label() {
        return label;
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.isAlive();
    }

    HttpResponse<String> send(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(url.resolve(path)).timeout(Duration.ofMinutes(3))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The first log line containing {@code text}, from {@code text} on (e.g. the node's "Truffle: ..."). */
    String logFrom(String text) {
        try {
            return Files.readAllLines(log).stream().filter(l -> l.contains(text)).findFirst()
                    .map(l -> l.substring(l.indexOf(text))).orElse("unknown");
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    /** The last lines of the server's log, for error messages. */
    String tail() {
        return tail(log);
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException | RuntimeException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Asks the server and what it started to stop (SIGTERM), kills whatever is left after 20 s, and waits. */
    @Override
    public void close() {
        ChildProcesses.stop(process.toHandle(), Duration.ofSeconds(20));
    }

    @Override
    public String toString() {
        return label + " at " + url;
    }
}
