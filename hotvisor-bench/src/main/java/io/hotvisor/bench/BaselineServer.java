package io.hotvisor.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import io.hotvisor.runtime.Ticker;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * The comparison baseline: OpenWhisk's execution model on one machine, with a Hotvisor node's HTTP API. Each function
 * instance is a process of its own (Node.js, CPython 3, or HotSpot JDK 25 with or without an AOT cache) serving one
 * request at a time through an action-proxy style runner; instances are made on demand, kept alive while idle for
 * the keep-alive (default 10 minutes, OpenWhisk's), then killed; each is held to a memory cap.
 *
 * <p>API (a node's): {@code PUT /v1/functions/{name}}, {@code GET}/{@code DELETE} of it,
 * {@code POST /v1/functions/{name}/invoke} (sync; 404 unknown, 429 no instance can be had, 502 function error,
 * 504 timeout; header {@code X-Hotvisor-Cold-Start}), {@code GET /healthz}, and {@code GET /v1/baseline/stats}:
 * {@code {"instances","coldStarts","pids","rssBytes","serverRssBytes","instancesRssBytes"}} where
 * {@code rssBytes} = this server's RSS plus every instance's (from /proc). An Authorization header is ignored.
 *
 * <p>The HTTP server is the JDK's ({@code com.sun.net.httpserver}) on virtual threads: this front process should
 * cost little memory and have no dependency beyond the bench class path.
 *
 * <p>Run: {@code bench/baseline.sh [--port P] [--port-file F] [--keep-alive 10m] [--memory-cap-mb 256]
 * [--max-instances N] [--work-dir D] [--aot]}.
 */
public final class BaselineServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(BaselineServer.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FUNCTIONS = "/v1/functions/";

    private final BaselineOptions options;
    private final Path workDir;
    private final boolean ownWorkDir;
    private final InstancePool pool;
    private final HttpServer http;
    private final ScheduledExecutorService reaper;
    private final Map<String, BaselineFunction> functions = new ConcurrentHashMap<>();
    private final AtomicInteger versions = new AtomicInteger();

    private BaselineServer(BaselineOptions options, Ticker ticker) throws IOException {
        this.options = options;
        this.ownWorkDir = options.workDir().isEmpty();
        this.workDir = options.workDir().orElse(Files.createTempDirectory("hotvisor-baseline-")).toAbsolutePath();
        Path runners = Files.createDirectories(workDir.resolve("runners"));
        for (String script : List.of("runner.js", "runner.py")) {
            try (InputStream in = BaselineServer.class.getResourceAsStream(script)) {
                Files.copy(in, runners.resolve(script), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        this.pool = new InstancePool(options, runners, System.getProperty("java.class.path"),
                Files.createDirectories(workDir.resolve("logs")), workDir.resolve("aot"), ticker);
        this.http = HttpServer.create(new InetSocketAddress("127.0.0.1", options.port()), 1024);
        http.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        http.createContext("/", this::handle);
        this.reaper = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("reaper").unstarted(r));
        reaper.scheduleWithFixedDelay(() -> {
            try {
                pool.reap();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "Reaping instances failed", e);
            }
        }, 1, 1, TimeUnit.SECONDS);
        http.start();
    }

    /** Starts a server; {@link #port()} tells where it listens. */
    static BaselineServer start(BaselineOptions options) throws IOException {
        return new BaselineServer(options, Ticker.system());
    }

    /** A server whose keep-alive decisions read {@code ticker} (tests advance a fake one, then call {@link #reap}). */
    static BaselineServer start(BaselineOptions options, Ticker ticker) throws IOException {
        return new BaselineServer(options, ticker);
    }

    /** Ends idle instances past the keep-alive and instances over their cap now (the reaper does it every second). */
    void reap() {
        pool.reap();
    }

    int port() {
        return http.getAddress().getPort();
    }

    public static void main(String[] args) throws Exception {
        BaselineOptions options = PresetArgs.orExit("baseline", () -> BaselineOptions.parse(args));
        BaselineServer server = start(options);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        if (options.portFile().isPresent()) {
            Path f = options.portFile().get();
            Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
            Files.writeString(tmp, Integer.toString(server.port()));
            Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        System.out.println("Baseline server listening on http://127.0.0.1:" + server.port() + " (work dir "
                + server.workDir + ", keep-alive " + options.keepAlive() + ", memory cap " + options.memoryCapMb()
                + " MB, AOT " + options.aot() + ")");
        Thread.currentThread().join();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            if (path.equals("/healthz") && method.equals("GET")) {
                reply(ex, 200, Map.of("status", "ok"));
            } else if (path.equals("/v1/baseline/stats") && method.equals("GET")) {
                reply(ex, 200, stats());
            } else if (path.startsWith(FUNCTIONS) && path.endsWith("/invoke") && method.equals("POST")) {
                invoke(ex, path.substring(FUNCTIONS.length(), path.length() - "/invoke".length()));
            } else if (path.startsWith(FUNCTIONS) && path.indexOf('/', FUNCTIONS.length()) < 0) {
                function(ex, method, path.substring(FUNCTIONS.length()));
            } else {
                error(ex, 404, "NotFound", "No route " + method + " " + path);
            }
        } catch (RuntimeException | IOException e) {
            LOG.log(Level.WARNING, "Request " + ex.getRequestURI() + " failed", e);
            try {
                error(ex, 500, "PlatformError", "The baseline server failed: " + e.getClass().getSimpleName());
            } catch (IOException | RuntimeException ignored) {
                // The response was already under way.
            }
        }
    }

    private void function(HttpExchange ex, String method, String name) throws IOException {
        switch (method) {
            case "PUT" -> {
                JsonNode body;
                try {
                    body = JSON.readTree(readBody(ex));
                } catch (JacksonException e) {
                    error(ex, 400, "BadRequest", "The body is not JSON: " + e.getOriginalMessage());
                    return;
                }
                BaselineFunction fn;
                try {
                    fn = BaselineFunction.deploy(name, versions.incrementAndGet(), body, workDir.resolve("functions"),
                            options.memoryCapMb());
                    if (options.aot()) {
                        pool.prepare(fn);
                    }
                } catch (BaselineFunction.BadDeploy e) {
                    error(ex, 400, "BadRequest", e.getMessage());
                    return;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    error(ex, 503, "Interrupted", "Deploy of " + name + " interrupted");
                    return;
                }
                BaselineFunction old = functions.put(name, fn);
                pool.deployed(fn);
                reply(ex, old == null ? 201 : 200, describe(fn));
            }
            case "GET" -> {
                BaselineFunction fn = functions.get(name);
                if (fn == null) {
                    error(ex, 404, "NotFound", "Function '" + name + "' not found");
                } else {
                    reply(ex, 200, describe(fn));
                }
            }
            case "DELETE" -> {
                BaselineFunction fn = functions.remove(name);
                pool.deleted(name);
                if (fn == null) {
                    error(ex, 404, "NotFound", "Function '" + name + "' not found");
                } else {
                    ex.sendResponseHeaders(204, -1);
                }
            }
            default -> error(ex, 405, "MethodNotAllowed", "Method " + method + " not allowed on " + FUNCTIONS + name);
        }
    }

    private void invoke(HttpExchange ex, String name) throws IOException {
        String event = readBody(ex);
        BaselineFunction fn = functions.get(name);
        if (fn == null) {
            error(ex, 404, "NotFound", "Function '" + name + "' not found");
            return;
        }
        long start = System.nanoTime();
        InstancePool.Lease lease;
        try {
            lease = pool.acquire(fn);
        } catch (InstancePool.NoCapacity e) {
            error(ex, 429, "TooManyInstances", e.getMessage());
            return;
        } catch (IOException e) {
            error(ex, 502, "InstanceStartFailed", e.getMessage());
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error(ex, 503, "Interrupted", "Interrupted while starting an instance of " + name);
            return;
        }
        RunnerProcess instance = lease.instance();
        ex.getResponseHeaders().set("X-Hotvisor-Cold-Start", Boolean.toString(lease.cold()));
        boolean usable = false;
        try {
            if (lease.cold()) {
                HttpResponse<String> init = instance.init();
                if (init.statusCode() != 200) {
                    send(ex, 502, init.body(), start);
                    return;
                }
            }
            HttpResponse<String> run = instance.run(event.isBlank() ? "{}" : event, fn.timeout());
            usable = true;
            send(ex, run.statusCode() == 200 ? 200 : 502, run.body(), start);
        } catch (HttpTimeoutException e) {
            instance.kill("timed out");
            error(ex, 504, "Timeout", "Function " + name + " did not answer within " + fn.timeout().toMillis() + " ms");
        } catch (IOException e) {
            String why = instance.killedFor;
            error(ex, 502, why != null && why.startsWith("MemoryLimitExceeded") ? "MemoryLimitExceeded" : "InstanceDied",
                    "The instance of " + name + " ended during the request: " + (why != null ? why : e.toString()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error(ex, 503, "Interrupted", "Interrupted while invoking " + name);
        } finally {
            pool.release(instance, usable);
        }
    }

    private Map<String, Object> stats() {
        Map<String, Object> m = pool.stats();
        @SuppressWarnings("unchecked")
        List<Long> pids = (List<Long>) m.get("pids");
        long server = ProcMemory.rssBytes(ProcessHandle.current().pid()).orElse(0);
        long instances = ProcMemory.sumRssBytes(pids);
        m.put("rssBytes", server + instances);
        m.put("serverRssBytes", server);
        m.put("instancesRssBytes", instances);
        return m;
    }

    private static Map<String, Object> describe(BaselineFunction fn) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", fn.name());
        m.put("language", fn.language().id());
        m.put("handler", fn.handler());
        m.put("version", fn.version());
        m.put("memoryMb", fn.memoryMb());
        m.put("timeoutMs", fn.timeout().toMillis());
        return m;
    }

    private static String readBody(HttpExchange ex) throws IOException {
        try (InputStream in = ex.getRequestBody()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static void send(HttpExchange ex, int status, String json, long startNanos) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.getResponseHeaders().set("X-Hotvisor-Duration-Us", Long.toString((System.nanoTime() - startNanos) / 1000));
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static void reply(HttpExchange ex, int status, Object value) throws IOException {
        send(ex, status, JSON.writeValueAsString(value), System.nanoTime());
    }

    private static void error(HttpExchange ex, int status, String type, String message) throws IOException {
        reply(ex, status, Map.of("error", Map.of("type", type, "message", message)));
    }

    @Override
    public void close() {
        http.stop(0);
        reaper.shutdownNow();
        pool.close();
        if (ownWorkDir) {
            try (Stream<Path> files = Files.walk(workDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.DEBUG, "Could not delete " + workDir, e);
            }
        }
    }
}
