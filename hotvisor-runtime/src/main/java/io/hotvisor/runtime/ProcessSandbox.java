package io.hotvisor.runtime;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.IOException;
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
 * </ul>
 */
final class ProcessSandbox implements Sandbox {
    private static final System.Logger LOG = System.getLogger(ProcessSandbox.class.getName());
    private static final Duration RSS_POLL = Duration.ofMillis(20);
    private static final Duration EXIT_WAIT = Duration.ofSeconds(5);

    private final String name;
    private final Process process;
    private final List<String> command;
    private final Path dir;
    private final DataInputStream in;
    private final DataOutputStream out;
    private final long rssLimit;
    private final int retireAfter;
    private final GuestOutput stdout;
    private final GuestOutput stderr;
    private int invocations;
    private volatile boolean dead;
    private volatile boolean cancelled;
    private volatile boolean closed;
    private volatile long rssExceeded;

    private ProcessSandbox(String name, Process process, List<String> command, Path dir, SocketChannel channel,
                           long rssLimit, int retireAfter) {
        this.name = name;
        this.process = process;
        this.command = List.copyOf(command);
        this.dir = dir;
        this.in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(channel)));
        this.out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(channel)));
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
        String name = config.name();
        Process process = null;
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            server.configureBlocking(false);
            ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("jvm.log").toFile()));
            pb.environment().clear();
            pb.environment().putAll(config.env());
            process = pb.start();
            Process p = process;
            p.onExit().thenRunAsync(() -> afterExit.accept(p.exitValue()), r -> Thread.ofVirtual().start(r));
            long deadline = System.nanoTime() + startTimeout.toNanos();
            SocketChannel channel;
            while ((channel = server.accept()) == null) {
                if (!p.isAlive()) {
                    throw startFailure(name, p, dir, "exited with code " + p.exitValue() + " before it connected");
                }
                if (System.nanoTime() > deadline) {
                    p.destroyForcibly();
                    throw startFailure(name, p, dir, "did not connect within " + startTimeout.toSeconds() + " s");
                }
                Thread.sleep(2);
            }
            channel.configureBlocking(true);
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
        } finally {
            try {
                Files.deleteIfExists(socket);
            } catch (IOException e) {
                LOG.log(Level.DEBUG, "Could not delete " + socket, e);
            }
        }
    }

    private void awaitLoaded(Duration timeout) {
        Thread guard = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(timeout);
                process.destroyForcibly(); // a static initializer that never returns
            } catch (InterruptedException e) {
                // loaded in time
            }
        });
        WorkerProtocol.Loaded loaded;
        try {
            loaded = WorkerProtocol.Loaded.read(in);
        } catch (IOException e) {
            process.destroyForcibly();
            throw startFailure(name, process, dir, "died while loading the function");
        } finally {
            guard.interrupt();
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
        } catch (IOException | InterruptedException | UncheckedIOException e) {
            LOG.log(Level.DEBUG, "No log of a worker of '" + name + "'", e);
        }
        return InvocationFailure.of(InvocationFailure.Kind.PLATFORM_FAULT,
                "The worker JVM of function '" + name + "' (pid " + p.pid() + ") " + what + log);
    }

    long pid() {
        return process.pid();
    }

    List<String> command() {
        return command;
    }

    /** What the JVM logged about its AOT cache so far (empty once the worker is gone). */
    String aotLog() {
        try {
            return Files.readString(dir.resolve("aot.log"));
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public String invoke(String eventJson, InvocationContext context) {
        if (cancelled || dead || closed) {
            throw InvocationFailure.of(cancelled ? InvocationFailure.Kind.CANCELLED
                    : InvocationFailure.Kind.PLATFORM_FAULT, "The worker of function '" + name + "' is gone");
        }
        invocations++;
        Thread watcher = Thread.ofVirtual().start(this::watchMemory);
        WorkerProtocol.Result r;
        try {
            new WorkerProtocol.Invoke(context.invocationId(), context.remaining().toMillis(),
                    eventJson == null ? "" : eventJson).write(out);
            r = WorkerProtocol.Result.read(in);
        } catch (WorkerProtocol.FunctionExited e) {
            dead = true;
            process.destroyForcibly(); // no need to wait for a training JVM to write its cache
            throw exited(e.status);
        } catch (IOException e) {
            dead = true;
            throw died();
        } finally {
            watcher.interrupt();
        }
        stdout.write(r.stdout(), 0, r.stdout().length);
        stderr.write(r.stderr(), 0, r.stderr().length);
        stdout.finishInvocation();
        stderr.finishInvocation();
        if (r.droppedOutputBytes() > 0) {
            GuestOutput.logger(name).log(Level.WARNING, "[output capped: " + r.droppedOutputBytes()
                    + " bytes dropped beyond the limit of " + GuestOutput.MAX_INVOCATION_BYTES + " bytes per invocation]");
        }
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
        process.destroyForcibly();
        if (cancelled) {
            return InvocationFailure.of(InvocationFailure.Kind.CANCELLED, "Function '" + name
                    + "' was stopped: its worker process (pid " + process.pid() + ") was killed");
        }
        if (rssExceeded > 0) {
            return InvocationFailure.resourceExhausted("MemoryLimitExceeded", "Function '" + name + "' used "
                    + rssExceeded / (1024 * 1024) + " MB of memory in its worker process, over its limit of "
                    + rssLimit / (1024 * 1024) + " MB (memoryMb plus " + WorkerJvm.HEAP_HEADROOM_MB + " MB heap headroom"
                    + " and " + WorkerJvm.NON_HEAP_ALLOWANCE_MB + " MB for the JVM itself); the worker (pid "
                    + process.pid() + ") was killed and is replaced");
        }
        return InvocationFailure.functionError("WorkerExited", "Function '" + name + "' ended its worker process (pid "
                + process.pid() + ") with exit code " + code + " during the invocation (Runtime.halt or a crash of the"
                + " JVM); the worker is replaced", List.of());
    }

    private InvocationFailure exited(int status) {
        return InvocationFailure.functionError("WorkerExited", "Function '" + name + "' ended its worker process (pid "
                + process.pid() + ") with exit code " + status + " during the invocation (System.exit(" + status
                + ")); the worker is replaced", List.of());
    }

    private void watchMemory() {
        Path status = Path.of("/proc", Long.toString(process.pid()), "status");
        try {
            while (process.isAlive()) {
                long rss = rssAnon(status);
                if (rss > rssLimit) {
                    rssExceeded = rss;
                    process.destroyForcibly();
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

    /** False once the worker is gone, or when a training worker has served its invocations. */
    @Override
    public boolean reusable() {
        return !dead && !cancelled && !closed && (retireAfter == 0 || invocations < retireAfter);
    }

    @Override
    public void cancel() {
        cancelled = true;
        process.destroyForcibly();
    }

    /** Asks the worker to exit (a training JVM then writes its AOT cache); kills it if it does not, or is busy. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (!process.isAlive()) {
            return;
        }
        try {
            out.writeByte(WorkerProtocol.EXIT);
            out.flush();
        } catch (IOException e) {
            process.destroyForcibly();
            return;
        }
        // A training JVM assembles its AOT cache at exit: give it time, off the caller's thread.
        Duration wait = retireAfter > 0 ? Duration.ofMinutes(2) : EXIT_WAIT;
        Thread.ofVirtual().start(() -> {
            try {
                if (!process.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                    LOG.log(Level.WARNING, "A worker of function '" + name + "' (pid " + process.pid()
                            + ") did not exit within " + wait.toSeconds() + " s of being asked; killing it");
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
            }
        });
    }
}
