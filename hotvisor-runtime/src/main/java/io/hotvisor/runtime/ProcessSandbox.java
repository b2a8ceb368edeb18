package io.hotvisor.runtime;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One worker JVM of a Java function with {@link Isolation#PROCESS}: it serves one invocation at a time over a
 * Unix-domain socket ({@link WorkerProtocol}), and the node can always stop it, whatever the function does.
 *
 * <ul>
 * <li>Timeout: {@link #cancel()} kills the process ({@code destroyForcibly}); the JDK reaps it, and
 *     {@link #reusable()} is false so the dispatcher replaces it.</li>
 * <li>Memory: the heap is bounded by {@code -Xmx} (an {@code OutOfMemoryError} comes back as
 *     {@code MemoryLimitExceeded}), and while an invocation runs a watcher reads the process's {@code RssAnon} from
 *     {@code /proc} and kills it past {@link WorkerJvm#rssLimitBytes}: the same {@code MemoryLimitExceeded}.</li>
 * <li>Exit: a function that calls {@code System.exit} or {@code halt}, or crashes the JVM, fails its invocation as
 *     a {@code WorkerExited} function error naming the exit code; the node goes on.</li>
 * <li>Isolation: the worker's environment is only the function's {@code env}, its working directory and
 *     {@code java.io.tmpdir} a private temporary directory removed when it exits, stdin is empty, and it inherits
 *     no file descriptors but stdout/stderr (a log file for the JVM's own messages) and the socket.</li>
 * <li>Output: the worker sends what the function wrote to {@code System.out} and {@code System.err} with its
 *     answer, and the node logs those lines on the invoking thread, metered ({@link #outputCpuNanos()}) as an
 *     in-node sandbox's.</li>
 * </ul>
 */
final class ProcessSandbox implements Sandbox {
    private static final System.Logger LOG = System.getLogger(ProcessSandbox.class.getName());
    private static final Duration RSS_POLL = Duration.ofMillis(20);
    private static final Duration EXIT_WAIT = Duration.ofSeconds(5);

    /**
     * How a worker's process is set up. {@code SOURCE}: a worker that may be checkpointed ({@link WorkerSnapshot}):
     * the init of its own PID namespace and session ({@code unshare --pid --fork --kill-child setsid}), stdin and
     * stdout pipes from the node (a restored copy gets the restoring criu's instead, {@code --inherit-fd}), its
     * output copied to {@code jvm.log} by the node. {@code RESTORE}: {@code criu restore} of a source's checkpoint;
     * the node writes the socket's path to its stdin, where the parked worker waits for it.
     */
    enum Launch { PLAIN, SOURCE, RESTORE }

    /** The name of the platform thread that copies a source worker's output, before the function's name. */
    static final String OUTPUT_THREAD = "hv-worker-output-";
    private final String name;
    private final Process process;
    private final List<String> command;
    private final Path dir;
    private final java.util.concurrent.locks.ReentrantLock use = new java.util.concurrent.locks.ReentrantLock();
    /** The worker JVM itself: the process for a plain worker, its host pid inside unshare or criu otherwise. */
    private volatile ProcessHandle worker;
    private SocketChannel channel;
    private DataInputStream in;
    private DataOutputStream out;
    private int hotAfter;
    private Consumer<ProcessSandbox> onHot = s -> { };
    private final long rssLimit;
    private final int retireAfter;
    private final GuestOutput stdout;
    private final GuestOutput stderr;
    private int invocations;
    private volatile boolean dead;
    private volatile boolean cancelled;
    private volatile boolean closed;
    private volatile long rssExceeded;
    /** The CPU time the function took in the last invocation, as the worker measured it; -1 before. */
    private volatile long lastCpuNanos = -1;
    /** The same of the last replay: apart, because replays may run between an invocation and its caller's read. */
    private volatile long lastReplayCpuNanos = -1;
    private final Object replayState = new Object();
    /** A warm-up replay runs in the worker now; guarded by {@link #replayState}. */
    private boolean replaying;
    /** The current replays were cancelled; guarded by {@link #replayState}. */
    private boolean replaysCancelled;

    private ProcessSandbox(String name, Process process, List<String> command, Path dir, SocketChannel channel,
                           long rssLimit, int retireAfter) {
        this.name = name;
        this.process = process;
        this.command = List.copyOf(command);
        this.dir = dir;
        this.worker = process.toHandle();
        connectTo(channel);
        this.rssLimit = rssLimit;
        this.retireAfter = retireAfter;
        GuestOutput.Budget budget = GuestOutput.Budget.perInvocation();
        this.stdout = GuestOutput.stdout(name, budget);
        this.stderr = GuestOutput.stderr(name, budget);
    }

    /**
     * Starts a worker and waits until it loaded the function.
     *
     * @param retireAfter how many invocations it serves before it asks to be replaced (a training JVM); 0: no limit
     * @param afterExit   run once the process has exited, with its exit code, on a virtual thread
     * @throws DeployException if the function does not load in the worker (its message, as in-node)
     * @throws InvocationFailure (platform fault) if the worker could not be started or died before it loaded
     */
    static ProcessSandbox start(FunctionConfig config, List<String> command, Path dir, Path socket,
                                Duration startTimeout, long rssLimit, int retireAfter, Consumer<Integer> afterExit) {
        return start(Launch.PLAIN, config, command, dir, socket, startTimeout, rssLimit, retireAfter, afterExit);
    }

    /** {@link #start(FunctionConfig, List, Path, Path, Duration, long, int, Consumer)}, set up as {@code launch} says. */
    static ProcessSandbox start(Launch launch, FunctionConfig config, List<String> command, Path dir, Path socket,
                                Duration startTimeout, long rssLimit, int retireAfter, Consumer<Integer> afterExit) {
        String name = config.name();
        Process process = null;
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            server.configureBlocking(false);
            ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
                    .redirectInput(launch == Launch.PLAIN ? ProcessBuilder.Redirect.from(new File("/dev/null"))
                            : ProcessBuilder.Redirect.PIPE)
                    .redirectErrorStream(true)
                    .redirectOutput(launch == Launch.SOURCE ? ProcessBuilder.Redirect.PIPE
                            : ProcessBuilder.Redirect.appendTo(dir.resolve("jvm.log").toFile()));
            pb.environment().clear();
            pb.environment().putAll(config.env());
            process = pb.start();
            Process p = process;
            if (launch == Launch.SOURCE) {
                Path log = dir.resolve("jvm.log");
                // A platform thread: a read on a process pipe pins a virtual thread's carrier for the worker's
                // whole life, and with two such workers on a 2-core node no carrier was left for HTTP requests (the
                // node stopped answering; bench/results/notes-hot-trace-postmerge.md).
                Thread.ofPlatform().daemon().name(OUTPUT_THREAD + name).start(() -> copyOutput(p, log));
            }
            if (launch == Launch.RESTORE) {
                writeLine(p, socket.toString());
            }
            p.onExit().thenRunAsync(() -> afterExit.accept(p.exitValue()), r -> Thread.ofVirtual().start(r));
            SocketChannel channel = accept(server, p, name, dir, startTimeout);
            ProcessSandbox sandbox = new ProcessSandbox(name, p, command, dir, channel, rssLimit, retireAfter);
            sandbox.awaitLoaded(startTimeout);
            return sandbox;
        } catch (IOException e) {
            if (process != null) {
                process.destroyForcibly();
            }
            throw InvocationFailure.of(InvocationFailure.Kind.PLATFORM_FAULT,
                    "Could not start a worker JVM for function '" + name + "': " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw InvocationFailure.of(InvocationFailure.Kind.CANCELLED,
                    "Interrupted while starting a worker JVM for function '" + name + "'", e);
        } catch (RuntimeException e) {
            if (process != null && launch != Launch.PLAIN) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
            throw e;
        } finally {
            try {
                Files.deleteIfExists(socket);
            } catch (IOException e) {
                LOG.log(Level.DEBUG, "Could not delete " + socket, e);
            }
        }
    }

    private static SocketChannel accept(ServerSocketChannel server, Process p, String name, Path dir,
                                        Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        SocketChannel channel;
        while ((channel = server.accept()) == null) {
            if (!p.isAlive()) {
                throw startFailure(name, p, dir, "exited with code " + p.exitValue() + " before it connected");
            }
            if (System.nanoTime() > deadline) {
                p.descendants().forEach(ProcessHandle::destroyForcibly); // a JVM criu restored: not our child
                p.destroyForcibly();
                throw startFailure(name, p, dir, "did not connect within " + timeout.toSeconds() + " s");
            }
            Thread.sleep(2);
        }
        channel.configureBlocking(true);
        return channel;
    }

    private void connectTo(SocketChannel channel) {
        this.channel = channel;
        this.in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(channel)));
        this.out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(channel)));
    }

    private static void writeLine(Process p, String line) throws IOException {
        OutputStream stdin = p.getOutputStream();
        stdin.write((line + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        stdin.flush();
    }

    /** Copies a source worker's output (a pipe, so that restored copies can be given another) to its log. */
    private static void copyOutput(Process p, Path log) {
        try (java.io.InputStream from = p.getInputStream();
             OutputStream to = Files.newOutputStream(log, java.nio.file.StandardOpenOption.CREATE,
                     java.nio.file.StandardOpenOption.APPEND)) {
            from.transferTo(to);
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "Output of a worker ended", e);
        }
    }

    private void awaitLoaded(Duration timeout) {
        Thread guard = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(timeout);
                kill(); // a static initializer that never returns
            } catch (InterruptedException e) {
                // loaded in time
            }
        });
        WorkerProtocol.Loaded loaded;
        try {
            loaded = WorkerProtocol.Loaded.read(in);
        } catch (IOException e) {
            kill();
            throw startFailure(name, process, dir, "died while loading the function");
        } finally {
            guard.interrupt();
        }
        if (loaded.pid() != process.pid()) {
            worker = ProcessHandle.of(loaded.pid()).orElse(process.toHandle());
        }
        if (loaded.error() != null) {
            dead = true;
            throw DeployException.field(loaded.errorField(), loaded.error());
        }
    }

    private static InvocationFailure startFailure(String name, Process p, Path dir, String what) {
        String log = "";
        try {
            p.waitFor(EXIT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            String text = Files.readString(dir.resolve("jvm.log"));
            log = text.isBlank() ? "" : "; its output ends: " + text.substring(Math.max(0, text.length() - 500)).strip();
            Path restoreLog = dir.resolve(WorkerSnapshot.RESTORE_LOG);
            if (Files.isRegularFile(restoreLog)) {
                String r = Files.readString(restoreLog).strip();
                log += "; criu restore's log ends: " + r.substring(Math.max(0, r.length() - 500));
            }
        } catch (IOException | InterruptedException | UncheckedIOException e) {
            LOG.log(Level.DEBUG, "No log of a worker of '" + name + "'", e);
        }
        return InvocationFailure.of(InvocationFailure.Kind.PLATFORM_FAULT,
                "The worker JVM of function '" + name + "' (pid " + p.pid() + ") " + what + log);
    }

    /** The worker JVM's pid as the node sees it (not unshare's or criu's). */
    long pid() {
        return worker.pid();
    }

    /** The JVM and whatever launched it (unshare, criu), killed together: the JVM first, so criu has nothing to wait for. */
    private void kill() {
        ProcessHandle w = worker;
        if (w.pid() == process.pid()) {
            // Not known yet which of unshare's or criu's descendants is the JVM: all of them.
            process.descendants().forEach(ProcessHandle::destroyForcibly);
        }
        w.destroyForcibly();
        process.destroyForcibly();
    }

    /** Checkpoints this worker by {@code onHot} once it has served {@code invocations} (0: never). */
    void checkpointAfter(int invocations, Consumer<ProcessSandbox> onHot) {
        this.hotAfter = invocations;
        this.onHot = onHot;
    }

    /** What a checkpoint does while the worker is parked, given the worker's host pid. */
    interface WhileParked {
        void run(long pid) throws IOException, InterruptedException;
    }

    /**
     * Parks the worker between invocations (it closes its socket), runs {@code action} (the checkpoint), then gives
     * the worker a new socket and waits until it is back; invocations wait meanwhile.
     *
     * @throws IOException if the worker could not be parked or did not come back (it is then killed and not reusable)
     */
    void whileParked(WhileParked action, Duration timeout) throws IOException, InterruptedException {
        use.lock();
        try {
            if (!reusable()) {
                throw new IOException("the worker is gone or retired");
            }
            boolean parked = false;
            try {
                out.writeByte(WorkerProtocol.PARK);
                out.flush();
                byte answer = in.readByte();
                if (answer != WorkerProtocol.PARKED) {
                    throw new IOException("the worker answered " + answer + " to park");
                }
                channel.close();
                parked = true;
                action.run(pid());
            } finally {
                if (parked) {
                    resume(timeout);
                }
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            dead = true;
            kill();
            throw e;
        } finally {
            use.unlock();
        }
    }

    private void resume(Duration timeout) throws IOException, InterruptedException {
        // In a short temporary directory: a socket's path has at most 107 bytes, a node's data directory may be long.
        Path socketDir = Files.createTempDirectory("hv-s");
        Path socket = socketDir.resolve("s");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            server.configureBlocking(false);
            writeLine(process, socket.toString());
            connectTo(accept(server, process, name, dir, timeout));
        } finally {
            Files.deleteIfExists(socket);
            Files.deleteIfExists(socketDir);
        }
        WorkerProtocol.Loaded back = WorkerProtocol.Loaded.read(in);
        if (back.pid() != worker.pid()) {
            throw new IOException("a worker with pid " + back.pid() + " came back, not " + worker.pid());
        }
    }

    List<String> command() {
        return command;
    }

    /**
     * What the JVM logged about its AOT cache so far (empty once the worker is gone): its {@code aot.log}, or for a
     * worker that logs to stdout (a snapshot's source) its {@code jvm.log}.
     */
    String aotLog() {
        Path log = Files.exists(dir.resolve("aot.log")) ? dir.resolve("aot.log") : dir.resolve("jvm.log");
        try {
            return Files.readString(log);
        } catch (IOException | UncheckedIOException e) {
            return "";
        }
    }

    /**
     * Waits (at most {@code max}) until the worker's log holds {@code marker}: a source worker's output reaches its
     * log through a copying thread, a moment after the JVM wrote it.
     */
    void awaitOutput(String marker, Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        try {
            while (!aotLog().contains(marker) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String invoke(String eventJson, InvocationContext context) {
        use.lock();
        try {
            return exchange(eventJson, context, false);
        } finally {
            use.unlock();
            if (hotAfter > 0 && invocations == hotAfter && !dead && !cancelled && !closed) {
                hotAfter = 0;
                Thread.ofVirtual().name("hv-checkpoint").start(() -> onHot.accept(this));
            }
        }
    }

    /**
     * Runs one warm-up replay in this worker ({@link WorkerProtocol#REPLAY}): in a handler instance of its own that
     * prints nowhere, so this worker's JIT compiles the function's code before it serves. Not counted as an
     * invocation (a training worker still serves its real invocations, a snapshot's source is still checkpointed
     * after its real ones). Replays and invocations take turns: a replay waits for a running invocation, at most
     * until its own deadline ({@code TIMEOUT} then, the worker untouched), and {@link #cancelReplays()} kills the
     * worker only while a replay runs in it, never an invocation.
     *
     * @throws InvocationFailure as {@link #invoke}; its result is dropped
     */
    void replay(String eventJson, InvocationContext context) {
        try {
            if (!use.tryLock(Math.max(0, context.remaining().toNanos()), TimeUnit.NANOSECONDS)) {
                throw InvocationFailure.of(InvocationFailure.Kind.TIMEOUT, "A warm-up replay of function '" + name
                        + "' waited its whole timeout for the worker, busy with invocations");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw InvocationFailure.of(InvocationFailure.Kind.CANCELLED, "A warm-up replay of function '" + name
                    + "' was interrupted");
        }
        try {
            synchronized (replayState) {
                if (replaysCancelled) {
                    throw InvocationFailure.of(InvocationFailure.Kind.CANCELLED, "The warm-up replays of function '"
                            + name + "' were cancelled");
                }
                replaying = true;
            }
            try {
                exchange(eventJson, context, true);
            } finally {
                synchronized (replayState) {
                    replaying = false;
                }
            }
        } finally {
            use.unlock();
        }
    }

    /**
     * Stops the replays (their timeout): kills the worker if a replay runs in it now (it is then not
     * {@link #reusable()}, and whoever holds it replaces it); later replays fail {@code CANCELLED} until
     * {@link #endReplays()}.
     */
    void cancelReplays() {
        synchronized (replayState) {
            replaysCancelled = true;
            if (replaying) {
                cancelled = true;
                kill();
            }
        }
    }

    /** Tells the worker the replays are over, so it drops their handler instance; nothing if it is gone. */
    void endReplays() {
        use.lock();
        try {
            synchronized (replayState) {
                replaysCancelled = false;
            }
            if (!dead && !cancelled && !closed && worker.isAlive()) {
                out.writeByte(WorkerProtocol.REPLAYS_DONE);
                out.flush();
            }
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "Could not tell a worker of '" + name + "' that its replays are over", e);
        } finally {
            use.unlock();
        }
    }

    private String exchange(String eventJson, InvocationContext context, boolean replay) {
        if (cancelled || dead || closed) {
            throw InvocationFailure.of(cancelled ? InvocationFailure.Kind.CANCELLED
                    : InvocationFailure.Kind.PLATFORM_FAULT, "The worker of function '" + name + "' is gone");
        }
        if (!replay) {
            invocations++;
        }
        Thread watcher = Thread.ofVirtual().start(this::watchMemory);
        WorkerProtocol.Result r;
        try {
            new WorkerProtocol.Invoke(context.invocationId(), context.remaining().toMillis(),
                    eventJson == null ? "" : eventJson).write(out, replay ? WorkerProtocol.REPLAY
                    : WorkerProtocol.INVOKE);
            r = WorkerProtocol.Result.read(in);
        } catch (WorkerProtocol.FunctionExited e) {
            dead = true;
            kill(); // no need to wait for a training JVM to write its cache
            throw exited(e.status);
        } catch (IOException e) {
            dead = true;
            throw died();
        } finally {
            watcher.interrupt();
        }
        if (replay) {
            lastReplayCpuNanos = r.cpuNanos();
            value(r); // a replay's result is dropped; its failure is not (the worker sent no output for it)
            return null;
        }
        lastCpuNanos = r.cpuNanos();
        // The worker's lines are logged here, on the invoking thread, inside the invocation's wall time.
        stdout.meter(context.ticker());
        stderr.meter(context.ticker());
        stdout.write(r.stdout(), 0, r.stdout().length);
        stderr.write(r.stderr(), 0, r.stderr().length);
        stdout.finishInvocation();
        stderr.finishInvocation();
        if (r.droppedOutputBytes() > 0) {
            OutputTap.log(GuestOutput.logger(name), Level.WARNING,
                    GuestOutput.capped(r.droppedOutputBytes(), GuestOutput.MAX_INVOCATION_BYTES));
        }
        return value(r);
    }

    /** The result's JSON, or its failure thrown. */
    private String value(WorkerProtocol.Result r) {
        if (r.failureKind() == null) {
            return r.value();
        }
        if (r.failureKind() != InvocationFailure.Kind.FUNCTION_ERROR) {
            dead = true; // the worker exits by itself after any other failure
        }
        throw switch (r.failureKind()) {
            case FUNCTION_ERROR -> InvocationFailure.functionError(r.value(), r.message(), r.stack());
            case RESOURCE_EXHAUSTED -> InvocationFailure.resourceExhausted(r.value(), r.message());
            default -> InvocationFailure.of(r.failureKind(), r.message());
        };
    }

    /** Classifies the death of the worker during an invocation. */
    private InvocationFailure died() {
        int code;
        try {
            // A crash or halt ends the process by itself: wait for its real exit code before making sure.
            code = process.waitFor(EXIT_WAIT.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            code = -1;
        }
        kill();
        if (cancelled) {
            return InvocationFailure.of(InvocationFailure.Kind.CANCELLED, "Function '" + name
                    + "' was stopped: its worker process (pid " + pid() + ") was killed");
        }
        if (rssExceeded > 0) {
            return InvocationFailure.resourceExhausted("MemoryLimitExceeded", "Function '" + name + "' used "
                    + rssExceeded / (1024 * 1024) + " MB of memory in its worker process, over its limit of "
                    + rssLimit / (1024 * 1024) + " MB (memoryMb plus " + WorkerJvm.HEAP_HEADROOM_MB + " MB heap headroom"
                    + " and " + WorkerJvm.NON_HEAP_ALLOWANCE_MB + " MB for the JVM itself); the worker (pid "
                    + pid() + ") was killed and is replaced");
        }
        return InvocationFailure.functionError("WorkerExited", "Function '" + name + "' ended its worker process (pid "
                + pid() + ") with exit code " + code + " during the invocation (Runtime.halt or a crash of the"
                + " JVM); the worker is replaced", List.of());
    }

    private InvocationFailure exited(int status) {
        return InvocationFailure.functionError("WorkerExited", "Function '" + name + "' ended its worker process (pid "
                + pid() + ") with exit code " + status + " during the invocation (System.exit(" + status
                + ")); the worker is replaced", List.of());
    }

    private void watchMemory() {
        ProcessHandle w = worker;
        Path status = Path.of("/proc", Long.toString(w.pid()), "status");
        try {
            while (w.isAlive()) {
                long rss = rssAnon(status);
                if (rss > rssLimit) {
                    rssExceeded = rss;
                    kill();
                    return;
                }
                Thread.sleep(RSS_POLL);
            }
        } catch (InterruptedException e) {
            // the invocation ended
        }
    }

    /** {@code RssAnon} of a {@code /proc/<pid>/status} file in bytes; 0 when it cannot be read. */
    static long rssAnon(Path status) {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("RssAnon:")) {
                    return Long.parseLong(line.substring(8).replace("kB", "").strip()) * 1024;
                }
            }
        } catch (IOException | NumberFormatException | UncheckedIOException e) {
            return 0;
        }
        return 0;
    }

    @Override
    public long lastCpuNanos() {
        return lastCpuNanos;
    }

    /** {@link #lastCpuNanos()} of the last {@link #replay}. */
    long lastReplayCpuNanos() {
        return lastReplayCpuNanos;
    }

    @Override
    public long outputCpuNanos() {
        return stdout.sinkCpuNanos() + stderr.sinkCpuNanos();
    }

    /** False once the worker is gone, or when a training worker has served its invocations. */
    @Override
    public boolean reusable() {
        return !dead && !cancelled && !closed && (retireAfter == 0 || invocations < retireAfter);
    }

    @Override
    public void cancel() {
        cancelled = true;
        kill();
    }

    /** Asks the worker to exit (a training JVM then writes its AOT cache); kills it if it does not, or is busy. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (!worker.isAlive()) {
            return;
        }
        try {
            out.writeByte(WorkerProtocol.EXIT);
            out.flush();
        } catch (IOException e) {
            kill();
            return;
        }
        // A training JVM assembles its AOT cache at exit: give it time, off the caller's thread.
        Duration wait = retireAfter > 0 ? Duration.ofMinutes(2) : EXIT_WAIT;
        Thread.ofVirtual().start(() -> {
            try {
                if (!process.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                    LOG.log(Level.WARNING, "A worker of function '" + name + "' (pid " + pid()
                            + ") did not exit within " + wait.toSeconds() + " s of being asked; killing it");
                    kill();
                }
            } catch (InterruptedException e) {
                kill();
            }
        });
    }
}
