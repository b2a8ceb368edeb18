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
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import io.hotvisor.runtime.Language;

/**
 * One instance of the baseline: a runner process (Node.js, CPython or HotSpot) serving one function, one request at a
 * time, over HTTP on loopback ({@code runner.js}, {@code runner.py}, {@link JavaRunner}).
 *
 * <p>Memory cap, as a 256 MB container would impose it on the runtime: Node's old space at 3/4 of the cap; the JVM
 * sized as in such a container ({@code -XX:MaxRAM=cap}, so 1/4 of it for the heap, and the serial collector a JVM
 * picks below 1792 MB); CPython has no heap flag. For all three the {@link InstancePool} kills an instance whose
 * RSS passes the cap (the container's OOM kill).
 */
final class RunnerProcess {
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    /** Why the pool ended an instance, when it did: a request that was in flight reports it. */
    volatile String killedFor;
    final BaselineFunction function;
    final Process process;
    final URI base;
    /** When the instance last finished a request, by the pool's ticker (ns). */
    long idleSince;

    private RunnerProcess(BaselineFunction function, Process process, int port) {
        this.function = function;
        this.process = process;
        this.base = URI.create("http://127.0.0.1:" + port);
    }

    long pid() {
        return process.pid();
    }

    /** Where the runner scripts and the bench class path are, and the Java options. */
    record Launch(Path runners, String classPath, Path logs, Optional<Path> aotCache, Optional<Path> aotOutput) {
    }

    /** Starts the runner as one of {@code children} and waits for it to listen. */
    static RunnerProcess start(BaselineFunction fn, Launch launch, ChildProcesses children)
            throws IOException, InterruptedException {
        Path portFile = Files.createTempFile(launch.logs(), fn.name() + "-", ".port");
        Files.delete(portFile);
        List<String> command = new ArrayList<>();
        switch (fn.language()) {
            case JAVASCRIPT -> command.addAll(List.of("node", "--max-old-space-size=" + Math.max(16, fn.memoryMb() * 3 / 4),
                    launch.runners().resolve("runner.js").toString()));
            case PYTHON -> command.addAll(List.of(python(), launch.runners().resolve("runner.py").toString()));
            case JAVA -> {
                command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
                command.addAll(List.of("-XX:MaxRAM=" + fn.memoryMb() + "m", "-XX:+UseSerialGC"));
                launch.aotCache().ifPresent(f -> command.add("-XX:AOTCache=" + f));
                launch.aotOutput().ifPresent(f -> command.add("-XX:AOTCacheOutput=" + f));
                command.addAll(List.of("-cp", launch.classPath() + java.io.File.pathSeparator
                        + fn.dir().resolve("function.jar"), JavaRunner.class.getName()));
            }
        }
        command.add(portFile.toString());
        ProcessBuilder pb = new ProcessBuilder(command).directory(fn.dir().toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(launch.logs().resolve(fn.name() + ".log").toFile()));
        Map<String, String> env = pb.environment();
        env.putAll(fn.env());
        Process p = children.start(pb);
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!Files.exists(portFile)) {
                if (!p.isAlive()) {
                    throw new IOException("The " + fn.language() + " runner of " + fn.name() + " exited with "
                            + p.exitValue() + " before listening; see " + launch.logs().resolve(fn.name() + ".log"));
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException("The runner of " + fn.name() + " did not listen within 120 s");
                }
                Thread.sleep(2);
            }
            RunnerProcess runner = new RunnerProcess(fn, p, Integer.parseInt(Files.readString(portFile).trim()));
            Files.deleteIfExists(portFile);
            return runner;
        } catch (IOException | InterruptedException | RuntimeException e) {
            ChildProcesses.kill(p.toHandle());
            throw e;
        }
    }

    /** POST /init: the runner's answer (200, or 502 with the function's load error). */
    HttpResponse<String> init() throws IOException, InterruptedException {
        String body = RESULTS.writeValueAsString(Map.of("dir", function.dir().toString(), "module", function.module(),
                "entry", function.entry(), "name", function.name()));
        return post("/init", body, Duration.ofSeconds(120));
    }

    /** POST /run with the event: the runner's answer. Throws HttpTimeoutException past {@code timeout}. */
    HttpResponse<String> run(String event, Duration timeout) throws IOException, InterruptedException {
        return post("/run", event, timeout);
    }

    HttpResponse<String> post(String path, String body, Duration timeout) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(base.resolve(path)).timeout(timeout)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Kills the runner and whatever it started (the JVM that writes an AOT cache at a training run's exit). */
    void kill(String reason) {
        killedFor = reason;
        ChildProcesses.kill(process.toHandle());
    }

    private static String python() {
        return Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper RESULTS =
            new com.fasterxml.jackson.databind.ObjectMapper();

    static boolean isJava(BaselineFunction fn) {
        return fn.language() == Language.JAVA;
    }
}
