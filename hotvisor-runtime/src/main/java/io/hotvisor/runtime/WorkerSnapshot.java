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
    private SnapshotStatus.State state;
    private String note;
    private boolean lastRestored;
    private int dumpAttempts;
    private int restoreFailuresInARow;
    private long bytes;
    private long dumpMillis;
    private String stdinPipe;
    private String stdoutPipe;

    private WorkerSnapshot(Criu criu, String function, long version, int after, Path root, SnapshotStatus.State state,
                           String note) {
        this.criu = criu;
        this.function = function;
        this.version = version;
        this.after = after;
        this.root = root;
        this.state = state;
        this.note = note;
    }

    /** The snapshot of a function version; {@link SnapshotStatus.State#OFF} when CRIU is not available. */
    static WorkerSnapshot of(FunctionDefinition definition, RuntimeOptions options) {
        Criu criu = options.criu();
        if (!criu.available()) {
            return new WorkerSnapshot(criu, definition.name(), definition.version(), 0, null, SnapshotStatus.State.OFF,
                    criu.reason());
        }
        Path root = options.aotCacheDir().resolve("snapshots").resolve(
                definition.name().replaceAll("[^A-Za-z0-9._-]", "_") + "-v" + definition.version() + "-" + System.nanoTime());
        return new WorkerSnapshot(criu, definition.name(), definition.version(), options.snapshotAfterInvocations(),
                root, SnapshotStatus.State.NONE, "");
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
    }

    synchronized SnapshotStatus status() {
        return new SnapshotStatus(state, lastRestored, restores.get(), bytes, dumpMillis, note);
    }

    /** Whether the next worker should be the source of a snapshot: none is yet, and none is running. */
    synchronized boolean claimSource() {
        if (state != SnapshotStatus.State.NONE || dumpAttempts >= DUMP_ATTEMPTS) {
            return false;
        }
        dumpAttempts++;
        state = SnapshotStatus.State.WARMING;
        note = "a worker is serving its first " + after + " invocations before it is checkpointed";
        return true;
    }

    /** The source's working directory, which restored copies share (created here). */
    Path sourceDir() throws IOException {
        return Files.createDirectories(root.resolve("work"));
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
                note = "checkpointed after " + after + " invocations in " + dumpMillis + " ms";
            }
            criu.countTaken();
            LOG.log(Level.INFO, "Checkpointed a hot worker of function '" + function + "' v" + version + " ("
                    + size / (1024 * 1024) + " MB, " + dumpMillis + " ms): later workers are restored from it");
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
