package io.hotvisor.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * A real cluster for black-box tests: a redis-server, nodes {@code node-1}, {@code node-2}, ... (each
 * {@code bin/hotvisor node --redis ... --node-id node-N} plus the options given) and, if asked, a gateway. Closing
 * it stops the gateway, then the nodes, then Redis.
 */
final class TestCluster implements AutoCloseable {
    private final RedisProcess redis;
    private final List<String> nodeOptions;
    private final List<NodeProcess> nodes = new ArrayList<>();
    private GatewayProcess gateway;

    private TestCluster(RedisProcess redis, List<String> nodeOptions) {
        this.redis = redis;
        this.nodeOptions = nodeOptions;
    }

    /** Starts Redis and {@code nodes} nodes, each with {@code nodeOptions}; stops what started if one fails. */
    static TestCluster start(int nodes, String... nodeOptions) throws Exception {
        TestCluster c = new TestCluster(RedisProcess.start(), List.of(nodeOptions));
        try {
            for (int i = 0; i < nodes; i++) {
                c.addNode();
            }
            return c;
        } catch (Exception | Error e) {
            c.close();
            throw e;
        }
    }

    /** Starts the next node, {@code node-<n+1>}, with the cluster's node options and {@code extraOptions}. */
    NodeProcess addNode(String... extraOptions) throws Exception {
        String id = "node-" + (nodes.size() + 1);
        List<String> options = Stream.of(List.of("--redis", redis.url(), "--node-id", id), nodeOptions,
                Arrays.asList(extraOptions)).flatMap(List::stream).toList();
        NodeProcess n = NodeProcess.start(options.toArray(String[]::new));
        nodes.add(n);
        return n;
    }

    /** Starts the cluster's gateway with {@code options} (once). */
    GatewayProcess startGateway(String... options) throws Exception {
        if (gateway != null) {
            throw new IllegalStateException("The gateway is started already");
        }
        gateway = GatewayProcess.start(redis.url(), options);
        return gateway;
    }

    /** Node {@code node-<i>}, 1-based as its id. */
    NodeProcess node(int i) {
        return nodes.get(i - 1);
    }

    /** Every node started, in order, alive or not. */
    List<NodeProcess> nodes() {
        return nodes;
    }

    GatewayProcess gateway() {
        if (gateway == null) {
            throw new IllegalStateException("No gateway: call startGateway first");
        }
        return gateway;
    }

    RedisProcess redis() {
        return redis;
    }

    /** How long {@link #await(Supplier, Predicate, String)} waits: heartbeats, warm-up, routing on 2 loaded cores. */
    static final Duration PATIENCE = Duration.ofMinutes(3);

    /**
     * What {@code call} answers, made on another thread, failing the test if no answer comes within {@code within}: a
     * hang guard for calls that are meant to wait, not a speed assertion.
     */
    static Http.Response answered(Supplier<Http.Response> call, Duration within) throws Exception {
        return CompletableFuture.supplyAsync(call).get(within.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** {@link #await(Supplier, Predicate, String, Duration)} with the cluster tests' {@link #PATIENCE}. */
    static <T> T await(Supplier<T> read, Predicate<T> done, String what) throws InterruptedException {
        return await(read, done, what, PATIENCE);
    }

    /**
     * Polls {@code read} every 100 ms until {@code done} holds and returns what it read then; after {@code patience}
     * fails naming {@code what} and the last value read.
     */
    static <T> T await(Supplier<T> read, Predicate<T> done, String what, Duration patience)
            throws InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        while (true) {
            T value = read.get();
            if (done.test(value)) {
                return value;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Gave up after " + patience + " waiting for " + what + "; last: " + value);
            }
            Thread.sleep(100);
        }
    }

    @Override
    public void close() throws Exception {
        Exception first = null;
        List<AutoCloseable> all = new ArrayList<>();
        if (gateway != null) {
            all.add(gateway);
        }
        all.addAll(nodes);
        all.add(redis);
        for (AutoCloseable c : all) {
            try {
                c.close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
