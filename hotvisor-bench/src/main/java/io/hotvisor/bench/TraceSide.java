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
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One side of the trace comparison, started as a real process tree and driven only over HTTP: a Hotvisor node
 * ({@code bin/hotvisor node}, all functions in one JVM) or the baseline ({@code bench/baseline.sh}, one process per
 * function instance with OpenWhisk's keep-alive; env {@code BASELINE_CMD} names another script). Reads its memory from
 * /proc and its cold starts from its own counters: the node's {@code hotvisor_sandbox_creation_seconds_count} in
 * /metrics, the baseline's {@code coldStarts} in {@code GET /v1/baseline/stats}.
 */
final class TraceSide implements AutoCloseable {
    static final String KEY = "trace-bench-admin-key";

    private final String name;
    private final Process process;
    private final URI url;
    private final Path log;
    private final HttpClient http;
    private final String command;

    private TraceSide(String name, Process process, URI url, Path log, HttpClient http, String command) {
        this.name = name;
        this.process = process;
        this.url = url;
        this.log = log;
        this.http = http;
        this.command = command;
    }

    /** A node with {@code -Xmx<heapMb>m} (HOTVISOR_JAVA_OPTS), the admin key set, a fresh data dir. */
    static TraceSide hotvisor(Path root, Path work, TraceOptions o, int heapMb, HttpClient http) {
        List<String> cmd = List.of(root.resolve("bin/hotvisor").toString(), "node", "--port", "0", "--port-file",
                work.resolve("port").toString(), "--data-dir", work.resolve("data").toString(), "--keep-alive",
                o.keepAlive().toSeconds() + "s");
        return start("hotvisor", root, work, cmd, Map.of("HOTVISOR_JAVA_OPTS", "-Xmx" + heapMb + "m"), http);
    }

    /** The baseline server of branch density, through its script; a clear error if it is not there. */
    static TraceSide baseline(Path root, Path work, TraceOptions o, int memoryCapMb, int maxInstances,
                              HttpClient http) {
        String script = baselineScript(root);
        if (!Files.isExecutable(Path.of(script))) {
            throw new TraceException("The baseline is not available: '" + script + "' does not exist or is not"
                    + " executable (bench/baseline.sh comes from branch density; set BASELINE_CMD to another copy,"
                    + " or run with --side hotvisor)");
        }
        List<String> cmd = List.of(script, "--port", "0", "--port-file", work.resolve("port").toString(),
                "--keep-alive", o.keepAlive().toSeconds() + "s", "--memory-cap-mb", String.valueOf(memoryCapMb),
                "--max-instances", String.valueOf(maxInstances), "--work-dir", work.resolve("instances").toString());
        return start("baseline", root, work, cmd, Map.of(), http);
    }

    /** {@code -Dhotvisor.baseline.cmd}, else env {@code BASELINE_CMD}, else {@code bench/baseline.sh}. */
    static String baselineScript(Path root) {
        String property = System.getProperty("hotvisor.baseline.cmd", "");
        return !property.isBlank() ? property
                : System.getenv().getOrDefault("BASELINE_CMD", root.resolve("bench/baseline.sh").toString());
    }

    private static TraceSide start(String name, Path root, Path work, List<String> cmd, Map<String, String> env,
                                   HttpClient http) {
        Path log = work.resolve(name + ".log");
        Process p;
        try {
            Files.createDirectories(work);
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            pb.environment().putAll(env);
            pb.environment().put("HOTVISOR_ADMIN_KEY", KEY);
            String buildDir = System.getProperty("hotvisor.build.dir", "");
            if (!buildDir.isBlank()) {
                pb.environment().put("HOTVISOR_BUILD_DIR", buildDir);
            }
            p = pb.start();
        } catch (IOException e) {
            throw new TraceException("Could not start " + name + " with " + cmd + ": " + e.getMessage(), e);
        }
        Path portFile = work.resolve("port");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        try {
            while (true) {
                if (Files.exists(portFile) && !Files.readString(portFile).isBlank()) {
                    break;
                }
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    String tail = tail(log);
                    ChildProcesses.stop(p.toHandle(), Duration.ofSeconds(15));
                    throw new TraceException("The " + name + " side " + (p.isAlive() ? "did not start within 300 s"
                            : "exited with " + p.exitValue()) + " (" + String.join(" ", cmd) + "); end of its log:\n"
                            + tail);
                }
                Thread.sleep(200);
            }
            URI url = URI.create("http://127.0.0.1:" + Files.readString(portFile).trim());
            return new TraceSide(name, p, url, log, http, String.join(" ", cmd));
        } catch (IOException | InterruptedException e) {
            ChildProcesses.stop(p.toHandle(), Duration.ofSeconds(15));
            throw new TraceException("Waiting for " + name + " to listen: " + e, e);
        }
    }

    String name() {
        return name;
    }

    URI url() {
        return url;
    }

    String command() {
        return command;
    }

    boolean alive() {
        return process.isAlive();
    }

    HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(url.resolve(path)).header("Authorization", "Bearer " + KEY)
                .timeout(Duration.ofMinutes(2));
    }

    /**
     * PUT /v1/functions/{name}. {@code memoryMb} means different things on the two sides, so each gets what lets a call
     * of {@code callMb} run: on the node it bounds what one call allocates (twice the call's data, at least the
     * default 256); in the baseline it is the instance's memory cap (a JVM's -XX:MaxRAM, whose default heap is a
     * quarter of it: four times the call's data plus 256, at least OpenWhisk's 256). Only the node gets
     * {@code concurrency}, a field the baseline contract lacks.
     */
    void deploy(String function, String jarBase64, int callMb, long timeoutMs, int concurrency) {
        int memoryMb = name.equals("hotvisor") ? Math.min(16_384, Math.max(256, 2 * callMb + 64))
                : instanceCapMb(callMb);
        Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("language", "java");
        body.put("handler", TraceFunction.HANDLER);
        body.put("archive", jarBase64);
        body.put("memoryMb", memoryMb);
        body.put("timeoutMs", timeoutMs);
        if (name.equals("hotvisor")) {
            body.put("concurrency", concurrency);
        }
        try {
            HttpResponse<String> r = http.send(request("/v1/functions/" + function)
                    .header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString(Results.JSON.writeValueAsString(body))).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200 && r.statusCode() != 201) {
                throw new TraceException("Deploying " + function + " on " + name + " failed: HTTP " + r.statusCode()
                        + " " + r.body());
            }
        } catch (IOException | InterruptedException e) {
            throw new TraceException("Deploying " + function + " on " + name + ": " + e + "; end of its log:\n"
                    + tail(log), e);
        }
    }

    /** The baseline's memory cap for an instance whose calls hold {@code callMb}. */
    static int instanceCapMb(int callMb) {
        return Math.max(256, 4 * callMb + 256);
    }

    /** Sandboxes (node) or instance processes (baseline) created so far. */
    long coldStarts() {
        try {
            if (name.equals("hotvisor")) {
                String metrics = get("/metrics");
                return (long) metrics.lines().filter(l -> l.startsWith("hotvisor_sandbox_creation_seconds_count"))
                        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
            }
            return Results.JSON.readTree(get("/v1/baseline/stats")).path("coldStarts").asLong(-1);
        } catch (IOException | InterruptedException | RuntimeException e) {
            throw new TraceException("Could not read the cold starts of " + name + ": " + e, e);
        }
    }

    /**
     * The pids of the side's process tree, split into the front and the function instances. The front is the
     * process started (a script that execs java: the node, the baseline's server), followed down through wrapper
     * processes that have a single child and are not a JVM; everything below the front are instances (the baseline's
     * runners and what they start; a node's process-isolation workers). Read from /proc only, so a side too busy to
     * answer HTTP is still sampled.
     */
    Processes processes() {
        ProcessHandle front = process.toHandle();
        List<Long> frontPids = new ArrayList<>();
        while (true) {
            frontPids.add(front.pid());
            List<ProcessHandle> children = front.children().toList();
            boolean jvm = front.info().command().map(c -> c.endsWith("/java")).orElse(false);
            if (jvm || children.size() != 1) {
                break;
            }
            front = children.getFirst();
        }
        List<Long> instances = front.descendants().map(ProcessHandle::pid).toList();
        return new Processes(frontPids, instances);
    }

    /** The side's processes at one moment. */
    record Processes(List<Long> front, List<Long> instances) {
        Stream<Long> all() {
            return Stream.concat(front.stream(), instances.stream());
        }
    }

    String get(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("GET " + path + " answered " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }

    /** The last lines of the side's log (for errors and for the Truffle runtime line). */
    String logTail() {
        return tail(log);
    }

    Path log() {
        return log;
    }

    @Override
    public void close() {
        ChildProcesses.stop(process.toHandle(), Duration.ofSeconds(15));
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException | RuntimeException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
