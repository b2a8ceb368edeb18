package io.hotvisor.node;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BiPredicate;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.hotvisor.cluster.AsyncTask;
import io.hotvisor.cluster.ClusterException;
import io.hotvisor.cluster.ClusterStore;
import io.hotvisor.runtime.InvocationFailure;
import io.hotvisor.runtime.InvocationResult;

/**
 * Runs async invocations from the cluster's queue (a Redis Stream with one consumer group; this node is consumer
 * {@code <node-id>}): takes new entries as it has free slots, and every quarter of the reclaim timeout claims
 * entries other consumers took but left unfinished for longer (XAUTOCLAIM): a dead node's work. Each outcome is
 * stored with SET NX under the invocation id, then the entry is acknowledged: delivery is at least once (a node
 * that dies after running an invocation but before storing it gets it run again elsewhere), and the first stored
 * outcome is the only one any client sees.
 *
 * <p>An invocation still running when the reclaim timeout passes can be claimed and run by another node too (its
 * entry looks abandoned); the stored outcome stays the first one. Functions that run longer than the timeout
 * should be idempotent, or the timeout raised ({@code --async-reclaim-after}).
 *
 * <p>A task for a function whose copy this node is still loading waits for the load (no client is waiting), each
 * time at most {@code --load-wait}, in all at most the reclaim timeout; then it is left pending, unacknowledged, and
 * runs again once reclaimed (by this node or another): never lost, never failed because of a slow load.
 */
final class ClusterAsync implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ClusterAsync.class.getName());
    private static final long UNKNOWN_FUNCTION_GRACE_MS = 3_000;

    private final ClusterStore store;
    private final Namespaces namespaces;
    private final ClusterOptions options;
    private final Clock clock;
    private final Duration retention;
    /**
     * Loads a function deployed through another node that this node has not synced yet ({@link ClusterLink#ensure});
     * false if its copy is still loading after {@code --load-wait}.
     */
    private final BiPredicate<FunctionRegistry, String> ensure;
    private final Semaphore slots;
    private final ExecutorService workers = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("hv-async-", 0).factory());
    private final java.util.concurrent.atomic.AtomicInteger active = new java.util.concurrent.atomic.AtomicInteger();
    private volatile boolean running = true;

    ClusterAsync(ClusterStore store, Namespaces namespaces, ClusterOptions options, Clock clock, Duration retention,
                 BiPredicate<FunctionRegistry, String> ensure) {
        this.store = store;
        this.ensure = ensure;
        this.namespaces = namespaces;
        this.options = options;
        this.clock = clock;
        this.retention = retention;
        this.slots = new Semaphore(options.asyncWorkers());
    }

    void start() {
        Thread.ofPlatform().name("hv-async-reader").daemon(true).start(this::readLoop);
    }

    /** Async invocations this node is running now. */
    int running() {
        return active.get();
    }

    /**
     * One thread both reclaims (every quarter of the reclaim timeout, first) and reads new entries, each time with
     * the slots free then: two threads would race for the slots and the reader, which holds them while it blocks,
     * would starve the reclaimer.
     */
    private void readLoop() {
        boolean groupReady = false;
        long every = Math.max(100, options.reclaimAfter().toMillis() / 4) * 1_000_000L;
        long nextReclaim = System.nanoTime() + every;
        while (running) {
            int free = 0;
            try {
                if (!groupReady) {
                    store.ensureGroup();
                    groupReady = true;
                }
                free = acquireAtLeastOne();
                List<AsyncTask> tasks;
                if (System.nanoTime() >= nextReclaim) {
                    nextReclaim = System.nanoTime() + every;
                    tasks = store.reclaim(options.nodeId(), options.reclaimAfter(), free);
                    if (!tasks.isEmpty()) {
                        LOG.log(Level.INFO, "Took over " + tasks.size() + " async invocation(s) left unfinished");
                    }
                } else {
                    tasks = store.take(options.nodeId(), free, Duration.ofMillis(Math.min(1000, every / 1_000_000)));
                }
                slots.release(free - tasks.size());
                free = 0;
                tasks.forEach(t -> workers.execute(() -> run(t)));
            } catch (ClusterException | redis.clients.jedis.exceptions.JedisException e) {
                slots.release(free);
                groupReady = false;
                pause(500);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                slots.release(free);
                LOG.log(Level.ERROR, "Reading the async queue failed", e);
                pause(500);
            }
        }
    }

    private int acquireAtLeastOne() throws InterruptedException {
        slots.acquire();
        int more = slots.drainPermits();
        return 1 + more;
    }

    private void run(AsyncTask task) {
        active.incrementAndGet();
        try {
            if (store.hasResult(task.id())) {
                store.complete(task, "", retention); // ran before (redelivered): only acknowledge
                return;
            }
            Optional<ObjectNode> outcome = invoke(task);
            if (outcome.isEmpty()) {
                LOG.log(Level.WARNING, "Async invocation " + task.id() + " of '" + task.namespace() + "/"
                        + task.function() + "' left pending: this node was still loading the function when it gave up"
                        + " (after " + options.reclaimAfter().toMillis() + " ms, or stopping); it runs again once"
                        + " reclaimed (--async-reclaim-after)");
                return;
            }
            store.complete(task, outcome.get().toString(), retention);
        } catch (ClusterException e) {
            LOG.log(Level.WARNING, "Async invocation " + task.id() + " could not be recorded (it stays pending and"
                    + " will be run again): " + e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "Async invocation " + task.id() + " failed inside the platform", e);
        } finally {
            active.decrementAndGet();
            slots.release();
        }
    }

    /** Runs a task; empty if it is to stay pending (this node still loads its function: see the class comment). */
    private Optional<ObjectNode> invoke(AsyncTask task) {
        long start = System.nanoTime();
        long deadline = start + TimeUnit.MILLISECONDS.toNanos(UNKNOWN_FUNCTION_GRACE_MS);
        long loadDeadline = start + options.reclaimAfter().toNanos();
        long backoff = 20;
        while (true) {
            Optional<FunctionRegistry> registry = namespaces.get(task.namespace());
            boolean loading = registry.isPresent() && !ensure.test(registry.get(), task.function());
            if (registry.isEmpty() || registry.get().get(task.function()).isEmpty()) {
                if (loading) {
                    if (System.nanoTime() - loadDeadline >= 0 || !running || Thread.currentThread().isInterrupted()) {
                        return Optional.empty();
                    }
                    pause(100); // the wait was --load-wait (ensure); a zero --load-wait must not spin on Redis
                    continue;
                }
                if (System.nanoTime() < deadline) { // deployed through another node a moment ago: not synced yet
                    pause(100);
                    continue;
                }
                return Optional.of(outcome(task, null, InvocationFailure.of(InvocationFailure.Kind.CANCELLED,
                        "Function '" + task.function() + "' not found in namespace '" + task.namespace() + "'")));
            }
            try {
                InvocationResult r = registry.get().invoke(task.function(), task.event(), task.id()).join();
                return Optional.of(outcome(task, r, null));
            } catch (CompletionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof InvocationFailure f && f.kind() == InvocationFailure.Kind.OVERLOADED) {
                    pause(backoff);
                    backoff = Math.min(backoff * 2, 2_000);
                    continue;
                }
                InvocationFailure f = cause instanceof InvocationFailure i ? i : InvocationFailure.of(
                        InvocationFailure.Kind.PLATFORM_FAULT, "The invocation failed inside the platform", cause);
                return Optional.of(outcome(task, null, f));
            } catch (ApiException e) {
                return Optional.of(outcome(task, null, InvocationFailure.of(InvocationFailure.Kind.CANCELLED,
                        e.getMessage())));
            }
        }
    }

    private ObjectNode outcome(AsyncTask task, InvocationResult r, InvocationFailure f) {
        ObjectNode n = Json.object().put("id", task.id()).put("namespace", task.namespace())
                .put("function", task.function()).put("status", f == null ? "succeeded" : "failed")
                .put("submittedAt", task.submittedAt().toString()).put("finishedAt", clock.instant().toString())
                .put("node", options.nodeId());
        if (r != null) {
            n.set("result", Json.parse(r.json().getBytes(java.nio.charset.StandardCharsets.UTF_8), "a result"));
            n.put("durationUs", r.durationNanos() / 1000);
        } else {
            n.putObject("error").put("type", f.errorType()).put("message", f.getMessage())
                    .put("class", f.kind().name().toLowerCase(java.util.Locale.ROOT))
                    .put("status", HttpApi.status(f.kind()));
        }
        return n;
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        workers.shutdownNow();
    }
}
