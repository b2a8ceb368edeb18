package io.hotvisor.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The JDK AOT cache of one function version's worker JVMs on this node: which flag a new worker gets, training,
 * and sharing with the fleet ({@link AotCacheShare}).
 *
 * <p>A new worker, in order: (1) with no cache file here and sharing on, the cache is fetched from the fleet (bounded
 * by {@link #FETCH_TIMEOUT}), verified ({@link SharedAotCache}) and moved into place atomically; a miss is tried again
 * at the next worker, a failure or a cache that does not verify turns fetching off for this version (local training
 * takes over); (2) with a cache file, the worker starts with {@code -XX:AOTCache=} (the JVM's default
 * {@code -XX:AOTMode=auto} ignores a cache it cannot use, with a warning in the worker's log, and starts anyway);
 * (3) otherwise one worker at a time trains ({@code -XX:AOTCacheOutput=}), at most {@value #TRAINING_ATTEMPTS} times.
 * A cache trained here is uploaded to the fleet, stored only if the fleet has none for the key yet.
 */
final class WorkerAotCache {
    private static final System.Logger LOG = System.getLogger(WorkerAotCache.class.getName());
    static final int TRAINING_ATTEMPTS = 3;
    /** How long a worker's start may wait for the fleet's cache before it goes on without. */
    static final Duration FETCH_TIMEOUT = Duration.ofSeconds(15);
    /** What JDK 25 logs ({@code -Xlog:aot=info}) once it has mapped a cache made by {@code -XX:AOTCacheOutput}. */
    static final String USED = "Using AOT-linked classes: true";

    /** What a new worker gets: its AOT flag (empty for none), where a training worker writes, how long it serves. */
    record Plan(Optional<String> flag, Optional<Path> trainingOutput, int retireAfter) {
        static final Plan NONE = new Plan(Optional.empty(), Optional.empty(), 0);

        boolean usesCache() {
            return flag.filter(f -> f.startsWith("-XX:AOTCache=")).isPresent();
        }
    }

    private final String function;
    private final long version;
    private final Path file;
    private final String key;
    private final int trainingInvocations;
    private final AotCacheShare share;
    private final AtomicBoolean training = new AtomicBoolean();
    private final AtomicInteger trainingAttempts = new AtomicInteger();
    private final AtomicBoolean loggedUse = new AtomicBoolean();
    private final ReentrantLock fetching = new ReentrantLock();
    /** Why fetching from the fleet stopped for this version; null while it goes on. */
    private volatile String fetchFailure;
    private AotCacheStatus status;

    private WorkerAotCache(String function, long version, Path file, String key, int trainingInvocations,
                           AotCacheShare share, AotCacheStatus status) {
        this.function = function;
        this.version = version;
        this.file = file;
        this.key = key;
        this.trainingInvocations = trainingInvocations;
        this.share = share;
        this.status = status;
    }

    /** The cache of a function version's jar, or AOT caches off if {@code options} says so. */
    static WorkerAotCache of(FunctionDefinition definition, Path jar, WorkerJvm jvm, RuntimeOptions options) {
        String name = definition.name();
        if (options.aotTrainingInvocations() == 0) {
            return new WorkerAotCache(name, definition.version(), null, "", 0, AotCacheShare.none(),
                    new AotCacheStatus(AotCacheStatus.Source.OFF, "", 0, false, false, false, ""));
        }
        String key = jvm.aotCacheKey(jar);
        Path file = options.aotCacheDir().resolve(key + ".aot");
        AotCacheShare share = options.aotShare();
        long bytes = size(file);
        AotCacheStatus status = new AotCacheStatus(bytes > 0 ? AotCacheStatus.Source.DISK : AotCacheStatus.Source.NONE,
                "", bytes, share.enabled(), false, false, "");
        return new WorkerAotCache(name, definition.version(), file, key, options.aotTrainingInvocations(), share, status);
    }

    /** The cache file; empty when AOT caches are off. */
    Optional<Path> file() {
        return Optional.ofNullable(file);
    }

    String key() {
        return key;
    }

    synchronized AotCacheStatus status() {
        return status;
    }

    /**
     * How a worker that serves starts when training runs off the serving path: with the cache if there is one (fetched
     * from the fleet first if there is none here), else with none; never a training worker.
     */
    Plan cachePlan() {
        return plan(null);
    }

    /** Decides how the next worker that serves starts, fetching the fleet's cache first if there is none here. */
    Plan plan() {
        return plan("training on this node's first " + trainingInvocations + " invocations");
    }

    /**
     * As {@link #plan()}, for a worker off the serving path that trains on replays.
     *
     * @param inputs what it replays, for the status ("the declared warm-up inputs", "sampled events")
     */
    Plan offPathPlan(String inputs) {
        return plan("training off the serving path on " + trainingInvocations + " replays of " + inputs);
    }

    /** @param trainingNote what a training worker does, for the status; null: no training worker */
    private Plan plan(String trainingNote) {
        if (file == null) {
            return Plan.NONE;
        }
        if (!Files.isRegularFile(file) && share.enabled() && fetchFailure == null) {
            fetch();
        }
        if (Files.isRegularFile(file)) {
            if (loggedUse.compareAndSet(false, true)) {
                LOG.log(Level.INFO, "Workers of function '" + function + "' v" + version + " start from AOT cache "
                        + file + " (" + status().source().id() + ")");
            }
            return new Plan(Optional.of("-XX:AOTCache=" + file), Optional.empty(), 0);
        }
        if (trainingNote != null && trainingAttempts.get() < TRAINING_ATTEMPTS && training.compareAndSet(false, true)) {
            trainingAttempts.incrementAndGet();
            try {
                Files.createDirectories(file.getParent());
            } catch (IOException e) {
                training.set(false);
                throw new UncheckedIOException("Cannot make the AOT cache directory " + file.getParent(), e);
            }
            update(AotCacheStatus.Source.TRAINING, "", 0, false, trainingNote + (fetchFailure == null ? ""
                    : "; fetch from the fleet failed: " + fetchFailure));
            Path output = file.resolveSibling(file.getFileName() + TrainingWorkers.TMP_INFIX + System.nanoTime());
            return new Plan(Optional.of("-XX:AOTCacheOutput=" + output), Optional.of(output), trainingInvocations);
        }
        return Plan.NONE;
    }

    /**
     * After a worker started with {@code plan}: whether its JVM used the cache, from its AOT log. "Opened AOT cache"
     * is logged for any file, even one that is no cache; a cache the JVM maps and uses logs {@value #USED}.
     */
    void started(Plan plan, ProcessSandbox worker) {
        if (plan.usesCache()) {
            boolean opened = worker.aotLog().contains(USED);
            synchronized (this) {
                status = new AotCacheStatus(status.source(), status.origin(), status.bytes(), status.sharing(),
                        status.shared(), opened, status.note());
            }
            if (!opened) {
                LOG.log(Level.WARNING, "A worker of function '" + function + "' v" + version + " did not open its AOT"
                        + " cache " + file + " (a different JDK build, class path or jar); it runs without");
            }
        }
    }

    /** Fetches the fleet's cache into place; one fetch at a time, the others wait for its outcome. */
    private void fetch() {
        fetching.lock();
        try {
            if (Files.isRegularFile(file) || fetchFailure != null) {
                return;
            }
            long t0 = System.nanoTime();
            FutureTask<Optional<byte[]>> task = new FutureTask<>(() -> share.fetch(key));
            Thread.ofVirtual().name("hv-aot-fetch").start(task);
            Optional<byte[]> blob;
            try {
                blob = task.get(FETCH_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                task.cancel(true);
                fetchFailed("no answer within " + FETCH_TIMEOUT.toSeconds() + " s");
                return;
            } catch (ExecutionException e) {
                fetchFailed(String.valueOf(e.getCause().getMessage()));
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (blob.isEmpty()) {
                note("not in the fleet yet");
                return;
            }
            SharedAotCache shared;
            try {
                shared = SharedAotCache.decode(key, blob.get());
            } catch (AotCacheShareException e) {
                fetchFailed(e.getMessage());
                return;
            }
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".fetch-" + System.nanoTime());
            Files.write(tmp, shared.cache());
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            String note = "fetched from the fleet in " + ms + " ms (" + shared.cache().length / 1024 + " KB, trained by "
                    + (shared.origin().isEmpty() ? "an unnamed node" : shared.origin()) + ")";
            update(AotCacheStatus.Source.FLEET, shared.origin(), shared.cache().length, true, note);
            LOG.log(Level.INFO, "AOT cache of function '" + function + "' v" + version + " " + note + ": " + file);
        } catch (IOException e) {
            fetchFailed("cannot write " + file + ": " + e.getMessage());
        } finally {
            fetching.unlock();
        }
    }

    private void fetchFailed(String why) {
        fetchFailure = why;
        note("fetch from the fleet failed: " + why);
        LOG.log(Level.WARNING, "Could not use the fleet's AOT cache of function '" + function + "' v" + version
                + " (key " + key + "): " + why + "; its workers train their own");
    }

    /** After a training worker exited: keeps its cache if it wrote one, and shares it with the fleet. */
    void trained(Path output, int exitCode) {
        try {
            if (exitCode == 0 && Files.isRegularFile(output) && Files.size(output) > 0) {
                Files.move(output, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                long bytes = Files.size(file);
                update(AotCacheStatus.Source.TRAINED, share.origin(), bytes, false, "trained on this node");
                LOG.log(Level.INFO, "AOT cache created for function '" + function + "' v" + version + ": " + file
                        + " (" + bytes / 1024 + " KB)");
                if (share.enabled()) {
                    upload();
                }
            } else {
                TrainingWorkers.deleteUnfinished(output);
                update(AotCacheStatus.Source.NONE, "", 0, false, "the training worker exited with code " + exitCode
                        + " without a cache");
                LOG.log(Level.INFO, "The AOT training worker of function '" + function + "' exited with code "
                        + exitCode + " without a cache; a later worker trains again");
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "Could not keep the AOT cache of function '" + function + "'", e);
        } finally {
            training.set(false);
        }
    }

    private void upload() {
        try {
            byte[] cache = Files.readAllBytes(file);
            boolean stored = share.offer(key, new SharedAotCache(cache, share.origin()).encode());
            String note = stored ? "trained on this node and uploaded to the fleet"
                    : "trained on this node; the fleet had a cache for this jar already";
            update(AotCacheStatus.Source.TRAINED, share.origin(), cache.length, true, note);
            LOG.log(Level.INFO, "AOT cache of function '" + function + "' v" + version + ": " + note + " (key " + key
                    + ")");
        } catch (IOException | AotCacheShareException e) {
            note("trained on this node; upload to the fleet failed: " + e.getMessage());
            LOG.log(Level.WARNING, "Could not share the AOT cache of function '" + function + "' v" + version
                    + " with the fleet: " + e.getMessage());
        }
    }

    private synchronized void update(AotCacheStatus.Source source, String origin, long bytes, boolean shared,
                                     String note) {
        status = new AotCacheStatus(source, origin, bytes, status.sharing(), shared, status.opened(), note);
    }

    private synchronized void note(String note) {
        status = new AotCacheStatus(status.source(), status.origin(), status.bytes(), status.sharing(),
                status.shared(), status.opened(), note);
    }

    private static long size(Path file) {
        try {
            return Files.isRegularFile(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            return 0;
        }
    }
}
