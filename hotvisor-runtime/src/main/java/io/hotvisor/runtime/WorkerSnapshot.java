package io.hotvisor.runtime;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The CRIU snapshot of one function version's hot worker JVM on this node (Pronghorn's approach, EuroSys'24): later
 * workers start as restored copies of a worker that has already run the function, so their first invocation runs
 * JIT-compiled code.
 *
 * <p>How: one worker (the source) runs as the init of its own PID namespace and session, with pipes for stdin and
 * stdout. Once it has served {@link RuntimeOptions#snapshotAfterInvocations()} invocations it is parked between two
 * invocations (it closes its socket and waits on stdin), dumped with {@code criu dump --leave-running}, and given a new
 * socket. A later worker is {@code criu restore} of that image in a new PID namespace (so any number of copies run at
 * once), with {@code --inherit-fd} giving it the restoring criu's stdin (where the node writes the path of its socket)
 * and stdout (its log). The files the JVM holds open stay where they were: the JDK, the worker's class path, the
 * function's jar and the source's working directory (kept until the version is unloaded; every restored copy shares it
 * as working directory and {@code java.io.tmpdir}).
 *
 * <p>Any failure (dump or restore) is logged and shown in {@link #status()}, and the worker starts fresh: CRIU never
 * fails an invocation. A dump is tried at most {@value #DUMP_ATTEMPTS} times per version, and after
 * {@value #RESTORE_FAILURES} failed restores in a row the image is given up.
 */
final class WorkerSnapshot {
    private static final System.Logger LOG = System.getLogger(WorkerSnapshot.class.getName());
    static final String RESTORE_LOG = "restore.log";
    static final int DUMP_ATTEMPTS = 3;
    static final int RESTORE_FAILURES = 3;
    private static final Duration DUMP_TIMEOUT = Duration.ofSeconds(60);

    private final Criu criu;
    private final String function;
    private final long version;
    private final int after;
    private final Path root;
    private final AtomicLong restores = new AtomicLong();
    /** Where snapshots are shared with the fleet; {@link AotCacheShare#none()} when they are not. */
    private final AotCacheShare share;
    /** The key of this snapshot in the fleet ({@link WorkerJvm#snapshotKey}); empty when not shared. */
    private final String shareKey;
    /** The source's working directory: content-addressed when shared (the same path on every node). */
    private final Path workDir;
    /** The jar a source worker opens: a content-addressed copy when shared, else the function's own. */
    private final Path sourceJar;
    private boolean fetchTried;
    private boolean shared;
    private String origin = "";
    private SnapshotStatus.State state;
    private String note;
    private boolean lastRestored;
    private int dumpAttempts;
    private int restoreFailuresInARow;
    private long bytes;
    private long dumpMillis;
    private String stdinPipe;
    private String stdoutPipe;
    /**
     * This snapshot's claim on the shared files ({@link #CLAIMS}): {@code claims/<key>/<node pid>-<n>}, holding the
     * jar copy's file name; null when not shared.
     */
    private final Path claim;
    private static final AtomicLong CLAIM_IDS = new AtomicLong();

    private WorkerSnapshot(Criu criu, String function, long version, int after, Path root, SnapshotStatus.State state,
                           String note, AotCacheShare share, String shareKey, Path workDir, Path sourceJar) {
        this.share = share;
        this.shareKey = shareKey;
        this.workDir = workDir;
        this.sourceJar = sourceJar;
        this.criu = criu;
        this.function = function;
        this.version = version;
        this.after = after;
        this.root = root;
        this.state = state;
        this.note = note;
        this.claim = shareKey.isEmpty() ? null
                : CLAIMS.resolve(shareKey).resolve(ProcessHandle.current().pid() + "-" + CLAIM_IDS.incrementAndGet());
        if (claim != null) {
            try {
                Files.createDirectories(claim.getParent());
                Files.writeString(claim, sourceJar.getFileName().toString());
            } catch (IOException e) {
                LOG.log(Level.WARNING, "Could not record that this node uses " + workDir + ": it may be removed"
                        + " while in use (" + e.getMessage() + ")");
            }
        }
    }

    /**
     * The snapshot of a function version; {@link SnapshotStatus.State#OFF} when CRIU is not available or the function
     * opts out ({@link FunctionConfig#snapshots()}).
     */
    static WorkerSnapshot of(FunctionDefinition definition, Path jar, WorkerJvm jvm, RuntimeOptions options) {
        Criu criu = options.criu();
        if (!criu.available() || !definition.config().snapshots()) {
            return new WorkerSnapshot(criu, definition.name(), definition.version(), 0, null, SnapshotStatus.State.OFF,
                    criu.available() ? OPTED_OUT : criu.reason(), AotCacheShare.none(), "", null, jar);
        }
        Path root = options.aotCacheDir().resolve("snapshots").resolve(
                definition.name().replaceAll("[^A-Za-z0-9._-]", "_") + "-v" + definition.version() + "-" + System.nanoTime());
        AotCacheShare share = options.snapshotShare();
        if (!share.enabled()) {
            return new WorkerSnapshot(criu, definition.name(), definition.version(), options.snapshotAfterInvocations(),
                    root, SnapshotStatus.State.NONE, "", share, "", root.resolve("work"), jar);
        }
        // Shared: a copy restored on another node finds what the source held open at the same paths, by content.
        String key = jvm.snapshotKey(definition.config(), definition.version(), jar);
        return new WorkerSnapshot(criu, definition.name(), definition.version(), options.snapshotAfterInvocations(),
                root, SnapshotStatus.State.NONE, "", share, key, SHARED_FILES.resolve("work").resolve(key),
                SHARED_FILES.resolve("jars").resolve(WorkerJvm.jarSha256(jar) + ".jar"));
    }

    /**
     * Where the files a shared snapshot's source holds open live, by content, on every node: the function's jar and
     * the source's working directory. Not under a node's data directory, whose path differs from node to node.
     */
    static final Path SHARED_FILES = Path.of(System.getProperty("java.io.tmpdir"), "hotvisor-snapshot-files");
    /**
     * Who uses the shared files: one file per snapshot of a running node (several nodes on one machine share them).
     * The files of a key go when its last live claim does ({@link #close()}, and at start for a node that was
     * killed: {@link #removeLeftovers}).
     */
    static final Path CLAIMS = SHARED_FILES.resolve("claims");

    /** The note of a function deployed with {@code "snapshots": false}. */
    static final String OPTED_OUT = "off for this function (\"snapshots\": false): every worker starts fresh";

    /** Whether snapshots go to and come from the fleet. */
    boolean sharing() {
        return !shareKey.isEmpty();
    }

    /**
     * The jar a source worker (or a restored copy) opens: for a shared snapshot a copy at a content-addressed path,
     * made here if missing.
     */
    Path sourceJar(Path jar) throws IOException {
        if (sourceJar.equals(jar)) {
            return jar;
        }
        if (!Files.isRegularFile(sourceJar)) {
            Files.createDirectories(sourceJar.getParent());
            Path tmp = sourceJar.resolveSibling(sourceJar.getFileName() + ".tmp-" + System.nanoTime());
            Files.copy(jar, tmp);
            Files.move(tmp, sourceJar, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return sourceJar;
    }

    /**
     * Fetches the fleet's snapshot of this version, once, when there is none here yet; afterwards {@link #ready()}
     * says whether it is usable. A miss or a failure leaves the snapshot to be taken here.
     */
    void fetch(Path jar) {
        synchronized (this) {
            if (!sharing() || fetchTried || state != SnapshotStatus.State.NONE) {
                return;
            }
            fetchTried = true;
        }
        long t0 = System.nanoTime();
        java.util.concurrent.FutureTask<java.util.Optional<byte[]>> task =
                new java.util.concurrent.FutureTask<>(() -> share.fetch(AotCacheShare.SNAPSHOT_KEY_PREFIX + shareKey));
        Thread.ofVirtual().name("hv-snapshot-fetch").start(task);
        try {
            java.util.Optional<byte[]> blob = task.get(WorkerAotCache.FETCH_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (blob.isEmpty()) {
                return;
            }
            SharedAotCache framed = SharedAotCache.decode(AotCacheShare.SNAPSHOT_KEY_PREFIX + shareKey, blob.get());
            Path image = root.resolve("image");
            ProcessFunction.deleteTree(image);
            SharedSnapshot s = SharedSnapshot.unpack(framed.cache(), image);
            Files.createDirectories(workDir);
            sourceJar(jar);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            synchronized (this) {
                if (state != SnapshotStatus.State.NONE) {
                    return;
                }
                stdinPipe = s.stdinPipe();
                stdoutPipe = s.stdoutPipe();
                bytes = framed.cache().length;
                origin = framed.origin();
                shared = true;
                state = SnapshotStatus.State.READY;
                note = "fetched from the fleet in " + ms + " ms (checkpointed by "
                        + (origin.isEmpty() ? "an unnamed node" : origin) + ")";
            }
            LOG.log(Level.INFO, "Snapshot of function '" + function + "' v" + version + " fetched from the fleet ("
                    + framed.cache().length / (1024 * 1024) + " MB, " + ms + " ms): workers are restored from it");
        } catch (java.util.concurrent.TimeoutException e) {
            task.cancel(true);
            fleetNote("no answer from the fleet within " + WorkerAotCache.FETCH_TIMEOUT.toSeconds() + " s");
        } catch (java.util.concurrent.ExecutionException | IOException | AotCacheShareException e) {
            fleetNote(e instanceof java.util.concurrent.ExecutionException ? String.valueOf(e.getCause().getMessage())
                    : e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void fleetNote(String why) {
        synchronized (this) {
            note = "fetch from the fleet failed (a worker here is checkpointed instead): " + why;
        }
        LOG.log(Level.WARNING, "Could not use the fleet's snapshot of function '" + function + "' v" + version + ": "
                + why);
    }

    /** Offers a snapshot taken here to the fleet. */
    private void upload(Path image, String in, String out) {
        try {
            byte[] packed = new SharedSnapshot(in, out).pack(image);
            boolean stored = share.offer(AotCacheShare.SNAPSHOT_KEY_PREFIX + shareKey,
                    new SharedAotCache(packed, share.origin()).encode());
            synchronized (this) {
                shared = true;
                origin = share.origin();
                note = note + (stored ? "; uploaded to the fleet (" + packed.length / (1024 * 1024) + " MB packed)"
                        : "; the fleet had one already");
            }
        } catch (IOException | AotCacheShareException e) {
            synchronized (this) {
                note = note + "; upload to the fleet failed: " + e.getMessage();
            }
            LOG.log(Level.WARNING, "Could not share the snapshot of function '" + function + "' v" + version
                    + " with the fleet: " + e.getMessage());
        }
    }

    /**
     * Removes the snapshots an earlier run left behind (a node that was killed): each run checkpoints its own
     * workers, and an image is only usable while its source's working directory stays as it was.
     */
    static void removeLeftovers(RuntimeOptions options) {
        Path dir = options.aotCacheDir().resolve("snapshots");
        if (Files.isDirectory(dir)) {
            ProcessFunction.deleteTree(dir);
        }
        removeUnclaimed(null);
    }

    /**
     * Removes the shared files no live node claims: each key's working directory without a live claim (the claims of
     * dead processes are dropped), and each jar copy no live claim names. {@code released}: a key just released.
     */
    private static void removeUnclaimed(String released) {
        Path work = SHARED_FILES.resolve("work");
        if (!Files.isDirectory(work)) {
            return;
        }
        synchronized (CLAIMS_LOCK) {
            try (Stream<Path> keys = Files.list(work)) {
                for (Path dir : keys.toList()) {
                    String key = dir.getFileName().toString();
                    if ((released == null || released.equals(key)) && liveClaims(key).isEmpty()) {
                        ProcessFunction.deleteTree(dir);
                        ProcessFunction.deleteTree(CLAIMS.resolve(key));
                    }
                }
                java.util.Set<String> jarsInUse = new java.util.HashSet<>();
                if (Files.isDirectory(CLAIMS)) {
                    try (Stream<Path> claimed = Files.list(CLAIMS)) {
                        for (Path key : claimed.toList()) {
                            for (Path c : liveClaims(key.getFileName().toString())) {
                                jarsInUse.add(Files.readString(c).strip());
                            }
                        }
                    }
                }
                Path jars = SHARED_FILES.resolve("jars");
                if (Files.isDirectory(jars)) {
                    try (Stream<Path> copies = Files.list(jars)) {
                        for (Path jar : copies.toList()) {
                            if (!jarsInUse.contains(jar.getFileName().toString())) {
                                Files.deleteIfExists(jar);
                            }
                        }
                    }
                }
            } catch (IOException | java.io.UncheckedIOException e) {
                LOG.log(Level.WARNING, "Could not remove unused snapshot files under " + SHARED_FILES + ": "
                        + e.getMessage());
            }
        }
    }

    private static final Object CLAIMS_LOCK = new Object();

    /** The claims on a key by live processes; those of dead ones are deleted. */
    private static List<Path> liveClaims(String key) throws IOException {
        Path dir = CLAIMS.resolve(key);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Path> live = new ArrayList<>();
        try (Stream<Path> claims = Files.list(dir)) {
            for (Path c : claims.toList()) {
                String name = c.getFileName().toString();
                long pid;
                try {
                    pid = Long.parseLong(name.substring(0, Math.max(0, name.indexOf('-'))));
                } catch (NumberFormatException e) {
                    pid = -1;
                }
                if (pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                    live.add(c);
                } else {
                    Files.deleteIfExists(c);
                }
            }
        }
        return live;
    }

    /**
     * Makes sure what a restored copy opens is there (another node on this machine may have removed the shared files
     * when it stopped): the source's working directory and the jar copy.
     */
    void ensureFiles(Path jar) throws IOException {
        sourceDir();
        sourceJar(jar);
    }

    synchronized SnapshotStatus status() {
        return new SnapshotStatus(state, lastRestored, restores.get(), bytes, dumpMillis, sharing(), shared, origin,
                note);
    }

    /** Whether the next worker that serves should be the source of a snapshot: none is yet, and none is running. */
    synchronized boolean claimSource() {
        return claim("a worker is serving its first " + after + " invocations before it is checkpointed");
    }

    /**
     * Whether a worker off the serving path should be the source of a snapshot: none is yet, and none is running.
     *
     * @param inputs what that worker replays, for its status ("the declared warm-up inputs", "sampled events")
     */
    synchronized boolean claimOffPathSource(String inputs) {
        return claim("a worker that does not serve is replaying " + inputs + " (at least "
                + Math.max(after, ProcessFunction.SOURCE_MIN_REPLAYS) + " times and until its CPU time settles, within "
                + ProcessFunction.SOURCE_BUDGET.toSeconds() + " s) before it is checkpointed");
    }

    private boolean claim(String why) {
        if (state != SnapshotStatus.State.NONE || dumpAttempts >= DUMP_ATTEMPTS) {
            return false;
        }
        dumpAttempts++;
        state = SnapshotStatus.State.WARMING;
        note = why;
        return true;
    }

    /** The source's working directory, which restored copies share (created here). */
    Path sourceDir() throws IOException {
        return Files.createDirectories(workDir);
    }

    /** The command line of a source worker: the JVM's, as the init of its own PID namespace and session. */
    List<String> sourceCommand(List<String> jvmCommand) {
        List<String> cmd = new ArrayList<>(criu.launcher());
        // The JVM's log to stdout, not a file: a file the JVM holds open and appends to would not have the size the
        // image expects when a copy is restored.
        jvmCommand.stream().map(a -> a.startsWith("-Xlog:") ? a.replaceFirst(":file=[^:]*:", ":stdout:") : a)
                .forEach(cmd::add);
        return cmd;
    }

    /** Where the image and the source's working directory are; null when CRIU is off. */
    Path dir() {
        return root;
    }

    /** How many invocations the source serves before it is checkpointed. */
    int after() {
        return after;
    }

    /** The source could not start, or went away before its checkpoint: another worker may try. */
    synchronized void sourceLost(String why) {
        if (state == SnapshotStatus.State.WARMING) {
            state = SnapshotStatus.State.NONE;
            note = "the worker to checkpoint went away: " + why;
        }
    }

    /** Checkpoints a hot source worker (on its own virtual thread; invocations of that worker wait meanwhile). */
    void take(ProcessSandbox source) {
        take(source, after + " invocations");
    }

    /**
     * Checkpoints a hot source worker.
     *
     * @param ran what it ran before, for the status ("10 invocations", "64 warm-up replays")
     */
    void take(ProcessSandbox source, String ran) {
        synchronized (this) {
            if (state != SnapshotStatus.State.WARMING) {
                return;
            }
            state = SnapshotStatus.State.TAKING;
        }
        Path image = root.resolve("image");
        Path tmp = root.resolve("image.tmp");
        long t0 = System.nanoTime();
        try {
            ProcessFunction.deleteTree(tmp);
            Files.createDirectories(tmp);
            source.whileParked(pid -> {
                String in = Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "fd", "0")).toString();
                String out = Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "fd", "1")).toString();
                if (!in.startsWith("pipe:") || !out.startsWith("pipe:")) {
                    throw new IOException("the worker's stdin and stdout are " + in + " and " + out + ", not pipes");
                }
                run(criu.command("dump", "-t", Long.toString(pid), "-D", tmp.toString(), "-o", "dump.log",
                        "--leave-running"), tmp.resolve("dump.log"), "criu dump");
                synchronized (this) {
                    stdinPipe = in;
                    stdoutPipe = out;
                }
            }, DUMP_TIMEOUT);
            Files.move(tmp, image);
            long size = size(image);
            synchronized (this) {
                state = SnapshotStatus.State.READY;
                bytes = size;
                dumpMillis = (System.nanoTime() - t0) / 1_000_000;
                note = "checkpointed after " + ran + " in " + dumpMillis + " ms";
            }
            criu.countTaken();
            LOG.log(Level.INFO, "Checkpointed a hot worker of function '" + function + "' v" + version + " ("
                    + size / (1024 * 1024) + " MB, " + dumpMillis + " ms): later workers are restored from it");
            if (sharing()) {
                String in;
                String out;
                synchronized (this) {
                    in = stdinPipe;
                    out = stdoutPipe;
                }
                upload(image, in, out);
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            criu.countFailed();
            synchronized (this) {
                state = dumpAttempts < DUMP_ATTEMPTS ? SnapshotStatus.State.NONE : SnapshotStatus.State.FAILED;
                note = "checkpoint failed: " + e.getMessage();
            }
            LOG.log(Level.WARNING, "Could not checkpoint a worker of function '" + function + "' v" + version
                    + "; its workers start fresh: " + e.getMessage());
        }
    }

    /** The image to restore the next worker from, if there is one. */
    synchronized boolean ready() {
        return state == SnapshotStatus.State.READY;
    }

    /** The command line that restores a worker whose directory (logs, socket) is {@code dir}. */
    synchronized List<String> restoreCommand(Path dir) {
        return criu.command("restore", "-D", root.resolve("image").toString(), "--work-dir", dir.toString(),
                "-o", RESTORE_LOG, "--inherit-fd", "fd[0]:" + stdinPipe, "--inherit-fd", "fd[1]:" + stdoutPipe);
    }

    void restored() {
        criu.countRestored();
        restores.incrementAndGet();
        synchronized (this) {
            lastRestored = true;
            restoreFailuresInARow = 0;
        }
    }

    /** A restore failed: the worker starts fresh; after {@value #RESTORE_FAILURES} in a row the image is given up. */
    void restoreFailed(String why) {
        criu.countFailed();
        synchronized (this) {
            lastRestored = false;
            restoreFailuresInARow++;
            note = "restore failed, the worker started fresh: " + why;
            if (restoreFailuresInARow >= RESTORE_FAILURES) {
                state = SnapshotStatus.State.FAILED;
                note = RESTORE_FAILURES + " restores failed in a row; workers start fresh. Last: " + why;
            }
        }
        LOG.log(Level.WARNING, "Could not restore a worker of function '" + function + "' v" + version
                + " from its checkpoint; it starts fresh: " + why);
    }

    /** A worker started fresh (not restored). */
    synchronized void startedFresh() {
        lastRestored = false;
    }

    /** Removes the image and the source's directory: no worker of this version is restored any more. */
    synchronized void close() {
        state = state == SnapshotStatus.State.OFF ? state : SnapshotStatus.State.NONE;
        dumpAttempts = DUMP_ATTEMPTS;
        if (root != null) {
            ProcessFunction.deleteTree(root);
        }
        // A shared snapshot's working directory and jar copy go unless another node here still claims them.
        if (claim != null) {
            try {
                Files.deleteIfExists(claim);
            } catch (IOException e) {
                LOG.log(Level.DEBUG, "Could not delete " + claim, e);
            }
            removeUnclaimed(shareKey);
        }
    }

    private static void run(List<String> command, Path log, String what) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(DUMP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new IOException(what + " did not finish within " + DUMP_TIMEOUT.toSeconds() + " s");
        }
        if (p.exitValue() != 0) {
            throw new IOException(what + " failed (exit " + p.exitValue() + "): " + errors(log));
        }
    }

    /** The error lines of a criu log, for a message. */
    static String errors(Path log) {
        try (Stream<String> lines = Files.lines(log)) {
            String e = String.join(" | ", lines.filter(l -> l.contains("Error") && !l.contains("RLIMIT_NOFILE"))
                    .limit(5).toList());
            return e.isEmpty() ? "see " + log : e;
        } catch (IOException | java.io.UncheckedIOException e) {
            return "no log at " + log;
        }
    }

    private static long size(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }
}
