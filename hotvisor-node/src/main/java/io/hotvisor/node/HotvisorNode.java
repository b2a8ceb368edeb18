package io.hotvisor.node;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.helidon.http.DirectHandler;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.hotvisor.runtime.AotCacheShare;
import io.hotvisor.runtime.Criu;
import io.hotvisor.runtime.EagerCompileOptions;
import io.hotvisor.runtime.FunctionRuntime;
import io.hotvisor.runtime.Language;
import io.hotvisor.runtime.Ticker;

/** A running node: its runtime, namespaces (each with its store and registry), keys and HTTP server. */
public final class HotvisorNode implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(HotvisorNode.class.getName());
    /** How often what warms the functions up at the next start (samples, steady states) is saved. */
    private static final long SAVE_EVERY_SECONDS = 2;
    /** At most this many rounds of the re-check of the warm-ups before ready. */
    private static final int RECHECK_ROUNDS = 3;

    private final FunctionRuntime runtime;
    private final Namespaces namespaces;
    private final String generatedAdminKey;
    private final ScheduledExecutorService scheduler;
    private final ExecutorService background;
    private final WebServer server;
    private final ClusterLink cluster;
    private final ClusterAotShare aotShare;
    private final AsyncInvocations async;

    private HotvisorNode(FunctionRuntime runtime, Namespaces namespaces, String generatedAdminKey,
                         ScheduledExecutorService scheduler, ExecutorService background, WebServer server,
                         ClusterLink cluster, ClusterAotShare aotShare, AsyncInvocations async) {
        this.async = async;
        this.cluster = cluster;
        this.aotShare = aotShare;
        this.runtime = runtime;
        this.namespaces = namespaces;
        this.generatedAdminKey = generatedAdminKey;
        this.scheduler = scheduler;
        this.background = background;
        this.server = server;
    }

    /**
     * Starts a node: opens the keys and every namespace's store, loads every stored function (making Python
     * sandboxes ready), then listens. Generates an admin key if none works (see {@link #generatedAdminKey()}).
     *
     * @throws IllegalStateException if Truffle would run on its interpreter-only fallback and the config does not
     *                               allow it
     */
    public static HotvisorNode start(NodeConfig config) {
        ClusterOptions co = config.cluster();
        // One connection serves both shares: AOT caches and snapshots, each switched on its own.
        ClusterAotShare aotShare = co.enabled() && (co.aotShare() || co.snapshotShare())
                ? ClusterAotShare.connect(co) : null;
        FunctionRuntime runtime = FunctionRuntime.create(aotShare == null ? config.runtime()
                : config.runtime().toBuilder().aotShare(co.aotShare() ? aotShare : AotCacheShare.none())
                        .snapshotShare(co.snapshotShare() ? aotShare : AotCacheShare.none()).build());
        ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1,
                Thread.ofPlatform().name("hv-watchdog").daemon(true).factory());
        ExecutorService background = Executors.newThreadPerTaskExecutor(
                Thread.ofPlatform().name("hv-background-", 0).daemon(true).factory());
        TenantStore tenants = TenantStore.open(config.dataDir(), Clock.systemUTC());
        if (!config.adminKey().isBlank()) {
            tenants.acceptEnvAdminKey(config.adminKey().strip());
            if (config.adminKey().strip().length() < 32) {
                LOG.log(Level.WARNING, "The admin key from HOTVISOR_ADMIN_KEY is " + config.adminKey().strip().length()
                        + " characters long; use a long random one (e.g. 32+ characters from openssl rand -base64 32)");
            }
        }
        AtomicReference<Namespaces> self = new AtomicReference<>();
        NodeMetrics metrics = new NodeMetrics(() -> dispatchers(self.get()));
        AtomicReference<ClusterLink> cluster = new AtomicReference<>();
        // Loads the stored functions before listening (a listening node never answers 404 for one of them), but
        // replays their warm-up inputs only once it listens: /healthz answers while they warm, /readyz says why not.
        Namespaces namespaces = Namespaces.open(config.dataDir(), tenants, (ns, store) -> new FunctionRegistry(ns,
                store, runtime, config.dispatch(), Ticker.system(), Clock.systemUTC(), scheduler, background, metrics,
                config.warmth(), config.warmUpPolicy(), cluster::get));
        self.set(namespaces);
        // On its own, the node keeps async invocations in its data directory and runs again those a stop or crash
        // cut short; in a cluster they are in Redis.
        AsyncInvocations async = new AsyncInvocations(scheduler, Clock.systemUTC(), config.asyncRetention(),
                config.asyncMaxPending(), co.enabled() ? null : config.dataDir().resolve("async"));
        async.resume(namespaces::get);
        Access access = new Access(tenants, namespaces);
        NodeStatus status = new NodeStatus();
        status.section("truffle", () -> Json.object().put("runtime", runtime.truffleRuntimeName()));
        status.section("warmUp", () -> Json.object().put("policy", config.warmUpPolicy().id())
                .put("recheck", config.warmUpRecheck() ? "on" : "off")
                .put("quietMs", config.warmUpQuiet().toMillis())
                .put("maxReplays", config.warmth().warmUpReplays())
                .put("budgetMs", config.warmth().warmUpBudget().toMillis())
                .put("hotFactor", config.warmth().hotFactor()));
        status.section("cluster", () -> {
            ClusterLink link = cluster.get();
            return link == null ? Json.object().put("member", false)
                    : Json.object().put("member", true).put("nodeId", link.nodeId())
                            .put("aotShare", aotShare != null && co.aotShare())
                            .put("snapshotShare", aotShare != null && co.snapshotShare());
        });
        Criu criu = config.runtime().criu();
        status.section("criu", () -> {
            ObjectNode o = Json.object().put("mode", criu.mode().id()).put("available", criu.available())
                    .put("version", criu.version()).put("binary", criu.binary().map(Object::toString).orElse(""));
            if (!criu.available()) {
                o.put("reason", criu.reason());
            }
            o.putObject("snapshots").put("taken", criu.taken()).put("restored", criu.restored())
                    .put("failed", criu.failed());
            return o;
        });
        status.section("eagerCompile", () -> eagerCompileStatus(runtime));
        status.section("engines", () -> {
            // Which guest languages give each function an engine of its own, and the GraalPy engine's priming.
            ObjectNode o = Json.object();
            ArrayNode perFunction = o.putArray("perFunction");
            config.runtime().enginePerFunction().stream().map(Language::id).sorted().forEach(perFunction::add);
            return o.put("pythonEnginePrime", config.runtime().pythonEnginePrime());
        });
        HttpApi api = new HttpApi(access, new AdminApi(access, tenants, namespaces), metrics, async, cluster::get,
                config.asyncRetention(), status);
        HttpRouting.Builder routing = HttpRouting.builder();
        api.routes(routing);
        WebServer server = WebServer.builder()
                .host(config.host())
                .port(config.port())
                .maxPayloadSize(config.maxBodyBytes())
                .directHandlers(d -> d
                        .addHandler(DirectHandler.EventType.PAYLOAD_TOO_LARGE, HttpApi.directError(config.maxBodyBytes()))
                        .addHandler(DirectHandler.EventType.BAD_REQUEST, HttpApi.directError(config.maxBodyBytes())))
                .shutdownHook(false)
                .routing(routing)
                .build()
                .start();
        if (co.enabled()) {
            status.warming("joining the cluster and warming its functions");
            // Joined once listening: with port 0 the advertised URL is known only now. Nobody knows the port before
            // start() returns, so no request sees the node outside the cluster.
            String host = "0.0.0.0".equals(config.host()) || "::".equals(config.host()) ? "127.0.0.1" : config.host();
            ClusterOptions resolved = withDefaults(co, host, server.port());
            if (aotShare != null) {
                aotShare.origin(resolved.nodeId());
            }
            try {
                cluster.set(ClusterLink.join(resolved, tenants, namespaces,
                        Clock.systemUTC(), co.advertiseUrl().isEmpty() ? "http://" + host + ":" + server.port()
                                : co.advertiseUrl(), config.asyncRetention(), runtime.eagerCompile().enabled(),
                        status::isReady));
            } catch (RuntimeException e) {
                server.stop();
                if (aotShare != null) {
                    aotShare.close();
                }
                throw e;
            }
        }
        // Generated once the node is up: a key made by a start that then failed (port in use) would be stored but
        // never shown, and no later start would make another.
        String generated = tenants.hasAdminKey() ? "" : tenants.createKey("").key();
        LOG.log(Level.INFO, criu.available() ? "CRIU " + criu.version() + " (" + criu.binary().orElseThrow()
                + "): hot Java worker JVMs are checkpointed and later workers restored"
                : "CRIU snapshots of Java worker JVMs are not used: " + criu.reason());
        warmUpRestored(namespaces, config.warmUpPolicy(), config.warmUpRecheck(), config.warmUpQuiet(), status,
                cluster.get());
        // Off the watchdog thread (it times invocations out): saving writes files, or Redis in a cluster.
        scheduler.scheduleWithFixedDelay(() -> background.execute(() -> saveWarmUpKnowledge(namespaces)),
                SAVE_EVERY_SECONDS, SAVE_EVERY_SECONDS, TimeUnit.SECONDS);
        LOG.log(Level.INFO, "Hotvisor node listening on http://" + config.host() + ":" + server.port()
                + " (Truffle runtime: " + runtime.truffleRuntimeName() + ", data: "
                + config.dataDir().toAbsolutePath() + ", namespaces: " + namespaces.all().size() + ")");
        return new HotvisorNode(runtime, namespaces, generated, scheduler, background, server, cluster.get(),
                aotShare, async);
    }

    /**
     * {@code {"mode": "on"|"off", "languages": [...], "firstTierThreshold", "lastTierThreshold", "engineOptions": {...},
     * "functions"}}: how eager engines are configured and how many loaded functions run on one.
     */
    private static JsonNode eagerCompileStatus(FunctionRuntime runtime) {
        EagerCompileOptions eager = runtime.eagerCompile();
        ObjectNode o = Json.object().put("mode", eager.enabled() ? "on" : "off");
        ArrayNode languages = o.putArray("languages");
        eager.languageIds().forEach(languages::add);
        o.put("firstTierThreshold", eager.firstTierThreshold()).put("lastTierThreshold", eager.lastTierThreshold());
        ObjectNode options = o.putObject("engineOptions");
        eager.engineOptions().forEach(options::put);
        return o.put("functions", runtime.eagerFunctions());
    }

    /**
     * Replays the warm-up inputs of the functions restored from the store; under policy {@code before} the node is
     * not ready ("warming 3 functions") until they are done, and says so in its heartbeats. Then, with
     * {@code recheck}, it replays once more every function whose replays reached their target, those it copied from
     * the cluster as it joined included ({@link FunctionRegistry#recheckWarmUps}: a later function's replays can undo
     * an earlier one's compiled code), in up to {@value #RECHECK_ROUNDS} rounds ({@link #recheckRounds}), and becomes
     * ready when that is over ("re-checking 3 warmed functions", "re-checking 2 warmed functions (round 2)"). Last,
     * if it warmed any, it waits up to {@code quiet} for its JIT compilers to go quiet ({@link CompilerQuiet}:
     * "waiting for the compilers to go quiet").
     */
    private static void warmUpRestored(Namespaces namespaces, WarmUpPolicy policy, boolean recheck, Duration quiet,
                                       NodeStatus status, ClusterLink cluster) {
        // One after the other, on one thread: on a small machine replays in parallel compete for the cores and the
        // compiler threads, and each curve then stops later (or short of its target) than it would alone.
        ExecutorService sequential = Executors.newSingleThreadExecutor(
                Thread.ofPlatform().name("hv-warm-up-restored").daemon(true).factory());
        List<CompletableFuture<Void>> all = new ArrayList<>();
        namespaces.all().values().forEach(r -> all.addAll(r.warmUpRestored(sequential)));
        if (policy == WarmUpPolicy.ALONGSIDE) {
            sequential.shutdown(); // runs what it was given, then its thread ends
            ready(status, cluster);
            return;
        }
        Object lock = new Object(); // so no stale "warming 1 function" lands after a later status
        AtomicInteger left = new AtomicInteger(all.size());
        boolean[] over = {false};
        if (!all.isEmpty()) {
            status.warming(warming(all.size()));
            LOG.log(Level.INFO, "Not ready until the warm-up of its stored functions is over: " + warming(all.size()));
        }
        for (CompletableFuture<Void> f : all) {
            f.whenComplete((v, e) -> {
                synchronized (lock) {
                    int n = left.decrementAndGet();
                    if (n > 0 && !over[0]) {
                        status.warming(warming(n));
                    }
                }
            });
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).whenComplete((v, e) -> {
            CompletableFuture<Integer> rechecks = CompletableFuture.completedFuture(0);
            try {
                if (recheck) {
                    rechecks = recheckRounds(namespaces, sequential, language -> true, 1, status, lock, over);
                }
            } catch (RuntimeException ex) { // never left unready for it
                LOG.log(Level.WARNING, "The re-check of the warm-ups could not start", ex);
            }
            rechecks.whenComplete((n, e2) -> {
                if (e2 != null) { // ready all the same: the first round warmed the functions
                    LOG.log(Level.WARNING, "A re-check of the warm-ups failed", e2);
                }
                boolean warmed = !all.isEmpty() || (n != null && n > 0);
                CompletableFuture<Void> quieted = CompletableFuture.completedFuture(null);
                try {
                    if (warmed && quiet.isPositive()) {
                        quieted = CompletableFuture.runAsync(() -> awaitQuietCompilers(quiet, status, lock, over),
                                sequential);
                    }
                } catch (RuntimeException ex) { // never left unready for it
                    LOG.log(Level.WARNING, "The wait for quiet compilers could not start", ex);
                }
                sequential.shutdown(); // runs the wait, if any, then its thread ends
                quieted.whenComplete((done, e3) -> {
                    if (e3 != null) { // ready all the same: it only waited
                        LOG.log(Level.WARNING, "Waiting for the compilers to go quiet failed", e3);
                    }
                    synchronized (lock) {
                        over[0] = true;
                        ready(status, cluster);
                    }
                    if (n != null && n > 0) {
                        LOG.log(Level.INFO, "Warm-ups re-checked: the node is ready");
                    } else if (!all.isEmpty()) {
                        LOG.log(Level.INFO, "Stored functions warmed up: the node is ready");
                    }
                });
            });
        });
    }

    /** The node's next step before ready, as its readiness says it; the first rounds' counts are over by then. */
    private static void notReadyBecause(String what, NodeStatus status, Object lock, boolean[] over) {
        synchronized (lock) {
            over[0] = true; // no stale "warming 1 function" after this
            status.warming(what);
        }
    }

    /** Waits up to {@code max} for the JIT compilers to go quiet ({@link CompilerQuiet}); says so meanwhile. */
    private static void awaitQuietCompilers(Duration max, NodeStatus status, Object lock, boolean[] over) {
        notReadyBecause("waiting for the compilers to go quiet", status, lock, over);
        try {
            CompilerQuiet.Outcome o = CompilerQuiet.await(CompilerQuiet::compilerNanos, Ticker.system(), max);
            LOG.log(Level.INFO, "JIT compilers " + o.describe() + " (at most " + max.toMillis() + " ms)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Round {@code round} of the re-check: replays the warmed functions of {@code languages} once more
     * ({@link FunctionRegistry#recheckWarmUps}), and, for every language where one of them had its code undone and
     * more than one was re-checked (re-compiling one can undo another's code again), runs another round, up to
     * {@value #RECHECK_ROUNDS} rounds.
     *
     * @return completes with the number of functions re-checked in this round, once this round and the ones after
     *         it are over
     */
    private static CompletableFuture<Integer> recheckRounds(Namespaces namespaces, Executor executor,
                                                            Predicate<Language> languages, int round,
                                                            NodeStatus status, Object lock, boolean[] over) {
        List<CompletableFuture<FunctionRegistry.Rechecked>> rechecks = new ArrayList<>();
        namespaces.all().values().forEach(r -> rechecks.addAll(r.recheckWarmUps(executor, languages)));
        if (rechecks.isEmpty()) {
            return CompletableFuture.completedFuture(0);
        }
        String what = "re-checking " + rechecks.size() + " warmed function" + (rechecks.size() == 1 ? "" : "s")
                + (round > 1 ? " (round " + round + ")" : "");
        notReadyBecause(what, status, lock, over);
        LOG.log(Level.INFO, "Not ready until the warm-ups are re-checked: " + what);
        return CompletableFuture.allOf(rechecks.toArray(CompletableFuture[]::new)).thenCompose(v -> {
            Set<Language> again = recheckAgain(rechecks.stream().map(CompletableFuture::join).toList());
            if (again.isEmpty() || round >= RECHECK_ROUNDS) {
                return CompletableFuture.completedFuture(rechecks.size());
            }
            LOG.log(Level.INFO, "Re-check round " + round + " found compiled code undone in " + again
                    + ": another round for those");
            return recheckRounds(namespaces, executor, again::contains, round + 1, status, lock, over)
                    .thenApply(n -> rechecks.size());
        });
    }

    /**
     * The languages a round of the re-check found reason to re-check again: those where one function's code had been
     * undone and more than one function was re-checked (re-compiling one function's code may have undone another's;
     * a function alone in its language was undone by something else, and is compiled again now).
     */
    static Set<Language> recheckAgain(List<FunctionRegistry.Rechecked> round) {
        Map<Language, Long> checked = round.stream()
                .collect(Collectors.groupingBy(FunctionRegistry.Rechecked::language, Collectors.counting()));
        return round.stream().filter(FunctionRegistry.Rechecked::undone).map(FunctionRegistry.Rechecked::language)
                .filter(l -> checked.get(l) > 1)
                .collect(Collectors.toCollection(() -> EnumSet.noneOf(Language.class)));
    }

    private static String warming(int functions) {
        return "warming " + functions + (functions == 1 ? " function" : " functions");
    }

    private static void ready(NodeStatus status, ClusterLink cluster) {
        status.ready();
        if (cluster != null) {
            cluster.heartbeatNow();
        }
    }

    private static void saveWarmUpKnowledge(Namespaces namespaces) {
        try {
            namespaces.all().values().forEach(FunctionRegistry::saveWarmUpKnowledge);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "Saving what warms the functions up failed", e);
        }
    }

    private static ClusterOptions withDefaults(ClusterOptions co, String host, int port) {
        return new ClusterOptions(co.redis(), co.name(), co.nodeId().isEmpty() ? host + "-" + port : co.nodeId(),
                co.advertiseUrl(), co.reclaimAfter(), co.asyncWorkers(), co.aotShare(), co.snapshotShare(),
                co.loadWait(), co.changeWait(), co.aotShareMaxBytes());
    }

    private static Iterable<NodeMetrics.Dispatcher> dispatchers(Namespaces namespaces) {
        List<NodeMetrics.Dispatcher> all = new ArrayList<>();
        if (namespaces != null) {
            namespaces.all().forEach((ns, r) -> r.dispatchers()
                    .forEach(d -> all.add(new NodeMetrics.Dispatcher(ns, d, r.warmth()))));
        }
        return all;
    }

    /**
     * The admin key this start generated, because the data directory had none and the config gave none; empty
     * otherwise (and on every later start). Only its hash is stored: this is the one chance to show it.
     */
    public Optional<String> generatedAdminKey() {
        return generatedAdminKey.isEmpty() ? Optional.empty() : Optional.of(generatedAdminKey);
    }

    /** The port the node listens on. */
    public int port() {
        return server.port();
    }

    /** The Truffle runtime in use ({@code GraalVM CE} when optimizing). */
    public String truffleRuntimeName() {
        return runtime.truffleRuntimeName();
    }

    /** Stops listening, cancels running invocations and closes every sandbox and engine. */
    @Override
    public void close() {
        saveWarmUpKnowledge(namespaces);
        if (cluster != null) {
            cluster.close();
        }
        server.stop();
        async.stopping(); // what the stop cancels stays queued, to run again at the next start
        try {
            CompletableFuture.allOf(namespaces.all().values().stream().map(FunctionRegistry::shutdownNow)
                    .toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.log(Level.WARNING, "Functions did not stop within 10 s", e);
        }
        scheduler.shutdownNow();
        background.shutdownNow();
        runtime.close();
        if (aotShare != null) {
            aotShare.close();
        }
    }
}
