package io.hotvisor.runtime;

import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs the invocations of one function version: a bounded queue, an elastic pool of platform worker threads and
 * a pool of sandboxes.
 *
 * <p>Implementation notes.
 * <ul>
 * <li>Workers: platform threads (Truffle contexts are not proven safe on virtual threads on JDK 25, see
 *     DESIGN.md). {@link #submit} starts a worker when none is idle and fewer than {@code concurrency} run; a
 *     worker leaves after {@code keepAlive} without work, judged on the injected {@link Ticker}. The check that
 *     a task has a worker and the decision of a worker to leave are made under one lock, so no task is stranded.</li>
 * <li>Sandboxes: pooled apart from workers, most recently used first (its code and caches are hottest), released
 *     after {@code keepAlive} idle by {@link #evictIdle()} but never below the function's
 *     {@link LoadedFunction#minIdleSandboxes()}: a Python function keeps one ready, and when a Python invocation
 *     takes the last idle one a spare is made in the background, so no invocation pays for a GraalPy context. A
 *     function with such a minimum keeps one spare beyond it for good, made before its warm-up replays where it has
 *     any: every new GraalPy context undoes some of the function's compiled code (see {@link #evictIdle()}).
 *     A sandbox is discarded after any failure other than the function's own error, and after every invocation
 *     with {@link SandboxPolicy#FRESH}.</li>
 * <li>Timeouts: a watchdog completes the caller's future with {@link InvocationFailure.Kind#TIMEOUT} at the
 *     deadline and cancels the sandbox. The caller never waits past the deadline; an in-node Java function is
 *     stopped by the cancellation polls woven into its classes (see {@link JavaSandbox}), so its worker slot is
 *     freed when it unwinds. The sandbox's own failure (CANCELLED) is not reported: the caller has its answer.</li>
 * <li>Memory: an {@link AllocationMonitor} shared by the node's dispatchers stops an invocation that allocated more
 *     than its function's {@code memoryMb} the same way, as {@code RESOURCE_EXHAUSTED MemoryLimitExceeded}. It
 *     counts bytes allocated, not live heap: see that class for why, and what it means for a function. A result
 *     over {@link DispatchOptions#maxResultBytes()} fails as {@code ResultTooLarge} (the sandbox is kept), and while
 *     the node's heap is nearly full {@link DispatchOptions#heapGuard()} refuses new invocations as
 *     {@code OVERLOADED}.</li>
 * <li>Replacement: {@link #drain()} refuses new work ({@link #submit} answers empty, and the caller resubmits to
 *     the new version) but finishes everything queued, then closes the sandboxes and the loaded function.</li>
 * </ul>
 */
public final class FunctionDispatcher {
    private static final System.Logger LOG = System.getLogger(FunctionDispatcher.class.getName());

    private final LoadedFunction function;
    private final FunctionDefinition definition;
    private final DispatchOptions options;
    private final Ticker ticker;
    private final ScheduledExecutorService watchdog;
    private final Executor background;
    private final DispatchListener listener;
    private final int concurrency;
    private final boolean fresh;
    private final AllocationMonitor allocationMonitor;

    private final BlockingQueue<Task> queue;
    private final Object lock = new Object();
    private int workers;
    private int idleWorkers;
    private boolean draining;
    private final Deque<Pooled> idleSandboxes = new ArrayDeque<>();
    private int busySandboxes;
    private int sandboxesBeingMade;
    private final Set<Sandbox> running = ConcurrentHashMap.newKeySet();
    private final AtomicInteger workerIds = new AtomicInteger();
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();

    private FunctionDispatcher(LoadedFunction function, DispatchOptions options, Ticker ticker,
                               ScheduledExecutorService watchdog, Executor background, DispatchListener listener,
                               AllocationMonitor allocationMonitor) {
        this.allocationMonitor = allocationMonitor;
        this.function = function;
        this.definition = function.definition();
        this.options = options;
        this.ticker = ticker;
        this.watchdog = watchdog;
        this.background = background;
        this.listener = listener;
        this.concurrency = Math.max(1, definition.config().concurrency());
        this.fresh = definition.config().sandbox() == SandboxPolicy.FRESH;
        this.queue = new ArrayBlockingQueue<>(options.queueCapacity());
    }

    /**
     * Creates the dispatcher of a loaded function and makes its {@link LoadedFunction#minIdleSandboxes()} sandboxes
     * now, on the calling thread (a deploy pays for them, invocations never do).
     *
     * @param watchdog   schedules timeouts and the check of memory limits; shared by all dispatchers of a node
     * @param background makes spare sandboxes off the invocation path; shared by all dispatchers of a node
     */
    public static FunctionDispatcher create(LoadedFunction function, DispatchOptions options, Ticker ticker,
                                            ScheduledExecutorService watchdog, Executor background,
                                            DispatchListener listener) {
        return create(function, options, ticker, watchdog, background, listener,
                AllocationMonitor.shared(watchdog, options.allocationCheckInterval()).orElse(null));
    }

    /** As above, with the allocation monitor given ({@code null}: memory limits are not enforced); for tests. */
    static FunctionDispatcher create(LoadedFunction function, DispatchOptions options, Ticker ticker,
                                     ScheduledExecutorService watchdog, Executor background,
                                     DispatchListener listener, AllocationMonitor allocationMonitor) {
        FunctionDispatcher d = new FunctionDispatcher(Objects.requireNonNull(function), options, ticker, watchdog,
                background, listener, allocationMonitor);
        for (int i = 0; i < function.minIdleSandboxes(); i++) {
            Sandbox s = d.makeSandbox();
            synchronized (d.lock) {
                d.idleSandboxes.addFirst(new Pooled(s, ticker.read()));
            }
        }
        return d;
    }

    /** The function version this dispatcher runs. */
    public FunctionDefinition definition() {
        return definition;
    }

    /** The CRIU snapshot of the function's hot worker JVM ({@link LoadedFunction#snapshot()}). */
    public Optional<SnapshotStatus> snapshot() {
        return function.snapshot();
    }

    /** Which engine the function is compiled on, and why ({@link LoadedFunction#engine()}). */
    public EngineChoice engine() {
        return function.engine();
    }

    /** Where the function's worker JVMs get their AOT cache ({@link LoadedFunction#aotCache()}). */
    public Optional<AotCacheStatus> aotCache() {
        return function.aotCache();
    }

    /**
     * Queues one invocation.
     *
     * @return empty if this dispatcher is draining (resubmit to the function's current version); otherwise the
     *         result, or an {@link InvocationFailure}: {@code OVERLOADED} at once when the queue is full or the
     *         node's heap is nearly full ({@link DispatchOptions#heapGuard()}), else whatever the invocation ended
     *         with
     */
    public Optional<CompletableFuture<InvocationResult>> submit(String eventJson, String invocationId) {
        Task task = new Task(eventJson, invocationId, ticker.read());
        synchronized (lock) {
            if (draining) {
                return Optional.empty();
            }
            Optional<InvocationFailure> shortOfMemory = options.heapGuard().check();
            if (shortOfMemory.isPresent()) {
                listener.invocationFailed(definition, 0, shortOfMemory.get());
                return Optional.of(CompletableFuture.failedFuture(shortOfMemory.get()));
            }
            if (!queue.offer(task)) {
                InvocationFailure f = InvocationFailure.of(InvocationFailure.Kind.OVERLOADED,
                        "Function '" + definition.name() + "' is overloaded: " + queue.size()
                                + " invocations queued (limit " + options.queueCapacity() + ") and "
                                + workers + " running (concurrency " + concurrency + "); retry later");
                listener.invocationFailed(definition, 0, f);
                return Optional.of(CompletableFuture.failedFuture(f));
            }
            if (idleWorkers == 0 && workers < concurrency) {
                startWorker();
            }
        }
        return Optional.of(task.future);
    }

    private void startWorker() {
        workers++;
        String name = "hv-" + definition.name() + "-v" + definition.version() + "-" + workerIds.incrementAndGet();
        Thread.ofPlatform().name(name).daemon(true).start(this::work);
    }

    private void work() {
        long lastActive = ticker.read();
        try {
            while (true) {
                Task task;
                synchronized (lock) {
                    idleWorkers++;
                }
                try {
                    task = queue.poll(options.idlePoll().toNanos(), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    task = null;
                }
                if (task == null) {
                    evictIdle();
                }
                boolean leave = false;
                synchronized (lock) {
                    idleWorkers--;
                    // A burst can be queued while this worker counted as idle between its poll and this line: the
                    // submits then started no worker for it, and only one ran it all (CI, 2026-11-24). So a worker
                    // that takes a task and leaves others queued with no idle worker starts the next, up to the
                    // concurrency; each one started does the same.
                    if (task != null && !queue.isEmpty() && idleWorkers == 0 && workers < concurrency && !draining) {
                        startWorker();
                    }
                    if (task == null && queue.isEmpty()
                            && (draining || ticker.read() - lastActive >= options.keepAlive().toNanos())) {
                        leave = true;
                        workers--;
                        if (draining && workers == 0) {
                            background.execute(this::terminate);
                        }
                    }
                }
                if (leave) {
                    // The ticker may have moved since the eviction above: what expired with this worker's
                    // keep-alive must not outlive the last worker.
                    evictIdle();
                    return;
                }
                if (task != null) {
                    lastActive = run(task);
                }
            }
        } catch (Throwable t) {
            LOG.log(Level.ERROR, "Worker of function '" + definition.name() + "' failed", t);
            synchronized (lock) {
                workers--;
            }
        }
    }

    /** Runs one task; returns when it finished, read before its caller hears of it. */
    private long run(Task task) {
        Sandbox sandbox;
        try {
            sandbox = acquireSandbox();
        } catch (InvocationFailure f) {
            long now = ticker.read();
            fail(task, 0, f);
            return now;
        } catch (RuntimeException e) {
            long now = ticker.read();
            fail(task, 0, InvocationFailure.of(InvocationFailure.Kind.PLATFORM_FAULT,
                    "Could not create a sandbox for function '" + definition.name() + "'", e));
            return now;
        }
        long start = ticker.read();
        long timeoutNanos = definition.config().timeout().toNanos();
        InvocationContext ctx = new InvocationContext(task.invocationId, definition.name(), definition.version(),
                definition.config().memoryMb(), start + timeoutNanos, ticker);
        // Set once by whichever answers the caller first: the timeout, the memory limit, or a result.
        AtomicBoolean stopped = new AtomicBoolean();
        running.add(sandbox);
        Guards guards = arm(task, start, timeoutNanos, sandbox, stopped);
        boolean keep = !fresh;
        InvocationResult result = null;
        InvocationFailure failure = null;
        long cpu = ticker.threadCpu();
        long logged = sandbox.outputCpuNanos();
        try {
            String json;
            try (OutputTap tap = OutputTap.open(listener, definition, task.invocationId)) {
                json = sandbox.invoke(task.eventJson, ctx);
            }
            // Logging the function's output is the node's work, and replays (whose output is dropped) never pay it.
            logged = sandbox.outputCpuNanos() - logged;
            // Warmth's measure (Warmth.Measure): this thread's CPU time, or a worker process's own report.
            long own = sandbox.lastCpuNanos();
            cpu = own >= 0 ? own : ticker.threadCpu() - cpu - logged;
            String body = json == null ? "null" : json;
            long bytes = utf8Length(body, options.maxResultBytes());
            if (bytes > options.maxResultBytes()) {
                // The function itself ran well: its sandbox is kept.
                failure = InvocationFailure.resourceExhausted("ResultTooLarge", "Function '" + definition.name()
                        + "' returned a result of " + bytes + " bytes; the limit is "
                        + describeBytes(options.maxResultBytes()));
            } else {
                result = new InvocationResult(body, definition.version(), ticker.read() - start,
                        start - task.enqueuedAt);
            }
        } catch (InvocationFailure f) {
            keep &= f.kind() == InvocationFailure.Kind.FUNCTION_ERROR && !f.sandboxSpoiled();
            failure = f;
        } catch (RuntimeException | Error e) {
            keep = false;
            failure = InvocationFailure.of(InvocationFailure.Kind.PLATFORM_FAULT,
                    "Function '" + definition.name() + "' failed inside the platform", e);
            LOG.log(Level.ERROR, "Sandbox of function '" + definition.name() + "' failed", e);
        } finally {
            guards.disarm();
            running.remove(sandbox);
            keep &= !stopped.get() && sandbox.reusable();
            // Back in the pool before the caller hears: its next invocation finds this sandbox idle.
            releaseSandbox(sandbox, keep);
            if (guards.memoryExceeded()) {
                options.heapGuard().memoryReleased();
            }
        }
        long finished = ticker.read();
        if (stopped.get()) {
            return finished;
        }
        if (result != null) {
            // Claims the answer (a timeout firing now finds it taken), then tells the listener before the caller: a
            // caller that reads metrics or warmth right after its response sees its own invocation counted.
            if (stopped.compareAndSet(false, true)) {
                Optional<Warmth.State> ranIn = listener.invocationSucceeded(definition, result.durationNanos(), cpu);
                InvocationResult measured = result.measured(cpu);
                task.future.complete(ranIn.isPresent() ? measured.ranIn(ranIn.get()) : measured);
            }
        } else {
            fail(task, finished - start, failure);
        }
        return finished;
    }

    /**
     * An invocation's guards, armed: its timeout on the watchdog and, with {@code memoryMb} set, its allocation watch
     * (null without); each stops the invocation ({@link #stop}).
     */
    private record Guards(ScheduledFuture<?> alarm, AllocationMonitor.Watch memoryWatch) {

        void disarm() {
            alarm.cancel(false);
            if (memoryWatch != null) {
                memoryWatch.close();
            }
        }

        boolean memoryExceeded() {
            return memoryWatch != null && memoryWatch.exceeded();
        }
    }

    /** Arms the guards of {@code task}, running in {@code sandbox} since {@code start}, on this (its worker) thread. */
    private Guards arm(Task task, long start, long timeoutNanos, Sandbox sandbox, AtomicBoolean stopped) {
        ScheduledFuture<?> alarm = watchdog.schedule(() -> stop(task, start, sandbox, stopped,
                InvocationFailure.of(InvocationFailure.Kind.TIMEOUT, "Function '" + definition.name()
                        + "' timed out after " + definition.config().timeout().toMillis()
                        + " ms, its timeoutMs; the invocation was stopped")), timeoutNanos, TimeUnit.NANOSECONDS);
        int memoryMb = definition.config().memoryMb();
        AllocationMonitor.Watch memoryWatch = allocationMonitor == null || memoryMb <= 0 ? null
                : allocationMonitor.watch(memoryMb * 1024L * 1024L, options.heapGuard()::enforcesMemoryLimits,
                        () -> stop(task, start, sandbox, stopped, InvocationFailure.resourceExhausted(
                                "MemoryLimitExceeded", "Function '" + definition.name() + "' allocated more than "
                                        + memoryMb + " MB in one invocation (memoryMb " + memoryMb + ") while the node's"
                                        + " heap was " + Math.round(options.heapGuard().pressure() * 100)
                                        + "% full; the invocation was stopped")));
        return new Guards(alarm, memoryWatch);
    }

    /**
     * Arms and at once disarms the guards of an invocation that never runs, as the warm-up begins: the first time a
     * lambda expression is evaluated the JVM links its call site (it generates a class), and the allocation check
     * starts with its first watch. Served invocations alone ran this code, so the node's first served call paid
     * for it: 3-3.6 ms before the guest code started, on top of a 3.4 ms function (JavaScript, measured on a node
     * just made ready, bench/results/notes-first-served-call.md, nineteenth session). Nothing can fire: the guards
     * are cancelled at once, and the invocation counts as answered already, so a firing would do nothing. A node
     * that is stopping (its watchdog refuses work) skips it: the replays then end on their own.
     */
    void primeGuards() {
        Task none = new Task("{}", "warm-up-guards", ticker.read());
        try {
            arm(none, none.enqueuedAt, definition.config().timeout().toNanos(), null, new AtomicBoolean(true))
                    .disarm();
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            LOG.log(Level.DEBUG, "Not priming the guards of '" + definition.name() + "': the node is stopping");
        }
    }

    /** Fails the caller at once and cancels the sandbox: the first of the timeout and the memory limit wins. */
    private void stop(Task task, long start, Sandbox sandbox, AtomicBoolean stopped, InvocationFailure f) {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        fail(task, ticker.read() - start, f);
        // Off the watchdog thread: closing a context can take a while, and other deadlines must not wait.
        background.execute(sandbox::cancel);
    }

    /** The UTF-8 length of {@code s}, exact when it may be over {@code limit}. */
    static long utf8Length(String s, long limit) {
        if (s.length() * 3L <= limit) {
            return s.length(); // a lower bound, and within the limit whatever the characters
        }
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length()
                    && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    /** {@code 6291456 bytes (6 MB)}, or {@code 1000 bytes}. */
    private static String describeBytes(long bytes) {
        long mb = 1024 * 1024;
        return bytes + " bytes" + (bytes % mb == 0 ? " (" + bytes / mb + " MB)" : "");
    }

    private void fail(Task task, long nanos, InvocationFailure f) {
        if (task.future.completeExceptionally(f)) {
            listener.invocationFailed(definition, nanos, f);
        }
    }

    private Sandbox acquireSandbox() {
        synchronized (lock) {
            Pooled p = idleSandboxes.pollFirst();
            if (p != null) {
                busySandboxes++;
                refillIfLow();
                return p.sandbox;
            }
            busySandboxes++;
        }
        try {
            return makeSandbox();
        } catch (RuntimeException e) {
            synchronized (lock) {
                busySandboxes--;
            }
            throw e;
        }
    }

    /** The idle sandboxes {@link #evictIdle()} keeps: the function's minimum, and one spare if it has a minimum. */
    private int kept() {
        int min = function.minIdleSandboxes();
        return min > 0 ? min + 1 : 0;
    }

    /**
     * Makes the spare that {@link #kept()} counts, on the calling thread, unless the function has that many sandboxes
     * already (idle, running an invocation, or being made: the replays may run alongside traffic, and the re-check
     * replays again) or the dispatcher is draining: called before the warm-up replays, so that the function's code
     * is compiled with every context that will serve it already made, and no context is made while the first
     * invocations run. A spare made after the
     * replays, at the first served invocation (which takes the last idle sandbox), deoptimized 5-6 of the units the
     * replays had compiled, in each of 4 runs (2026-11-26, one engine, Python JSON transform); made before them, none.
     * The serving context's first 240 calls were not measurably faster for it: GraalPy settled at a different level
     * from run to run (40-67 ms) either way.
     */
    private void makeSpare() {
        synchronized (lock) {
            if (draining || idleSandboxes.size() + busySandboxes + sandboxesBeingMade >= kept()) {
                return;
            }
            sandboxesBeingMade++;
        }
        makeIdle();
    }

    /** Makes a sandbox counted in {@code sandboxesBeingMade} and pools it idle, unless the dispatcher now drains. */
    private void makeIdle() {
        Sandbox s = null;
        try {
            s = makeSandbox();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "Could not make a spare sandbox for '" + definition.name() + "'", e);
        }
        synchronized (lock) {
            sandboxesBeingMade--;
            if (s != null && !draining) {
                idleSandboxes.addLast(new Pooled(s, ticker.read()));
                s = null;
            }
        }
        if (s != null) {
            closeQuietly(s);
        }
    }

    /** Keeps {@code minIdleSandboxes} ready: called under the lock after one was taken. */
    private void refillIfLow() {
        int min = function.minIdleSandboxes();
        int live = idleSandboxes.size() + busySandboxes + sandboxesBeingMade;
        if (idleSandboxes.size() + sandboxesBeingMade < min && live < concurrency + min && !draining) {
            sandboxesBeingMade++;
            background.execute(this::makeIdle);
        }
    }

    private Sandbox makeSandbox() {
        long t0 = ticker.read();
        Sandbox s = function.newSandbox();
        listener.sandboxCreated(definition, ticker.read() - t0);
        return s;
    }

    private void releaseSandbox(Sandbox sandbox, boolean keep) {
        synchronized (lock) {
            busySandboxes--;
            if (keep) {
                // Even while draining: queued invocations still run, and terminate() closes what is idle.
                idleSandboxes.addFirst(new Pooled(sandbox, ticker.read()));
                return;
            }
            refillIfLow();
        }
        closeQuietly(sandbox);
    }

    /**
     * Releases sandboxes idle longer than the keep-alive, keeping {@link #kept()}: a function with a minimum of idle
     * sandboxes (Python) keeps one spare beyond it however long it is idle. The spare is what a context costs to
     * make again, besides its ~1 s of CPU: every new GraalPy context undoes some of the function's compiled code,
     * which the engine shares between contexts. Measured on one engine (2026-11-26, a Python JSON transform hot in
     * its context at 40 ms): making a second context deoptimized 9 of its compiled units (the entry from the host,
     * the wrapper's invoke, the json module's regular expressions), and the hot context ran at 45-110 ms for the
     * next 180 calls while they were compiled again; each further context did the same (2 to 9 deoptimizations
     * each, until the seventh). Closing a context deoptimized nothing. Before
     * this rule the spare went after the keep-alive whenever calls came one at a time (they never use it) or the
     * function was idle, and the next call made it again: a Python JSON transform called in bursts ran at 57-116 ms
     * with a core of Truffle compiling in every burst, against 29-31 ms and no compiling with the spare kept. It
     * costs one idle context per Python function (closing three of five freed 9 MB of heap). Idle workers call it;
     * the node may call it too.
     *
     * @return how many sandboxes were released
     */
    public int evictIdle() {
        Deque<Pooled> evicted = new ArrayDeque<>();
        synchronized (lock) {
            long now = ticker.read();
            int keep = kept();
            while (idleSandboxes.size() > keep) {
                Pooled oldest = idleSandboxes.peekLast();
                if (now - oldest.idleSince < options.keepAlive().toNanos()) {
                    break;
                }
                evicted.add(idleSandboxes.pollLast());
            }
        }
        evicted.forEach(p -> closeQuietly(p.sandbox));
        return evicted.size();
    }

    /**
     * Replays the function's declared warm-up inputs ({@link FunctionConfig#warmupInputs()}) and then {@code sampled}
     * (recent real events; ignored unless the function allows sampling, {@link FunctionConfig#warmupSampling()}), in
     * turn, in a sandbox of their own, until the replays run hot against {@code targetNanos} (the fleet's best or the
     * remembered steady state, judged as a {@link WarmthTracker} judges), or, with no target, until their latency
     * stops falling ("settled"); in any case at most {@link WarmthOptions#warmUpReplays()} replays within
     * {@link WarmthOptions#warmUpBudget()}. JavaScript and Python compile on the language's shared engine, and an
     * in-node Java function's replays run the same classes (the JIT compiles per class, not per instance), so the
     * pooled sandboxes inherit the compiled code; a Java function in process isolation replays inside the worker JVM
     * that serves ({@link ProcessFunction}), and is given {@code sampled} for its off-path warm-up ({@link #sample}).
     *
     * <p>Nothing of a replay leaks: its results are dropped, what it prints is dropped, its sandbox (and the
     * guest state in it) is closed at the end and never pooled, and the listener hears nothing (a replay is not an
     * invocation). Each replay is bounded by the function's timeout and its {@code memoryMb}, as an invocation.
     * Runs guest code on the calling thread: call it on a platform thread. It may run while the dispatcher takes
     * traffic (policy {@code alongside}); it stops early once the dispatcher drains.
     *
     * @param targetNanos the steady state to reach; 0 when none is known
     */
    public WarmUp warmUp(WarmthOptions warmth, List<String> sampled, long targetNanos) {
        List<String> allowed = definition.config().warmupSampling() ? sampled : List.of();
        sample(allowed);
        List<String> inputs = new ArrayList<>(definition.config().warmupInputs());
        inputs.addAll(allowed);
        if (!inputs.isEmpty() && warmth.warmUpReplays() > 0) {
            makeSpare();
        }
        primeGuards();
        return WarmUpReplay.run(function, ticker, watchdog,
                new WarmUpReplay.MemoryLimit(allocationMonitor, options.heapGuard()), warmth, inputs, targetNanos,
                this::isDraining);
    }

    /** {@link #warmUp(WarmthOptions, java.util.List, long)} of the declared inputs only, with no target. */
    public WarmUp warmUp(WarmthOptions warmth) {
        return warmUp(warmth, List.of(), 0);
    }

    /**
     * Gives the function the node's sample of its recent real events ({@link LoadedFunction#sample}), for warm-up off
     * the serving path; ignored unless the function allows sampling ({@link FunctionConfig#warmupSampling()}), or
     * while this dispatcher drains. Returns at once.
     */
    public void sample(List<String> events) {
        if (!events.isEmpty() && definition.config().warmupSampling() && !isDraining()) {
            function.sample(events);
        }
    }

    /**
     * Whether the function waits for the node's sample ({@link #sample}): the node then gives it its sample as soon as
     * it holds an event. False for a function that does not allow sampling.
     */
    public boolean wantsSample() {
        return definition.config().warmupSampling() && function.wantsSample();
    }

    private boolean isDraining() {
        synchronized (lock) {
            return draining;
        }
    }

    /** Invocations waiting for a worker. */
    public int queueDepth() {
        return queue.size();
    }

    /** Sandboxes alive: idle and busy. */
    public int liveSandboxes() {
        synchronized (lock) {
            return idleSandboxes.size() + busySandboxes;
        }
    }

    /** Sandboxes running an invocation now. */
    public int busySandboxes() {
        synchronized (lock) {
            return busySandboxes;
        }
    }

    /** Worker threads alive. */
    public int workers() {
        synchronized (lock) {
            return workers;
        }
    }

    /**
     * Stops taking work, finishes what is queued and running, then closes every sandbox and the loaded function.
     *
     * @return completes when all of that is done
     */
    public CompletableFuture<Void> drain() {
        synchronized (lock) {
            if (!draining) {
                draining = true;
                if (workers == 0) {
                    background.execute(this::terminate);
                }
            }
        }
        return terminated;
    }

    /**
     * Stops now: queued invocations fail as {@code CANCELLED}, running ones are cancelled, then as {@link #drain()}.
     */
    public CompletableFuture<Void> shutdownNow() {
        // drain() first: it refuses new work and, when no worker is left to do it, terminates. (Setting draining
        // here and then calling drain() never terminated a dispatcher without workers.)
        CompletableFuture<Void> done = drain();
        Task t;
        while ((t = queue.poll()) != null) {
            fail(t, 0, InvocationFailure.of(InvocationFailure.Kind.CANCELLED,
                    "The node is stopping; invocation of '" + definition.name() + "' was not run"));
        }
        running.forEach(Sandbox::cancel);
        return done;
    }

    private void terminate() {
        Deque<Pooled> toClose;
        synchronized (lock) {
            toClose = new ArrayDeque<>(idleSandboxes);
            idleSandboxes.clear();
        }
        toClose.forEach(p -> closeQuietly(p.sandbox));
        try {
            function.close();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "Closing function '" + definition.name() + "' failed", e);
        }
        terminated.complete(null);
    }

    private void closeQuietly(Sandbox s) {
        try {
            s.close();
        } catch (RuntimeException e) {
            LOG.log(Level.DEBUG, "Closing a sandbox of '" + definition.name() + "' failed", e);
        }
    }

    private record Pooled(Sandbox sandbox, long idleSince) {
    }

    private static final class Task {
        final String eventJson;
        final String invocationId;
        final long enqueuedAt;
        final CompletableFuture<InvocationResult> future = new CompletableFuture<>();

        Task(String eventJson, String invocationId, long enqueuedAt) {
            this.eventJson = eventJson;
            this.invocationId = invocationId;
            this.enqueuedAt = enqueuedAt;
        }
    }
}
