package io.hotvisor.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * One loaded version of a Java function with {@link Isolation#PROCESS}: each of its sandboxes is a worker JVM
 * ({@link ProcessSandbox}), pooled, bounded and kept alive by the ordinary {@link FunctionDispatcher}. The first
 * worker is started at deploy, so a handler that does not load fails the deploy with the in-node message; the
 * function's code never runs in the node (not even its static initializers).
 *
 * <p>AOT cache (JDK 25, JEP 483/515; {@link WorkerAotCache}): while the function has no cache, here or in the fleet,
 * one worker at a time is a training JVM ({@code -XX:AOTCacheOutput=}): it serves the first
 * {@link RuntimeOptions#aotTrainingInvocations()} real invocations (real work is the representative training), then
 * reports itself not {@link Sandbox#reusable()} and the dispatcher retires it (or its keep-alive expires first); asked
 * to exit, it writes the cache, which is then moved into place atomically. Every later worker starts with
 * {@code -XX:AOTCache=} and the JVM's default {@code -XX:AOTMode=auto}: a missing, corrupt or mismatched cache is
 * ignored with a warning in the worker's log, never a failure to start. A training run that fails (the worker was
 * killed, timed out, crashed) is retried by a later worker, at most {@value WorkerAotCache#TRAINING_ATTEMPTS} times
 * per function version.
 *
 * <p>A function that declares warm-up inputs, or allows sampling its real events, is trained, and its snapshot's
 * source checkpointed, off the serving path instead ({@link #warmOffPath()}): in worker JVMs of their own that replay
 * those inputs (the node's sample: {@link #sample(List)}) and never serve. Its serving workers are never retired for
 * training nor parked for a checkpoint, and they get warm-up replays of their own ({@link #newThrowawaySandbox()}).
 *
 * <p>The function's own classes are loaded by a {@link FunctionClassLoader}, as in-node; JDK 25 caches only classes
 * of the built-in loaders, so the cache holds the JDK's, Jackson's, Gson's and the worker's classes and the method
 * profiles, which is where a worker's start-up time goes.
 */
final class ProcessFunction implements LoadedFunction {
    private static final System.Logger LOG = System.getLogger(ProcessFunction.class.getName());
    /** Time for a worker JVM to start, beyond the function's own timeout for its static initializer. */
    private static final Duration START_ALLOWANCE = Duration.ofSeconds(30);
    /**
     * The fewest warm-up replays a snapshot's source off the serving path runs before its checkpoint: twice the warmth
     * window. A curve can look settled on an early plateau: the bench's Java word count settled after 10 replays and
     * its restored copies ran their first 5 calls at 2.6-6.9x the steady state, still compiling (2026-11-24).
     */
    static final int SOURCE_MIN_REPLAYS = 64;
    /** The most warm-up replays a snapshot's source off the serving path runs before its checkpoint. */
    static final int SOURCE_MAX_REPLAYS = 300;
    /** The longest a snapshot's source off the serving path replays before its checkpoint (the warm-up budget). */
    static final Duration SOURCE_BUDGET = Duration.ofSeconds(30);

    private final FunctionDefinition definition;
    private final Path jar;
    private final WorkerJvm jvm;
    private final WorkerAotCache aot;
    private final WorkerSnapshot snapshot;
    private final Runnable onClose;
    private final TrainingWorkers training;
    private final AtomicReference<ProcessSandbox> first = new AtomicReference<>();
    /** The worker started last, whoever holds it now: the one warm-up replays run in. */
    private final AtomicReference<ProcessSandbox> latest = new AtomicReference<>();
    /** Workers warmed off the serving path ({@link #warmOffPath()}), closed with the function. */
    private final Set<ProcessSandbox> offPath = ConcurrentHashMap.newKeySet();
    /** Whether off-path training or checkpointing runs now: one worker at a time, the snapshot after the cache. */
    private final AtomicBoolean warming = new AtomicBoolean();
    /** The node's sample of real events ({@link #sample(List)}); empty until it gives one. */
    private final AtomicReference<List<String>> sampled = new AtomicReference<>(List.of());
    private volatile boolean closed;

    private ProcessFunction(FunctionDefinition definition, Path jar, WorkerJvm jvm, RuntimeOptions options,
                            TrainingWorkers training, Runnable onClose) {
        this.training = training;
        this.definition = definition;
        this.jar = jar;
        this.jvm = jvm;
        this.aot = WorkerAotCache.of(definition, jar, jvm, options);
        this.snapshot = WorkerSnapshot.of(definition, jar, jvm, options);
        this.onClose = onClose;
    }

    /**
     * Checks the jar (a readable zip; not scanned: the process contains what the scan would refuse) and starts the
     * first worker, which loads the handler.
     *
     * @throws DeployException as for an in-node Java function
     */
    static ProcessFunction load(FunctionDefinition definition, Path jar, WorkerJvm jvm, RuntimeOptions options,
                                TrainingWorkers training, Runnable onClose) {
        FunctionJar.open(jar, definition.name(), JavaScanPolicy.OFF);
        ProcessFunction f = new ProcessFunction(definition, jar, jvm, options, training, onClose);
        try {
            f.first.set(f.start(true));
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
        return f;
    }

    @Override
    public FunctionDefinition definition() {
        return definition;
    }

    @Override
    public Sandbox newSandbox() {
        if (closed) {
            throw InvocationFailure.of(InvocationFailure.Kind.PLATFORM_FAULT,
                    "Function '" + definition.name() + "' version " + definition.version() + " is closed");
        }
        ProcessSandbox s = first.getAndSet(null);
        if (s != null && !s.reusable()) { // killed while it waited: by a replay's timeout, or from outside
            s.close();
            s = null;
        }
        return s != null ? s : start(false);
    }

    /**
     * Warm-up replays inside a worker that serves: each worker JVM compiles on its own, so replays in a JVM of their
     * own would warm code no invocation runs. They borrow the worker started last, whoever holds it: the one made at
     * deploy, which the dispatcher's first invocation takes, or the one already serving (policy {@code alongside}).
     * In it they run in a handler instance of their own that prints nowhere, as an in-node Java function's replays do
     * ({@link JavaFunction#newThrowawaySandbox()}: the function's static fields are shared with its invocations), and
     * take turns with its invocations. Closing the replay sandbox tells the worker to drop that instance; the worker
     * stays with whoever holds it. With no live worker, one is started and kept for the next {@link #newSandbox()}.
     * With {@link SandboxPolicy#FRESH} (new classes per invocation), empty.
     */
    @Override
    public Optional<Sandbox> newThrowawaySandbox() {
        if (closed) {
            throw InvocationFailure.of(InvocationFailure.Kind.PLATFORM_FAULT,
                    "Function '" + definition.name() + "' version " + definition.version() + " is closed");
        }
        if (definition.config().sandbox() == SandboxPolicy.FRESH) {
            return Optional.empty();
        }
        ProcessSandbox worker = latest.get();
        if (worker == null || !worker.reusable()) {
            worker = start(false);
            ProcessSandbox older = first.getAndSet(worker);
            if (older != null) {
                older.close();
            }
            if (closed) { // closed meanwhile: close() may have looked at first before it was set
                ProcessSandbox unused = first.getAndSet(null);
                if (unused != null) {
                    unused.close();
                }
            }
        }
        return Optional.of(new Replays(worker));
    }

    /** The warm-up replays' sandbox: a handler instance of their own inside a worker that serves. */
    private record Replays(ProcessSandbox worker) implements Sandbox {
        @Override
        public String invoke(String eventJson, InvocationContext context) {
            worker.replay(eventJson, context);
            return null;
        }

        @Override
        public long lastCpuNanos() {
            return worker.lastReplayCpuNanos();
        }

        @Override
        public void cancel() {
            worker.cancelReplays();
        }

        @Override
        public void close() {
            worker.endReplays();
        }
    }

    @Override
    public int minIdleSandboxes() {
        return 0;
    }

    /** The AOT cache file of this version's jar; empty when AOT caches are off. */
    Optional<Path> aotCacheFile() {
        return aot.file();
    }

    @Override
    public Optional<AotCacheStatus> aotCache() {
        return Optional.of(aot.status());
    }

    /** The directory of this version's snapshot (its image and the source's working directory). */
    Path snapshotDir() {
        return snapshot.dir();
    }

    @Override
    public Optional<SnapshotStatus> snapshot() {
        return Optional.of(snapshot.status());
    }

    private ProcessSandbox start(boolean deploying) {
        ProcessSandbox s = startWorker(deploying);
        latest.set(s);
        return s;
    }

    private ProcessSandbox startWorker(boolean deploying) {
        snapshot.fetch(jar);
        if (snapshot.ready()) {
            Optional<ProcessSandbox> restored = restore();
            if (restored.isPresent()) {
                return restored.get();
            }
        }
        ProcessSandbox s = startFresh(deploying);
        snapshot.startedFresh();
        return s;
    }

    /** A worker restored from the snapshot; empty (the reason recorded in the snapshot's status) if that failed. */
    private Optional<ProcessSandbox> restore() {
        Path dir = null;
        try {
            snapshot.ensureFiles(jar);
            dir = Files.createTempDirectory("hv-r");
            Path d = dir;
            ProcessSandbox s = ProcessSandbox.start(ProcessSandbox.Launch.RESTORE, definition.config(),
                    snapshot.restoreCommand(dir), dir, dir.resolve("s"), START_ALLOWANCE,
                    jvm.rssLimitBytes(definition.config().memoryMb()), 0, exitCode -> deleteTree(d));
            snapshot.restored();
            return Optional.of(s);
        } catch (IOException | RuntimeException e) {
            snapshot.restoreFailed(e.getMessage());
            if (dir != null) {
                deleteTree(dir);
            }
            return Optional.empty();
        }
    }

    private ProcessSandbox startFresh(boolean deploying) {
        if (warmsOffPath()) {
            ProcessSandbox s = startPlain(deploying, aot.cachePlan());
            warmOffPath();
            return s;
        }
        WorkerAotCache.Plan plan = aot.plan();
        if (plan.trainingOutput().isEmpty() && snapshot.claimSource()) {
            try {
                ProcessSandbox s = startSource(plan);
                s.checkpointAfter(snapshot.after(), snapshot::take);
                return s;
            } catch (DeployException e) {
                snapshot.sourceLost(e.getMessage());
                if (deploying) {
                    throw e;
                }
                throw InvocationFailure.of(InvocationFailure.Kind.PLATFORM_FAULT, e.getMessage(), e);
            } catch (IOException | RuntimeException e) {
                snapshot.sourceLost(e.getMessage());
                LOG.log(Level.WARNING, "Could not start a worker of function '" + definition.name() + "' to"
                        + " checkpoint; it starts as usual: " + e.getMessage());
            }
        }
        return startPlain(deploying, plan);
    }

    /**
     * A worker that is checkpointed once hot ({@link WorkerSnapshot}). With the AOT cache if there is one (restored
     * copies map the same file, which is never replaced), never a training one (it exits to write its cache).
     */
    private ProcessSandbox startSource(WorkerAotCache.Plan plan) throws IOException {
        Path dir = snapshot.sourceDir();
        // A snapshot shared with the fleet holds no AOT cache: its path is this node's, not every node's.
        String aotFlag = snapshot.sharing() ? null : plan.flag().orElse(null);
        // The socket in a short temporary directory: a socket's path has at most 107 bytes.
        Path socket = Files.createTempDirectory("hv-s").resolve("s");
        List<String> command = snapshot.sourceCommand(jvm.command(definition.config(), definition.version(),
                socket, snapshot.sourceJar(jar), dir, aotFlag));
        Duration startTimeout = definition.config().timeout().plus(START_ALLOWANCE);
        ProcessSandbox s;
        try {
            s = ProcessSandbox.start(ProcessSandbox.Launch.SOURCE, definition.config(), command, dir, socket,
                    startTimeout, jvm.rssLimitBytes(definition.config().memoryMb()), 0,
                    exitCode -> snapshot.sourceLost("it exited with code " + exitCode));
        } finally {
            Files.deleteIfExists(socket.getParent());
        }
        if (aotFlag != null && plan.usesCache()) {
            s.awaitOutput(WorkerAotCache.USED, Duration.ofSeconds(2));
            aot.started(plan, s);
        }
        return s;
    }

    private ProcessSandbox startPlain(boolean deploying, WorkerAotCache.Plan plan) {
        return startPlain(deploying, plan, () -> { });
    }

    /** @param exited run after the worker exited and {@link #afterExit} kept its cache */
    private ProcessSandbox startPlain(boolean deploying, WorkerAotCache.Plan plan, Runnable exited) {
        Path dir;
        try {
            dir = Files.createTempDirectory("hv-w");
        } catch (IOException e) {
            throw InvocationFailure.of(InvocationFailure.Kind.PLATFORM_FAULT,
                    "Could not make a directory for a worker of function '" + definition.name() + "'", e);
        }
        List<String> command = jvm.command(definition.config(), definition.version(), dir.resolve("s"), jar, dir,
                plan.flag().orElse(null));
        Duration startTimeout = definition.config().timeout().plus(START_ALLOWANCE);
        try {
            ProcessSandbox s = ProcessSandbox.start(definition.config(), command, dir, dir.resolve("s"), startTimeout,
                    jvm.rssLimitBytes(definition.config().memoryMb()), plan.retireAfter(),
                    exitCode -> {
                        afterExit(dir, plan, exitCode);
                        exited.run();
                    });
            aot.started(plan, s);
            plan.trainingOutput().ifPresent(output -> training.started(output, s));
            return s;
        } catch (DeployException e) {
            if (deploying) {
                throw e;
            }
            throw InvocationFailure.of(InvocationFailure.Kind.PLATFORM_FAULT, e.getMessage(), e);
        }
    }

    /**
     * Whether this function's AOT training and snapshot source run off the serving path ({@link #warmOffPath()}): it
     * declares warm-up inputs or allows sampling its real events, and its classes persist between invocations. One
     * that allows sampling but has no sample yet ({@link #sample(List)}) waits for one: its serving workers still
     * neither train nor are checkpointed.
     */
    private boolean warmsOffPath() {
        FunctionConfig config = definition.config();
        return config.sandbox() != SandboxPolicy.FRESH && (!config.warmupInputs().isEmpty() || config.warmupSampling());
    }

    /**
     * The node's sample of this function's recent real events, for off-path warm-up: the first sample starts it when
     * no declared inputs did (the AOT cache is trained, and the snapshot's source checkpointed, on replays of those
     * events). Ignored unless the function allows sampling ({@link FunctionConfig#warmupSampling()}): events may hold
     * private data. Returns at once; the off-path workers start on a virtual thread.
     */
    @Override
    public void sample(List<String> events) {
        if (closed || events.isEmpty() || !definition.config().warmupSampling() || !warmsOffPath()) {
            return;
        }
        if (sampled.getAndSet(List.copyOf(events)).isEmpty()) {
            warmOffPath();
        }
    }

    /** Whether this function waits for the node's sample to warm up off the serving path ({@link #sample(List)}). */
    @Override
    public boolean wantsSample() {
        return !closed && definition.config().warmupSampling() && warmsOffPath() && sampled.get().isEmpty();
    }

    /** What off-path workers replay: the declared warm-up inputs, then the sample (a function that allows sampling). */
    private List<String> offPathInputs() {
        List<String> declared = definition.config().warmupInputs();
        List<String> sample = definition.config().warmupSampling() ? sampled.get() : List.of();
        if (sample.isEmpty()) {
            return declared;
        }
        List<String> all = new ArrayList<>(declared);
        all.addAll(sample);
        return all;
    }

    /** What off-path workers replay, for their status. */
    private String describeOffPathInputs() {
        boolean declared = !definition.config().warmupInputs().isEmpty();
        boolean sample = definition.config().warmupSampling() && !sampled.get().isEmpty();
        return declared && sample ? "the declared warm-up inputs and sampled events"
                : declared ? "the declared warm-up inputs" : "sampled events";
    }

    /**
     * Trains the AOT cache, then checkpoints a snapshot's source, in worker JVMs of their own that never serve, one
     * after the other on a virtual thread: each replays the function's warm-up inputs, declared or sampled
     * ({@link #offPathInputs()}), as many times as a training worker or a source would serve real invocations
     * ({@link RuntimeOptions#aotTrainingInvocations()}, {@link RuntimeOptions#snapshotAfterInvocations()}), then
     * exits (a training JVM writes its cache; the source starts once it is written) or is checkpointed and exits.
     * Serving, a training worker retired after its invocations and the next call landed on a new, cold worker, and the
     * invocation after a source's last one waited for its checkpoint (the hot-start bench of 2026-11-24: the 11th call
     * on a joining node took 17-106x the steady state, in every configuration). Nothing to do with no inputs yet, once
     * the cache exists and the snapshot is taken, or while this is running.
     */
    private void warmOffPath() {
        if (closed || offPathInputs().isEmpty() || !warming.compareAndSet(false, true)) {
            return;
        }
        Thread.ofVirtual().name("hv-off-path-" + definition.name()).start(() -> {
            try {
                while (!closed) {
                    List<String> inputs = offPathInputs();
                    String described = describeOffPathInputs();
                    WorkerAotCache.Plan plan = aot.offPathPlan(described);
                    if (plan.trainingOutput().isPresent()) {
                        trainOffPath(plan, inputs); // then the snapshot, whose source starts with the cache
                    } else {
                        if (snapshot.claimOffPathSource(described)) {
                            checkpointOffPath(plan, inputs);
                        }
                        return;
                    }
                }
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "Warming function '" + definition.name() + "' off the serving path failed: "
                        + e.getMessage());
            } finally {
                warming.set(false);
            }
        });
    }

    /** Trains the AOT cache on {@code inputs}, and returns once the training JVM has exited (its cache is written). */
    private void trainOffPath(WorkerAotCache.Plan plan, List<String> inputs) {
        CompletableFuture<Void> exited = new CompletableFuture<>();
        ProcessSandbox trainer = null;
        try {
            trainer = startPlain(false, plan, () -> exited.complete(null));
            offPath.add(trainer);
            replay(trainer, inputs, Math.max(1, plan.retireAfter()));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "The AOT training worker of function '" + definition.name() + "' failed: "
                    + e.getMessage());
        } finally {
            if (trainer != null) {
                offPath.remove(trainer);
                trainer.close(); // it exits and writes its cache: afterExit keeps it
            }
        }
        if (trainer != null) {
            // close() kills a training JVM that has not exited 2 minutes after being asked
            exited.completeOnTimeout(null, 3, TimeUnit.MINUTES).join();
        }
    }

    private void checkpointOffPath(WorkerAotCache.Plan plan, List<String> inputs) {
        ProcessSandbox source = null;
        try {
            source = startSource(plan);
            offPath.add(source);
            int replays = replayUntilSettled(source, inputs, snapshot.after());
            if (replays > 0) {
                snapshot.take(source, replays + " warm-up replays");
            } else {
                snapshot.sourceLost("a warm-up replay failed in it");
            }
        } catch (IOException | RuntimeException e) {
            snapshot.sourceLost(e.getMessage());
        } finally {
            if (source != null) {
                offPath.remove(source);
                source.close(); // checkpointed or not, it never serves
            }
        }
    }

    /**
     * Replays {@code inputs} in a snapshot's source off the serving path until it is hot: {@code min} times always,
     * then, within {@value #SOURCE_MAX_REPLAYS} replays and {@link #SOURCE_BUDGET}, at least
     * {@value #SOURCE_MIN_REPLAYS} times and until the worker's own CPU time per replay has settled, as a
     * {@link WarmthTracker} judges a curve (the newest few no faster than the oldest of the recent window). What a
     * restored copy runs first is what the source had compiled: checkpointed after 10 replays, the fleet's copies of
     * the bench's Java word count and JSON transform ran their first call at 5x and 8.5x the steady state (hot-start
     * bench, 2026-11-24, CPU). The source never serves, so the replays delay no invocation.
     *
     * @return how many replays ran; 0 if one failed or timed out, or the function was closed meanwhile (logged)
     */
    private int replayUntilSettled(ProcessSandbox worker, List<String> inputs, int min) {
        FunctionWarmth curve = new FunctionWarmth(WarmthOptions.defaults(), definition.version());
        long deadline = System.nanoTime() + SOURCE_BUDGET.toNanos();
        int replays = 0;
        while (replays < min || (replays < SOURCE_MAX_REPLAYS && System.nanoTime() - deadline < 0
                && (replays < SOURCE_MIN_REPLAYS || !curve.settled()))) {
            if (!replay(worker, List.of(inputs.get(replays % inputs.size())), 1)) {
                return 0;
            }
            replays++;
            long cpu = worker.lastReplayCpuNanos();
            if (cpu >= 0) {
                curve.record(cpu);
            }
        }
        return replays;
    }

    /**
     * Replays {@code inputs} in {@code worker}, {@code count} times in turn, each bounded by the function's timeout
     * (past it the worker is killed); results and output dropped, as every replay's.
     *
     * @return false if one failed or timed out, or the function was closed meanwhile (logged)
     */
    private boolean replay(ProcessSandbox worker, List<String> inputs, int count) {
        Duration timeout = definition.config().timeout();
        Ticker ticker = Ticker.system();
        for (int i = 0; i < count; i++) {
            if (closed) {
                return false;
            }
            String input = inputs.get(i % inputs.size());
            InvocationContext ctx = new InvocationContext("off-path-" + (i + 1), definition.name(),
                    definition.version(), definition.config().memoryMb(), ticker.read() + timeout.toNanos(), ticker);
            FutureTask<Void> replay = new FutureTask<>(() -> {
                worker.replay(input, ctx);
                return null;
            });
            Thread.ofVirtual().name("hv-off-path-replay").start(replay);
            try {
                replay.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                worker.cancel();
                LOG.log(Level.WARNING, "A warm-up input of function '" + definition.name() + "' ran past its timeout"
                        + " in a worker off the serving path; that worker was killed");
                return false;
            } catch (ExecutionException e) {
                LOG.log(Level.WARNING, "A warm-up input of function '" + definition.name() + "' failed in a worker off"
                        + " the serving path: " + e.getCause().getMessage());
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /** After a worker exited: keeps a training JVM's cache if it wrote one, and removes the worker's directory. */
    private void afterExit(Path dir, WorkerAotCache.Plan plan, int exitCode) {
        deleteTree(dir);
        plan.trainingOutput().ifPresent(training::exited);
        plan.trainingOutput().ifPresent(output -> aot.trained(output, exitCode));
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    LOG.log(Level.DEBUG, "Could not delete " + p, e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            LOG.log(Level.DEBUG, "Could not delete " + dir, e);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        ProcessSandbox unused = first.getAndSet(null);
        if (unused != null) {
            unused.close();
        }
        offPath.forEach(ProcessSandbox::close);
        snapshot.close();
        onClose.run();
    }
}
