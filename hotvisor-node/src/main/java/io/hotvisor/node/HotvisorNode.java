package io.hotvisor.node;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.helidon.http.DirectHandler;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.hotvisor.runtime.FunctionRuntime;
import io.hotvisor.runtime.Ticker;

/** A running node: its runtime, store, registry and HTTP server. */
public final class HotvisorNode implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(HotvisorNode.class.getName());

    private final FunctionRuntime runtime;
    private final FunctionRegistry registry;
    private final ScheduledExecutorService scheduler;
    private final ExecutorService background;
    private final WebServer server;

    private HotvisorNode(FunctionRuntime runtime, FunctionRegistry registry, ScheduledExecutorService scheduler,
                         ExecutorService background, WebServer server) {
        this.runtime = runtime;
        this.registry = registry;
        this.scheduler = scheduler;
        this.background = background;
        this.server = server;
    }

    /**
     * Starts a node: opens the store, loads every stored function (making Python sandboxes ready), then listens.
     *
     * @throws IllegalStateException if Truffle would run on its interpreter-only fallback and the config does not
     *                               allow it
     */
    public static HotvisorNode start(NodeConfig config) {
        FunctionRuntime runtime = FunctionRuntime.create(config.runtime());
        ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1,
                Thread.ofPlatform().name("hv-watchdog").daemon(true).factory());
        ExecutorService background = Executors.newThreadPerTaskExecutor(
                Thread.ofPlatform().name("hv-background-", 0).daemon(true).factory());
        FunctionStore store = FunctionStore.open(config.dataDir());
        AtomicReference<FunctionRegistry> self = new AtomicReference<>();
        NodeMetrics metrics = new NodeMetrics(() -> self.get().dispatchers());
        FunctionRegistry registry = new FunctionRegistry(store, runtime, config.dispatch(), Ticker.system(),
                Clock.systemUTC(), scheduler, background, metrics);
        self.set(registry);
        registry.restore();
        AsyncInvocations async = new AsyncInvocations(registry, scheduler, Clock.systemUTC(),
                config.asyncRetention(), config.asyncMaxPending());
        HttpApi api = new HttpApi(registry, async);
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
        LOG.log(Level.INFO, "Hotvisor node listening on http://" + config.host() + ":" + server.port()
                + " (Truffle runtime: " + runtime.truffleRuntimeName() + ", data: "
                + config.dataDir().toAbsolutePath() + ", functions: " + registry.names().size() + ")");
        return new HotvisorNode(runtime, registry, scheduler, background, server);
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
        server.stop();
        try {
            registry.shutdownNow().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.log(Level.WARNING, "Functions did not stop within 10 s", e);
        }
        scheduler.shutdownNow();
        background.shutdownNow();
        runtime.close();
    }
}
