package io.hotvisor.runtime;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The main class of a Java worker JVM (plain HotSpot: the GraalVM jars are never on its class path, so the JDK's
 * AOT cache works). It loads one function version exactly as the node would in-node ({@link JavaFunction}: the
 * same class loaders, handler shapes and failure classes), connects back to the node over the Unix-domain socket
 * named by its first argument, and serves {@link WorkerProtocol.Invoke}s (invocations, and warm-up replays in a
 * handler instance of their own that prints nowhere) one at a time until the node says
 * {@link WorkerProtocol#EXIT} or goes away.
 *
 * <p>Arguments: socket path, jar path, handler, function name, version, memoryMb, sandbox policy. The worker's
 * environment is the function's {@code env} and nothing else (the node starts it that way).
 */
final class JavaWorkerMain {
    private JavaWorkerMain() {
    }

    static void main(String[] args) throws IOException {
        // Before anything can log or print: the function's output is captured per invocation, never written to
        // the process's own stdout/stderr (which the node sends to a log file for the JVM's own messages).
        Capture capture = new Capture(GuestOutput.MAX_INVOCATION_BYTES);
        System.setOut(new PrintStream(capture.out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(capture.err, true, StandardCharsets.UTF_8));
        System.setIn(new ByteArrayInputStream(new byte[0]));

        if (args.length != 7) {
            throw new IllegalArgumentException("Usage: JavaWorkerMain socket jar handler name version memoryMb sandbox");
        }
        Path socket = Path.of(args[0]);
        Path jar = Path.of(args[1]);
        FunctionConfig config = FunctionConfig.builder(args[3], Language.JAVA, args[2])
                .memoryMb(Integer.parseInt(args[5]))
                .env(System.getenv())
                .sandbox(SandboxPolicy.parse(args[6]).orElseThrow())
                .isolation(Isolation.PROCESS)
                .build();
        FunctionDefinition definition = new FunctionDefinition(config, new FunctionCode.JarFile(jar),
                Long.parseLong(args[4]));

        // The node may die while a function loops and never returns to read the socket: follow it. (A worker in its
        // own PID namespace, one that may be checkpointed, has no parent to follow: its Link's reader does.)
        ProcessHandle.current().parent().ifPresent(node -> node.onExit().thenRun(() -> Runtime.getRuntime().halt(0)));
        Link link = Link.connect(socket);

        LoadedFunction function;
        try {
            function = JavaFunction.load(definition, config.handler(),
                    FunctionJar.open(jar, config.name(), JavaScanPolicy.OFF),
                    new FunctionApiClassLoader(JavaWorkerMain.class.getClassLoader(), false), () -> { });
        } catch (DeployException e) {
            new WorkerProtocol.Loaded(hostPid(), e.field().orElse("code"), e.getMessage()).write(link.out);
            Runtime.getRuntime().halt(0);
            return;
        }
        warmUp();
        ExitReporter.install(link.out);
        new WorkerProtocol.Loaded(hostPid(), null, null).write(link.out);
        capture.reset();
        link.startReading();
        serve(function, config, definition.version(), capture, link);
    }

    /**
     * This process's id as the node sees it: a worker that may be checkpointed is the init of its own PID namespace
     * (its own pid is 1, and a restored copy has another host pid); {@code /proc} is the node's, so
     * {@code /proc/self} names the host pid.
     */
    static long hostPid() {
        try {
            return Long.parseLong(Path.of("/proc/self").toRealPath().getFileName().toString());
        } catch (IOException | NumberFormatException e) {
            return ProcessHandle.current().pid();
        }
    }

    /**
     * The worker's channel to the node. A reader thread takes the node's messages off the socket at once, so that
     * the worker sees the node go away (end of stream: it halts) even while a function loops and never returns.
     */
    static final class Link {
        record Message(byte tag, WorkerProtocol.Invoke invoke) {
        }

        final SocketChannel channel;
        final DataInputStream in;
        final DataOutputStream out;
        private final BlockingQueue<Message> messages = new LinkedBlockingQueue<>();
        private volatile boolean parking;
        private Thread reader;

        private Link(SocketChannel channel) {
            this.channel = channel;
            this.in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(channel)));
            this.out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(channel)));
        }

        static Link connect(Path socket) throws IOException {
            SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.connect(UnixDomainSocketAddress.of(socket));
            return new Link(channel);
        }

        void startReading() {
            reader = Thread.ofPlatform().daemon(true).name("hv-node-reader").start(this::read);
        }

        private void read() {
            try {
                while (true) {
                    byte tag = in.readByte();
                    boolean invoke = tag == WorkerProtocol.INVOKE || tag == WorkerProtocol.REPLAY;
                    messages.put(new Message(tag, invoke ? WorkerProtocol.Invoke.readBody(in) : null));
                    if (tag == WorkerProtocol.EXIT || tag == WorkerProtocol.PARK) {
                        return;
                    }
                }
            } catch (IOException | InterruptedException e) {
                if (!parking) {
                    Runtime.getRuntime().halt(0); // the node went away: nothing to serve, nothing to save
                }
            }
        }

        Message take() {
            try {
                return messages.take();
            } catch (InterruptedException e) {
                Runtime.getRuntime().halt(0);
                throw new IllegalStateException(e);
            }
        }

        /**
         * Parks for a checkpoint: says {@link WorkerProtocol#PARKED}, closes the channel (a checkpoint holds no
         * socket to the node), then waits for the path of a socket on stdin, a pipe from the node: the node writes
         * it once the checkpoint is taken, and so it does for each copy restored from the checkpoint (criu gives a
         * restored copy the restoring process's stdin: {@code --inherit-fd}). End of stdin: the node is gone. Before
         * it connects, the JDK's random generators are reseeded ({@link RandomReseed}).
         */
        Link park(BufferedReader stdin) throws IOException {
            parking = true;
            // Once before the checkpoint too: the image then holds the reflection it uses, loaded and linked, and
            // each restored copy's reseed below costs a few milliseconds instead of tens.
            RandomReseed.reseed();
            synchronized (out) {
                out.writeByte(WorkerProtocol.PARKED);
                out.flush();
            }
            channel.close();
            try {
                reader.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            String next = stdin.readLine();
            if (next == null || next.isBlank()) {
                Runtime.getRuntime().halt(0);
                return this;
            }
            // Every copy restored from this checkpoint resumes here with the same memory: the JDK's shared random
            // generators are reseeded before it serves (the source too, which goes on serving).
            List<String> notReseeded = RandomReseed.reseed();
            if (!notReseeded.isEmpty()) {
                // To the JVM's log (System.out is the function's): the JDK changed under the workaround.
                @SuppressWarnings("resource") // fd 1 stays open
                PrintStream log = new PrintStream(new java.io.FileOutputStream(FileDescriptor.out), true,
                        StandardCharsets.UTF_8);
                log.println("hotvisor worker: could not reseed after a checkpoint: " + notReseeded);
            }
            Link resumed = connect(Path.of(next.strip()));
            ExitReporter.INSTANCE.out = resumed.out;
            new WorkerProtocol.Loaded(hostPid(), null, null).write(resumed.out);
            resumed.startReading();
            return resumed;
        }
    }

    private static void serve(LoadedFunction function, FunctionConfig config, long version, Capture capture,
                              Link first) throws IOException {
        BufferedReader stdin = new BufferedReader(new InputStreamReader(new FileInputStream(FileDescriptor.in),
                StandardCharsets.UTF_8));
        Link link = first;
        Ticker ticker = Ticker.system();
        Sandbox sandbox = null;
        // Warm-up replays run in a handler instance of their own, in the same class loader (so they compile the code
        // the invocations run), printing nowhere; closed when the node says the replays are over.
        Sandbox replays = null;
        while (true) {
            Link.Message message = link.take();
            byte tag = message.tag();
            if (tag == WorkerProtocol.EXIT) {
                ExitReporter.INSTANCE.exitRequested = true;
                // A graceful exit: a training JVM writes its AOT cache now (JDK 25 one-step -XX:AOTCacheOutput).
                System.exit(0);
                return;
            }
            if (tag == WorkerProtocol.PARK) {
                link = link.park(stdin);
                continue;
            }
            if (tag == WorkerProtocol.REPLAYS_DONE) {
                if (replays != null) {
                    replays.close();
                    replays = null;
                }
                continue;
            }
            if (tag != WorkerProtocol.INVOKE && tag != WorkerProtocol.REPLAY) {
                throw new IOException("Unexpected message from the node: " + tag);
            }
            boolean replay = tag == WorkerProtocol.REPLAY;
            WorkerProtocol.Invoke invoke = message.invoke();
            DataOutputStream out = link.out;
            if (sandbox == null && !replay) {
                sandbox = function.newSandbox();
            }
            WorkerProtocol.Result result;
            boolean exitAfter = false;
            long cpu = ticker.threadCpu();
            try {
                if (replay && replays == null) {
                    replays = function.newThrowawaySandbox().orElseThrow(() -> InvocationFailure.of(
                            InvocationFailure.Kind.PLATFORM_FAULT, "Function '" + config.name() + "' has no warm-up"
                                    + " replays with sandbox " + config.sandbox().id()));
                }
                InvocationContext ctx = new InvocationContext(invoke.invocationId(), config.name(), version,
                        config.memoryMb(), System.nanoTime() + Duration.ofMillis(invoke.remainingMillis()).toNanos(),
                        ticker);
                String json = (replay ? replays : sandbox).invoke(invoke.eventJson(), ctx);
                // Warmth's measure: the function's CPU time on this thread (the node's thread does not see it).
                cpu = ticker.threadCpu() - cpu;
                result = capture.result(null, replay ? null : json, null, List.of()).withCpuNanos(cpu);
            } catch (InvocationFailure f) {
                InvocationFailure g = f.errorType().equals("OutOfMemory") ? outOfMemory(config, f) : f;
                exitAfter = g.kind() != InvocationFailure.Kind.FUNCTION_ERROR;
                result = capture.result(g.kind(), g.errorType(), g.getMessage(), g.stack());
            } catch (OutOfMemoryError e) {
                exitAfter = true;
                InvocationFailure g = outOfMemory(config, JavaFailures.classify(e, config.name(), false));
                result = capture.result(g.kind(), g.errorType(), g.getMessage(), List.of());
            }
            if (replay) {
                // Nothing a replay printed travels: its handler prints nowhere, and whatever reached the process's
                // own streams is dropped here.
                result = new WorkerProtocol.Result(result.failureKind(), result.value(), result.message(),
                        result.stack(), new byte[0], new byte[0], 0, result.cpuNanos());
            }
            synchronized (out) {
                result.write(out);
            }
            if (replay && exitAfter && replays != null) {
                replays.close();
                replays = null;
            }
            if (!replay && (config.sandbox() == SandboxPolicy.FRESH || exitAfter)) {
                sandbox.close();
                sandbox = null;
            }
        }
    }

    /**
     * Tells the node at once when the function calls {@code System.exit}, with its status: a training JVM would
     * otherwise spend seconds writing its AOT cache before the socket closes, and the status would be lost when the
     * node kills it. It hooks the JDK's own exit logging (JDK 21+, JDK-8301627: {@code Runtime.exit} logs
     * "Runtime.exit(status)" to the System.Logger {@code java.lang.Runtime} at DEBUG, on the exiting thread, before
     * shutdown hooks run).
     */
    static final class ExitReporter extends java.util.logging.Handler {
        private static final java.util.regex.Pattern STATUS = java.util.regex.Pattern.compile("Runtime\\.exit\\((-?\\d+)\\)");
        /** Held strongly: JUL keeps loggers weakly, and a collected logger would lose its level and handler. */
        private static java.util.logging.Logger runtimeLogger;
        /** The installed reporter; told when the node itself asks the worker to exit. */
        static ExitReporter INSTANCE;
        private volatile DataOutputStream out;
        private volatile boolean exitRequested;

        private ExitReporter(DataOutputStream out) {
            this.out = out;
        }

        static void install(DataOutputStream out) {
            runtimeLogger = java.util.logging.Logger.getLogger("java.lang.Runtime");
            runtimeLogger.setUseParentHandlers(false);
            runtimeLogger.setLevel(java.util.logging.Level.FINE);
            ExitReporter reporter = new ExitReporter(out);
            reporter.setLevel(java.util.logging.Level.ALL);
            runtimeLogger.addHandler(reporter);
            INSTANCE = reporter;
        }

        @Override
        public void publish(java.util.logging.LogRecord record) {
            if (exitRequested || record.getThrown() == null) {
                return;
            }
            java.util.regex.Matcher m = STATUS.matcher(String.valueOf(record.getThrown().getMessage()));
            if (!m.find()) {
                return;
            }
            DataOutputStream o = out;
            try {
                synchronized (o) {
                    o.writeByte(WorkerProtocol.EXITING);
                    o.writeInt(Integer.parseInt(m.group(1)));
                    o.flush();
                }
            } catch (IOException | RuntimeException e) {
                // the node is gone: nothing to tell
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    /**
     * Loads and links what every invocation uses (Jackson's reading and writing of maps and lists) before the worker
     * reports ready, so a new worker's first invocation does not pay for it within the function's timeout. The
     * function's own code is not run: it may have side effects.
     */
    private static void warmUp() {
        try {
            com.fasterxml.jackson.databind.ObjectMapper m = new com.fasterxml.jackson.databind.ObjectMapper();
            Object tree = m.readValue("{\"a\":[1,2.5,\"x\",true,null],\"b\":{}}", java.util.Map.class);
            m.writeValueAsString(tree);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static InvocationFailure outOfMemory(FunctionConfig config, InvocationFailure f) {
        return InvocationFailure.resourceExhausted("MemoryLimitExceeded", "Function '" + config.name()
                + "' ran out of memory in its worker process (memoryMb " + config.memoryMb() + "): " + f.getMessage()
                + "; the worker is replaced");
    }

    /** The function's stdout and stderr of one invocation, sharing one budget; past it, bytes are only counted. */
    static final class Capture {
        private final long limit;
        private long used;
        private long dropped;
        final Stream out = new Stream();
        final Stream err = new Stream();

        Capture(long limit) {
            this.limit = limit;
        }

        synchronized int take(int n) {
            int allowed = (int) Math.max(0, Math.min(n, limit - used));
            used += allowed;
            dropped += n - allowed;
            return allowed;
        }

        synchronized WorkerProtocol.Result result(InvocationFailure.Kind kind, String value, String message,
                                                  List<String> stack) {
            System.out.flush();
            System.err.flush();
            WorkerProtocol.Result r = new WorkerProtocol.Result(kind, value, message, stack, out.drain(),
                    err.drain(), dropped, 0);
            used = 0;
            dropped = 0;
            return r;
        }

        synchronized void reset() {
            out.drain();
            err.drain();
            used = 0;
            dropped = 0;
        }

        final class Stream extends OutputStream {
            private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

            @Override
            public void write(int b) {
                synchronized (Capture.this) {
                    if (take(1) == 1) {
                        bytes.write(b);
                    }
                }
            }

            @Override
            public void write(byte[] b, int off, int len) {
                synchronized (Capture.this) {
                    bytes.write(b, off, take(len));
                }
            }

            byte[] drain() {
                synchronized (Capture.this) {
                    byte[] b = bytes.toByteArray();
                    bytes.reset();
                    return b;
                }
            }
        }
    }
}
