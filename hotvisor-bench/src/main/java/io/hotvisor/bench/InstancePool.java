package io.hotvisor.bench;

import java.io.File;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

import io.hotvisor.runtime.Ticker;

/**
 * The baseline's instances: created on demand, one request at a time each, kept while idle for the keep-alive, then
 * killed; at most {@code maxInstances} alive (starting ones included): at that limit a new instance replaces the
 * longest idle one of any function (as OpenWhisk's invoker does), and only when none is idle is a request refused
 * (429). {@link #reap()} (every second, from the
 * server) ends idle instances past their keep-alive and any instance whose RSS passes its memory cap.
 *
 * <p>With {@code aot}, a Java function's instances start from a JDK 25 AOT cache made once per jar (keyed by the
 * jar's SHA-256, JDK-8377932: a changed jar would otherwise load stale cached classes) by a training run at deploy
 * time: the runner loads the function, runs it once with {@code {}}, and exits, which writes the cache. The JDK
 * refuses a non-empty directory on an AOT cache's class path, so directories on the bench class path (its classes,
 * while its own tests run) go into a jar first. A jar whose training made no cache is not trained again: its
 * instances start without one.
 *
 * <p>Every process the pool starts, instances and training runs, is one of its {@link ChildProcesses}: closing the
 * pool kills them all with whatever they started, and none starts after.
 */
final class InstancePool implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(InstancePool.class.getName());

    /** No instance can be had: all {@code maxInstances} are busy or starting. */
    static final class NoCapacity extends RuntimeException {
        NoCapacity(String message) {
            super(message);
        }
    }

    /** An instance for one request; {@code cold} when it was started for it. */
    record Lease(RunnerProcess instance, boolean cold) {
    }

    private final Ticker ticker;
    private final Duration keepAlive;
    private final OptionalInt maxInstances;
    private final RunnerProcess.Launch launch;
    private final boolean aot;
    private final Path aotDir;
    private final Map<String, Deque<RunnerProcess>> idle = new HashMap<>();
    private final Set<RunnerProcess> alive = new LinkedHashSet<>();
    private final Map<String, Object> training = new ConcurrentHashMap<>();
    /** The SHA-256 of each jar whose training run made no cache. */
    private final Set<String> untrained = ConcurrentHashMap.newKeySet();
    private final ChildProcesses children = ChildProcesses.open("The baseline server");
    /** The deployed version of each function: an instance of any other version is ended when released. */
    private final Map<String, Integer> current = new HashMap<>();
    private int starting;
    private boolean closed;
    private long coldStarts;

    InstancePool(BaselineOptions options, Path runners, String classPath, Path logs, Path aotDir, Ticker ticker)
            throws IOException {
        this.ticker = ticker;
        this.keepAlive = options.keepAlive();
        this.maxInstances = options.maxInstances();
        this.aot = options.aot();
        this.aotDir = aotDir;
        this.launch = new RunnerProcess.Launch(runners, aot ? withoutDirectories(classPath, aotDir) : classPath,
                logs, Optional.empty(), Optional.empty());
    }

    /** A warm idle instance of {@code fn}'s version, or a new one (cold). */
    Lease acquire(BaselineFunction fn) throws IOException, InterruptedException {
        synchronized (this) {
            Deque<RunnerProcess> q = idle.get(fn.name());
            while (q != null && !q.isEmpty()) {
                RunnerProcess warm = q.pollLast();
                if (warm.function.version() == fn.version() && warm.process.isAlive()) {
                    return new Lease(warm, false);
                }
                end(warm, "replaced by version " + fn.version());
            }
            if (maxInstances.isPresent() && alive.size() + starting >= maxInstances.getAsInt()
                    && !evictOldestIdle()) {
                throw new NoCapacity("No instance for " + fn.name() + ": all " + maxInstances.getAsInt()
                        + " instances are busy or starting (--max-instances)");
            }
            starting++;
            coldStarts++;
        }
        RunnerProcess fresh = null;
        try {
            fresh = RunnerProcess.start(fn, launchFor(fn), children);
            synchronized (this) {
                if (closed) {
                    fresh.kill("server stopping");
                    throw new IOException("The baseline server is stopping");
                }
                alive.add(fresh);
            }
            return new Lease(fresh, true);
        } finally {
            synchronized (this) {
                starting--;
            }
        }
    }

    /** At capacity, OpenWhisk's invoker removes an idle container of another action to make room: the same here. */
    private boolean evictOldestIdle() {
        RunnerProcess oldest = null;
        Deque<RunnerProcess> from = null;
        for (Deque<RunnerProcess> q : idle.values()) {
            RunnerProcess first = q.peekFirst();
            if (first != null && (oldest == null || first.idleSince - oldest.idleSince < 0)) {
                oldest = first;
                from = q;
            }
        }
        if (oldest == null) {
            return false;
        }
        from.pollFirst();
        end(oldest, "evicted to make room (--max-instances)");
        return true;
    }

    /** Gives an instance back after a request: idle if still usable, else ended. */
    synchronized void release(RunnerProcess instance, boolean usable) {
        Integer version = current.get(instance.function.name());
        if (!usable || !instance.process.isAlive() || !alive.contains(instance) || version == null
                || version != instance.function.version()) {
            end(instance, "unusable after a request");
            return;
        }
        instance.idleSince = ticker.read();
        idle.computeIfAbsent(instance.function.name(), k -> new ArrayDeque<>()).addLast(instance);
    }

    /** Makes {@code fn} the deployed version of its function: other versions' instances are retired. */
    synchronized void deployed(BaselineFunction fn) {
        current.put(fn.name(), fn.version());
        retire(fn.name());
    }

    /** Ends a function's idle instances; busy ones end when released. */
    synchronized void deleted(String function) {
        current.remove(function);
        retire(function);
    }

    private void retire(String function) {
        Deque<RunnerProcess> q = idle.remove(function);
        if (q != null) {
            q.forEach(i -> end(i, "function " + function + " redeployed or deleted"));
        }
    }

    /** Ends idle instances past the keep-alive and instances over their memory cap. */
    void reap() {
        long now = ticker.read();
        List<RunnerProcess> snapshot;
        synchronized (this) {
            for (Deque<RunnerProcess> q : idle.values()) {
                q.removeIf(i -> {
                    if (now - i.idleSince >= keepAlive.toNanos() || !i.process.isAlive()) {
                        end(i, "idle for the keep-alive of " + keepAlive);
                        return true;
                    }
                    return false;
                });
            }
            snapshot = new ArrayList<>(alive);
        }
        for (RunnerProcess i : snapshot) {
            long rss = ProcMemory.rssBytes(i.pid()).orElse(0);
            if (rss > (long) i.function.memoryMb() << 20) {
                LOG.log(Level.INFO, "Killing instance {0} of {1}: RSS {2} MB over its cap of {3} MB", i.pid(),
                        i.function.name(), rss >> 20, i.function.memoryMb());
                i.kill("MemoryLimitExceeded: RSS " + (rss >> 20) + " MB over the cap of " + i.function.memoryMb() + " MB");
                synchronized (this) {
                    alive.remove(i);
                    Deque<RunnerProcess> q = idle.get(i.function.name());
                    if (q != null) {
                        q.remove(i);
                    }
                }
            }
        }
    }

    /** Instances alive, cold starts so far, and the pids of the instances. */
    synchronized Map<String, Object> stats() {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        List<Long> pids = alive.stream().map(RunnerProcess::pid).toList();
        m.put("instances", pids.size());
        m.put("coldStarts", coldStarts);
        m.put("pids", pids);
        return m;
    }

    private void end(RunnerProcess instance, String reason) {
        alive.remove(instance);
        if (instance.process.isAlive()) {
            LOG.log(Level.DEBUG, "Ending instance {0} of {1}: {2}", instance.pid(), instance.function.name(), reason);
            instance.kill(reason);
        }
    }

    /**
     * {@code classPath} with each non-empty directory replaced by a jar of it, written into {@code dir}: the JDK
     * refuses to make or use an AOT cache whose class path holds one ("Cannot have non-empty directory in paths").
     */
    static String withoutDirectories(String classPath, Path dir) throws IOException {
        List<String> entries = new ArrayList<>();
        for (String entry : classPath.split(File.pathSeparator)) {
            Path d = Path.of(entry);
            if (entry.isEmpty() || !Files.isDirectory(d)) {
                entries.add(entry);
                continue;
            }
            Path jar = Files.createDirectories(dir).resolve("classpath-" + entries.size() + ".jar");
            try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
                 Stream<Path> files = Files.walk(d)) {
                for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                    out.putNextEntry(new JarEntry(d.relativize(f).toString().replace(File.separatorChar, '/')));
                    Files.copy(f, out);
                    out.closeEntry();
                }
            }
            entries.add(jar.toString());
        }
        return String.join(File.pathSeparator, entries);
    }

    /** With {@code aot}, makes a Java function's AOT cache now (at deploy) rather than at its first cold start. */
    void prepare(BaselineFunction fn) throws IOException, InterruptedException {
        launchFor(fn);
    }

    private RunnerProcess.Launch launchFor(BaselineFunction fn) throws IOException, InterruptedException {
        if (!aot || !RunnerProcess.isJava(fn)) {
            return launch;
        }
        Path cache = aotDir.resolve(fn.sha256() + ".aot");
        if (!Files.exists(cache) && !untrained.contains(fn.sha256())) {
            synchronized (training.computeIfAbsent(fn.sha256(), k -> new Object())) {
                if (!Files.exists(cache) && !untrained.contains(fn.sha256())) {
                    train(fn, cache);
                }
            }
        }
        return Files.exists(cache)
                ? new RunnerProcess.Launch(launch.runners(), launch.classPath(), launch.logs(), Optional.of(cache),
                        Optional.empty())
                : launch;
    }

    /** Makes {@code fn}'s AOT cache: the runner loads the function, runs it once with {@code {}}, exits. */
    void train(BaselineFunction fn, Path cache) throws IOException, InterruptedException {
        Files.createDirectories(cache.getParent());
        RunnerProcess trainer = RunnerProcess.start(fn, new RunnerProcess.Launch(launch.runners(), launch.classPath(),
                launch.logs(), Optional.empty(), Optional.of(cache)), children);
        try {
            trainer.init();
            trainer.run("{}", fn.timeout());
            trainer.post("/exit", "", Duration.ofSeconds(10));
        } catch (IOException e) {
            // The runner exits while answering /exit: a closed connection here is expected.
            LOG.log(Level.DEBUG, "AOT training of {0}: {1}", fn.name(), e.toString());
        }
        if (!trainer.process.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)) {
            trainer.kill("AOT training took over 120 s");
        }
        if (!Files.exists(cache)) {
            untrained.add(fn.sha256());
            LOG.log(Level.WARNING, "No AOT cache made for {0} (see its log): its instances start without one",
                    fn.name());
        }
    }

    /** Kills every instance and training run, and whatever they started; waits until they have ended. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            new ArrayList<>(alive).forEach(i -> end(i, "server stopping"));
            idle.clear();
        }
        children.close();
    }

    /** The processes the pool started that are still running: instances, starting ones and training runs. */
    List<Process> processes() {
        return children.alive();
    }
}
