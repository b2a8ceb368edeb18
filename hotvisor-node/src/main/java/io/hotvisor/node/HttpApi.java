package io.hotvisor.node;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.RequestException;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.hotvisor.cluster.Endpoints;
import io.hotvisor.runtime.InvocationFailure;
import io.hotvisor.runtime.InvocationResult;
import io.hotvisor.runtime.WarmUp;
import io.hotvisor.runtime.Warmth;
import io.hotvisor.runtime.WarmthTracker;

/**
 * The HTTP API, v1 (see DESIGN.md "HTTP API contract"), plus the Graalvisor/Hydra calls {@code POST /register} and
 * {@code POST /}. Handlers run on Helidon's virtual threads and only wait there: guest code runs on the
 * dispatchers' platform threads.
 */
final class HttpApi {
    private static final System.Logger LOG = System.getLogger(HttpApi.class.getName());
    private static final String JSON = "application/json";
    static final String INVOCATION_ID = "X-Hotvisor-Invocation-Id";
    static final String DURATION_US = "X-Hotvisor-Duration-Us";
    /** The warmth state a synchronous invocation ran in, by this node's judgement: {@code hot} or {@code warming}. */
    static final String WARMTH = "X-Hotvisor-Warmth";
    /** The CPU time a synchronous invocation took, in microseconds: what its warmth was judged on. */
    static final String CPU_US = "X-Hotvisor-Cpu-Us";
    static final String VERSION = "X-Hotvisor-Function-Version";
    /** Sent by the gateway: the cluster version of the function it routed the invocation for. */
    static final String CATALOG_VERSION = "X-Hotvisor-Catalog-Version";

    private final Access access;
    private final AdminApi admin;
    private final NodeMetrics metrics;
    private final AsyncInvocations async;
    /** The cluster this node belongs to; null for a node on its own. */
    private final java.util.function.Supplier<ClusterLink> clusterRef;
    private final java.time.Duration asyncRetention;
    private final NodeStatus status;

    HttpApi(Access access, AdminApi admin, NodeMetrics metrics, AsyncInvocations async,
            java.util.function.Supplier<ClusterLink> cluster,
            java.time.Duration asyncRetention, NodeStatus status) {
        this.status = status;
        this.access = access;
        this.admin = admin;
        this.metrics = metrics;
        this.async = async;
        this.clusterRef = cluster;
        this.asyncRetention = asyncRetention;
    }

    /**
     * Every route but {@code /healthz} and {@code /readyz} first checks the caller's key (see {@link Access}): a request without a valid
     * key learns nothing else, not even whether its path exists.
     */
    void routes(HttpRouting.Builder r) {
        Endpoints api = new Endpoints(r);
        api.get("/healthz", (req, res) -> json(res, 200, Json.object().put("status", "ok")))
                .get("/readyz", (req, res) -> json(res, status.isReady() ? 200 : 503, status.readiness()))
                .get("/v1/node", (req, res) -> {
                    access.admin(req);
                    json(res, 200, status.toJson());
                })
                .get("/metrics", (req, res) -> {
                    access.admin(req);
                    res.header(HeaderNames.CONTENT_TYPE, NodeMetrics.CONTENT_TYPE);
                    res.send(metrics.scrape());
                })
                .get("/v1/functions", (req, res) -> list(access.functions(req), res))
                .get("/v1/functions/{name}", (req, res) -> describe(access.functions(req), name(req), res))
                .get("/v1/functions/{name}/logs", (req, res) -> logs(access.functions(req), name(req), req, res))
                .put("/v1/functions/{name}", (req, res) -> deploy(access.functions(req), name(req), req, res))
                .delete("/v1/functions/{name}", (req, res) -> delete(access.functions(req), name(req), res))
                .post("/v1/functions/{name}/invoke", (req, res) -> invoke(access.functions(req), name(req), req, res))
                .get("/v1/invocations/{id}", (req, res) -> invocation(access.functions(req),
                        req.path().pathParameters().get("id"), res))
                .post("/register", (req, res) -> graalvisorRegister(access.functions(req), req, res))
                .post("/", (req, res) -> graalvisorInvoke(access.functions(req), req, res));
        admin.routes(api);
        r.any((req, res) -> unrouted(api, req, Endpoints.forMethod(req, res)))
                .error(ApiException.class, (req, res, e) -> {
                    ServerResponse out = Endpoints.forMethod(req, res);
                    if (e.status() == 401) {
                        out.header(HeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"hotvisor\"");
                    }
                    e.retryAfter().ifPresent(seconds -> out.header(HeaderNames.RETRY_AFTER, Long.toString(seconds)));
                    error(out, e.status(), e.type(), e.getMessage());
                })
                .error(RequestException.class, (req, res, e) -> {
                    int status = e.status().code();
                    error(Endpoints.forMethod(req, res), status, status == 413 ? "PayloadTooLarge" : "BadRequest",
                            e.getMessage());
                })
                .error(Exception.class, (req, res, e) -> {
                    LOG.log(Level.ERROR, "Request " + req.prologue().method().text() + " " + req.path().path()
                            + " failed", e);
                    error(Endpoints.forMethod(req, res), 500, "InternalError",
                            "The node failed to handle the request; see its log");
                });
    }

    /**
     * Answers a request no route took, once its key is checked: a path the API has, asked with another method, gets
     * 405 and the methods it takes ({@code Allow}; {@code OPTIONS} gets 204 and the same header); any other path 404.
     */
    private void unrouted(Endpoints api, ServerRequest req, ServerResponse res) {
        access.caller(req);
        String path = DeployRequest.printable(req.path().path());
        if (!api.answerOtherMethod(req, res, path, HttpApi::error)) {
            error(res, 404, "NotFound", "No endpoint " + req.prologue().method().text() + " " + path
                    + "; see the API: /v1/functions, "
                    + "/v1/functions/{name}, /v1/functions/{name}/invoke, /v1/functions/{name}/logs,"
                    + " /v1/invocations/{id},"
                    + " /v1/namespaces, /v1/admin-keys, /v1/node, /healthz, /readyz, /metrics");
        }
    }

    /**
     * Answers what the server refuses before routing, as JSON like every other error instead of Helidon's empty
     * body: a body whose declared length is over the limit (Helidon reports it as a BAD_REQUEST event with status
     * 413; a client sending {@code Expect: 100-continue}, as curl does for large bodies, learns it before sending the
     * body), and requests that are not valid HTTP.
     */
    static DirectHandler directError(long maxBodyBytes) {
        return (request, type, status, headers, message) -> {
            byte[] body = status.code() == 413
                    ? Json.error("PayloadTooLarge", "The request body is larger than this node accepts: the limit is "
                            + maxBodyBytes + " bytes (node option --max-body-bytes)")
                    : Json.error("BadRequest", message == null || message.isBlank()
                            ? "The request is not valid HTTP (" + status.code() + " " + status.reasonPhrase() + ")"
                            : message);
            return DirectHandler.TransportResponse.builder()
                    .status(status)
                    .headers(headers)
                    .header(HeaderNames.CONTENT_TYPE, JSON)
                    .entity(body)
                    .build();
        };
    }

    private static String name(ServerRequest req) {
        return req.path().pathParameters().get("name");
    }

    private static byte[] body(ServerRequest req) {
        try {
            return req.content().inputStream().readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void list(FunctionRegistry registry, ServerResponse res) {
        ObjectNode root = Json.object();
        ArrayNode arr = root.putArray("functions");
        registry.all().forEach(l -> arr.add(describe(registry, l, false)));
        registry.failed().forEach((name, why) -> arr.addObject().put("name", name).put("state", "failed")
                .put("error", why));
        json(res, 200, root);
    }

    /** A live function; with {@code trajectory}, its warmth carries the first and recent latencies too. */
    private ObjectNode describe(FunctionRegistry registry, FunctionRegistry.Live l, boolean trajectory) {
        ObjectNode n = FunctionStore.toJson(l.stored());
        n.put("state", "ready");
        n.putObject("sandboxes").put("live", l.dispatcher().liveSandboxes())
                .put("busy", l.dispatcher().busySandboxes()).put("queued", l.dispatcher().queueDepth());
        WarmthTracker tracker = registry.warmth();
        (trajectory ? tracker.warmth(l.stored().name()) : tracker.summary(l.stored().name()))
                .filter(w -> w.version() == l.stored().version())
                .ifPresent(w -> n.set("warmth", warmth(w, registry.warmth().options().hotFactor(), trajectory)));
        if (l.warmUp().result().outcome() != WarmUp.Outcome.NONE) {
            n.set("warmUp", warmUp(l.warmUp()));
        }
        n.putObject("engine").put("name", l.dispatcher().engine().kind().id())
                .put("reason", l.dispatcher().engine().reason());
        l.dispatcher().aotCache().ifPresent(a -> n.putObject("aotCache").put("source", a.source().id())
                .put("origin", a.origin()).put("bytes", a.bytes()).put("sharing", a.sharing())
                .put("shared", a.shared()).put("opened", a.opened()).put("note", a.note()));
        l.dispatcher().snapshot().ifPresent(sn -> n.putObject("snapshot").put("state", sn.state().id())
                .put("lastWorker", sn.lastRestored() ? "restored" : "fresh").put("restores", sn.restores())
                .put("bytes", sn.bytes()).put("dumpMs", sn.dumpMillis()).put("sharing", sn.sharing())
                .put("shared", sn.shared()).put("origin", sn.origin()).put("note", sn.note()));
        return n;
    }

    /**
     * {@code {"policy", "targetUs"?, "replays", "ms", "lastReplayUs", "outcome", "detail"?, "recheck"?}}: what the
     * warm-up replays of the live version did (outcome {@code running} while they run alongside traffic), and
     * {@code recheck} ({@code {"rounds", "replays", "ms", "lastReplayUs", "outcome", "detail"?}}) what its re-check
     * did, when a starting node ran one (replays and time over all its rounds, the last round's last replay and
     * outcome).
     */
    static ObjectNode warmUp(FunctionRegistry.WarmUpRun run) {
        WarmUp w = run.result();
        ObjectNode o = Json.object().put("policy", run.policy().id());
        putUs(o, "targetUs", run.targetNanos());
        replays(o, w);
        run.recheck().ifPresent(r -> replays(o.putObject("recheck").put("rounds", run.recheckRounds()), r));
        return o;
    }

    /** Puts {@code "replays", "ms", "lastReplayUs", "outcome", "detail"?} of {@code w} in {@code o}. */
    private static void replays(ObjectNode o, WarmUp w) {
        o.put("replays", w.replays()).put("ms", w.nanos() / 1_000_000)
                .put("lastReplayUs", w.lastNanos() / 1000.0).put("outcome", w.outcome().id());
        if (!w.detail().isEmpty()) {
            o.put("detail", w.detail());
        }
    }

    /**
     * {@code {"state", "measure", "steadyStateUs", "fleetSteadyStateUs", "referenceUs", "reference", "floorUs", "hotFactor",
     * "invocations": {"hot", "warming", "notHotFraction"}, "firstInvocationsUs": [...], "recentUs": [...]}};
     * latencies in microseconds, absent where not known. See README, "Warmth".
     */
    static ObjectNode warmth(Warmth w, double hotFactor, boolean trajectory) {
        ObjectNode o = Json.object().put("state", w.state().id()).put("measure", Warmth.Measure.CPU.id());
        putUs(o, "steadyStateUs", w.steadyStateNanos());
        putUs(o, "fleetSteadyStateUs", w.fleetSteadyStateNanos());
        putUs(o, "referenceUs", w.referenceNanos());
        o.put("reference", w.reference().id());
        putUs(o, "floorUs", w.floorNanos());
        o.put("hotFactor", hotFactor);
        o.putObject("invocations").put("hot", w.hotInvocations()).put("warming", w.warmingInvocations())
                .put("notHotFraction", w.notHotFraction());
        if (trajectory) {
            ArrayNode first = o.putArray("firstInvocationsUs");
            w.firstNanos().forEach(nanos -> first.add(nanos / 1000.0));
            ArrayNode recent = o.putArray("recentUs");
            w.recentNanos().forEach(nanos -> recent.add(nanos / 1000.0));
        }
        return o;
    }

    private static void putUs(ObjectNode o, String field, long nanos) {
        if (nanos > 0) {
            o.put(field, nanos / 1000.0);
        }
    }

    private void describe(FunctionRegistry registry, String name, ServerResponse res) {
        DeployRequest.checkName(name);
        FunctionRegistry.Live l = registry.get(name).orElseThrow(() -> registry.unknown(name));
        json(res, 200, describe(registry, l, true));
    }

    /** The most lines {@code GET /v1/functions/{name}/logs} answers with, and how many without {@code limit}. */
    static final int MAX_LOG_LINES = FunctionLogs.MAX_LINES;
    static final int DEFAULT_LOG_LINES = 100;

    /**
     * {@code GET /v1/functions/{name}/logs?limit=&invocation=}: {@code {"function", "lines": [{"time", "version",
     * "invocationId", "stream": "stdout"|"stderr", "text"}], "dropped"}}, the newest {@code limit} lines this node
     * kept of the function's output (of one invocation with {@code invocation}), oldest first; {@code dropped}: older
     * lines no longer kept.
     */
    private void logs(FunctionRegistry registry, String name, ServerRequest req, ServerResponse res) {
        DeployRequest.checkName(name);
        registry.get(name).orElseThrow(() -> registry.unknown(name));
        int limit = DEFAULT_LOG_LINES;
        if (req.query().contains("limit")) {
            String asked = req.query().get("limit");
            try {
                limit = Integer.parseInt(asked.strip());
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > MAX_LOG_LINES) {
                throw ApiException.badRequest("Query parameter 'limit' must be a whole number from 1 to "
                        + MAX_LOG_LINES + "; got '" + DeployRequest.printable(asked) + "'");
            }
        }
        Optional<String> invocation = req.query().contains("invocation")
                ? Optional.of(req.query().get("invocation").strip()) : Optional.empty();
        FunctionLogs.Recent recent = registry.logs().recent(name, invocation, limit);
        ObjectNode root = Json.object().put("function", name);
        ArrayNode lines = root.putArray("lines");
        for (FunctionLogs.Line l : recent.lines()) {
            ObjectNode o = lines.addObject().put("time", l.time().toString()).put("version", l.version());
            if (l.invocationId() != null) {
                o.put("invocationId", l.invocationId());
            }
            o.put("stream", l.stderr() ? "stderr" : "stdout").put("text", l.text());
        }
        root.put("dropped", recent.dropped());
        json(res, 200, root);
    }

    private void deploy(FunctionRegistry registry, String name, ServerRequest req, ServerResponse res) {
        ClusterLink cluster = clusterRef.get();
        JsonNode json = Json.parse(body(req), "a function definition object");
        DeployRequest request = DeployRequest.parse(name, json);
        FunctionRegistry.Deployed d = cluster == null ? registry.deploy(request) : cluster.deploy(registry, request, json);
        ObjectNode body = FunctionStore.toJson(d.stored());
        body.put("state", "ready");
        body.put("loadMs", d.loadNanos() / 1_000_000);
        if (d.warmUp().result().outcome() != WarmUp.Outcome.NONE) {
            body.set("warmUp", warmUp(d.warmUp()));
        }
        json(res, d.created() ? 201 : 200, body);
    }

    private void delete(FunctionRegistry registry, String name, ServerResponse res) {
        ClusterLink cluster = clusterRef.get();
        DeployRequest.checkName(name);
        if (!(cluster == null ? registry.delete(name) : cluster.delete(registry, name))) {
            throw registry.unknown(name);
        }
        json(res, 200, Json.object().put("deleted", name));
    }

    private void invoke(FunctionRegistry registry, String name, ServerRequest req, ServerResponse res) {
        ClusterLink cluster = clusterRef.get();
        DeployRequest.checkName(name);
        String mode = req.query().contains("mode") ? req.query().get("mode") : "sync";
        String event = event(body(req), "the event as JSON");
        String id = UUID.randomUUID().toString();
        res.header(INVOCATION_ID, id);
        // In a cluster, a sync invocation waits for this node's copy of the function at most --load-wait (then 503
        // FunctionLoading); an async one only starts loading it: whichever node takes it from the queue runs it.
        if (cluster != null && "sync".equals(mode)
                && !cluster.ensure(registry, name, catalogVersion(req), cluster.loadWait())) {
            metrics.functionLoading(registry.namespace(), name);
            throw cluster.stillLoading(name);
        }
        switch (mode) {
            case "sync" -> respond(res, registry.invoke(name, event, id));
            case "async" -> {
                if (cluster == null) {
                    async.submit(registry, name, event, id);
                } else {
                    boolean loading = !cluster.ensure(registry, name, catalogVersion(req), java.time.Duration.ZERO);
                    if (!loading && registry.get(name).isEmpty()) {
                        throw registry.unknown(name);
                    }
                    try {
                        cluster.store().submit(new io.hotvisor.cluster.AsyncTask("", id, registry.namespace(), name,
                                event, java.time.Instant.now()), asyncRetention);
                    } catch (io.hotvisor.cluster.ClusterException e) {
                        throw new ApiException(503, "ClusterUnavailable", "Cannot queue the invocation: "
                                + e.getMessage());
                    }
                }
                json(res, 202, Json.object().put("id", id).put("status", "queued"));
            }
            default -> throw ApiException.badRequest("Query parameter 'mode' must be 'sync' or 'async'; got '"
                    + DeployRequest.printable(mode) + "'");
        }
    }

    /** The {@value #CATALOG_VERSION} header; -1 when absent or not a number (then any version serves). */
    private static long catalogVersion(ServerRequest req) {
        try {
            return req.headers().first(HeaderNames.create(CATALOG_VERSION)).map(String::strip).map(Long::parseLong)
                    .orElse(-1L);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Checks that an event is JSON ({@code what} names it in the error) and returns it {@linkplain Json#compact
     *  compact}; an empty body, or one of whitespace alone, is the empty object. */
    private static String event(byte[] body, String what) {
        String event = Json.compact(body);
        if (event.isEmpty()) {
            return "{}";
        }
        Json.parse(body, what);
        return event;
    }

    /**
     * Waits for an invocation; answers its failure (classified) and returns empty if it failed.
     */
    private static Optional<InvocationResult> await(ServerResponse res, CompletableFuture<InvocationResult> future) {
        try {
            return Optional.of(future.get());
        } catch (ExecutionException | CompletionException e) {
            failure(res, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error(res, 503, "Cancelled", "The node is stopping");
        }
        return Optional.empty();
    }

    private static void respond(ServerResponse res, CompletableFuture<InvocationResult> future) {
        Optional<InvocationResult> result = await(res, future);
        if (result.isEmpty()) {
            return;
        }
        InvocationResult r = result.get();
        res.header(DURATION_US, Long.toString(r.durationNanos() / 1000));
        r.warmth().ifPresent(state -> res.header(WARMTH, state.id()));
        r.cpuNanos().ifPresent(nanos -> res.header(CPU_US, Long.toString(nanos / 1000)));
        res.header(VERSION, Long.toString(r.version()));
        res.header(HeaderNames.CONTENT_TYPE, JSON);
        res.status(200).send(r.json().getBytes(StandardCharsets.UTF_8));
    }

    private static void failure(ServerResponse res, Throwable cause) {
        if (!(cause instanceof InvocationFailure f)) {
            LOG.log(Level.ERROR, "Invocation failed inside the platform", cause);
            error(res, 500, "PlatformFault", "The invocation failed inside the platform; see the node's log");
            return;
        }
        ObjectNode root = Json.object();
        ObjectNode err = root.putObject("error").put("type", f.errorType()).put("message", f.getMessage())
                .put("class", f.kind().name().toLowerCase(java.util.Locale.ROOT));
        if (!f.stack().isEmpty()) {
            ArrayNode stack = err.putArray("stack");
            f.stack().forEach(stack::add);
        }
        json(res, status(f.kind()), root);
    }

    static int status(InvocationFailure.Kind kind) {
        return switch (kind) {
            case FUNCTION_ERROR, RESOURCE_EXHAUSTED -> 502;
            case TIMEOUT -> 504;
            case OVERLOADED -> 429;
            case CANCELLED -> 503;
            case PLATFORM_FAULT -> 500;
        };
    }

    private void invocation(FunctionRegistry registry, String id, ServerResponse res) {
        ClusterLink cluster = clusterRef.get();
        if (cluster != null) {
            JsonNode n;
            try {
                n = cluster.store().invocation(id).filter(j -> j.path("namespace").asText().equals(registry.namespace()))
                        .orElseThrow(() -> ApiException.notFound("Invocation '" + DeployRequest.printable(id)
                                + "' not found (unknown, or its result expired)"));
            } catch (io.hotvisor.cluster.ClusterException e) {
                throw new ApiException(503, "ClusterUnavailable", "Cannot read the invocation: " + e.getMessage());
            }
            ((ObjectNode) n).remove("namespace");
            json(res, 200, n);
            return;
        }
        AsyncInvocations.Entry e = async.get(registry.namespace(), id).orElseThrow(() -> ApiException.notFound("Invocation '"
                + DeployRequest.printable(id) + "' not found (unknown, or its result expired)"));
        ObjectNode n = Json.object().put("id", e.id()).put("function", e.function())
                .put("status", e.status().name().toLowerCase(java.util.Locale.ROOT))
                .put("submittedAt", e.submittedAt().toString());
        if (e.finishedAt() != null) {
            n.put("finishedAt", e.finishedAt().toString());
        }
        if (e.resultJson() != null) {
            n.set("result", Json.parse(e.resultJson().getBytes(StandardCharsets.UTF_8), "a result"));
            n.put("durationUs", e.durationNanos() / 1000);
        }
        if (e.failure() != null) {
            n.putObject("error").put("type", e.failure().type()).put("message", e.failure().message())
                    .put("class", e.failure().kind().name().toLowerCase(java.util.Locale.ROOT))
                    .put("status", status(e.failure().kind()));
        }
        json(res, 200, n);
    }

    /** Graalvisor: {@code POST /register?name=&entryPoint=&language=} with the code (source, or a jar) as body. */
    private void graalvisorRegister(FunctionRegistry registry, ServerRequest req, ServerResponse res) {
        String name = required(req, "name");
        String entryPoint = required(req, "entryPoint");
        String language = required(req, "language");
        byte[] code = body(req);
        ObjectNode put = Json.object().put("language", language).put("handler", entryPoint);
        if (Bundles.looksLikeZip(code)) {
            put.put("archive", java.util.Base64.getEncoder().encodeToString(code));
        } else {
            put.put("code", new String(code, StandardCharsets.UTF_8));
        }
        registry.deploy(DeployRequest.parse(name, put));
        res.status(200).send("Function " + name + " registered!");
    }

    private static String required(ServerRequest req, String param) {
        if (!req.query().contains(param) || req.query().get(param).isBlank()) {
            throw ApiException.badRequest("Missing query parameter '" + param
                    + "' (POST /register?name=&entryPoint=&language= with the code as body)");
        }
        return req.query().get(param);
    }

    /**
     * Graalvisor: {@code POST /} with {@code {"name", "arguments", "async"}}; {@code arguments} is JSON text (or
     * a JSON value), {@code async} "true" answers at once. Answers {@code {"result": "<JSON text>", "process time": ms}}.
     */
    private void graalvisorInvoke(FunctionRegistry registry, ServerRequest req, ServerResponse res) {
        JsonNode body = Json.parse(body(req), "{\"name\", \"arguments\", \"async\"}");
        JsonNode nameNode = body.get("name");
        if (nameNode == null || !nameNode.isTextual()) {
            throw ApiException.badRequest("Field 'name' (the function to invoke) is missing or not a string");
        }
        String name = nameNode.textValue();
        JsonNode args = body.get("arguments");
        String event;
        if (args == null || args.isNull() || args.isTextual() && args.textValue().isBlank()) {
            event = "{}";
        } else if (args.isTextual()) {
            event = event(args.textValue().getBytes(StandardCharsets.UTF_8), "'arguments' as JSON text");
        } else {
            event = Json.text(args);
        }
        String id = UUID.randomUUID().toString();
        res.header(INVOCATION_ID, id);
        JsonNode asyncNode = body.get("async");
        if (asyncNode != null && ("true".equals(asyncNode.asText()))) {
            async.submit(registry, name, event, id);
            res.status(200).send("Asynchronous request submitted!");
            return;
        }
        long t0 = System.nanoTime();
        await(res, registry.invoke(name, event, id)).ifPresent(r -> json(res, 200, Json.object()
                .put("result", r.json()).put("process time", (System.nanoTime() - t0) / 1_000_000)));
    }

    private static void json(ServerResponse res, int status, JsonNode body) {
        res.header(HeaderNames.CONTENT_TYPE, JSON);
        res.status(status).send(Json.bytes(body));
    }

    private static void error(ServerResponse res, int status, String type, String message) {
        res.header(HeaderNames.CONTENT_TYPE, JSON);
        res.status(status).send(Json.error(type, message));
    }
}
