package io.hotvisor.runtime;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
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

/**
 * The main class of a Java worker JVM (plain HotSpot: the GraalVM jars are never on its class path, so the JDK's
 * AOT cache works). It loads one function version exactly as the node would in-node ({@link JavaFunction}: the
 * same class loaders, handler shapes and failure classes), connects back to the node over the Unix-domain socket
 * named by its first argument, and serves {@link WorkerProtocol.Invoke}s one at a time until the node says
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

        // The node may die while a function loops and never returns to read the socket: follow it.
        ProcessHandle.current().parent().ifPresent(node -> node.onExit().thenRun(() -> Runtime.getRuntime().halt(0)));
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(socket));
        DataInputStream in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(channel)));
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(channel)));

        LoadedFunction function;
        try {
            function = JavaFunction.load(definition, config.handler(),
                    FunctionJar.open(jar, config.name(), JavaScanPolicy.OFF),
                    new FunctionApiClassLoader(JavaWorkerMain.class.getClassLoader(), false), () -> { });
        } catch (DeployException e) {
            new WorkerProtocol.Loaded(ProcessHandle.current().pid(), e.field().orElse("code"), e.getMessage()).write(out);
            Runtime.getRuntime().halt(0);
            return;
        }
        warmUp();
        ExitReporter.install(out);
        new WorkerProtocol.Loaded(ProcessHandle.current().pid(), null, null).write(out);
        capture.reset();
        serve(function, config, definition.version(), capture, in, out);
    }

    private static void serve(LoadedFunction function, FunctionConfig config, long version, Capture capture,
                              DataInputStream in, DataOutputStream out) throws IOException {
        Sandbox sandbox = null;
        while (true) {
            byte tag;
            try {
                tag = in.readByte();
            } catch (EOFException | java.nio.channels.AsynchronousCloseException e) {
                Runtime.getRuntime().halt(0); // the node went away: nothing to serve, nothing to save
                return;
            }
            if (tag == WorkerProtocol.EXIT) {
                ExitReporter.INSTANCE.exitRequested = true;
                // A graceful exit: a training JVM writes its AOT cache now (JDK 25 one-step -XX:AOTCacheOutput).
                System.exit(0);
                return;
            }
            if (tag != WorkerProtocol.INVOKE) {
                throw new IOException("Unexpected message from the node: " + tag);
            }
            WorkerProtocol.Invoke invoke = WorkerProtocol.Invoke.readBody(in);
            if (sandbox == null) {
                sandbox = function.newSandbox();
            }
            WorkerProtocol.Result result;
            boolean exitAfter = false;
            try {
                InvocationContext ctx = new InvocationContext(invoke.invocationId(), config.name(), version,
                        config.memoryMb(), System.nanoTime() + Duration.ofMillis(invoke.remainingMillis()).toNanos(),
                        Ticker.system());
                String json = sandbox.invoke(invoke.eventJson(), ctx);
                result = capture.result(null, json, null, List.of());
            } catch (InvocationFailure f) {
                InvocationFailure g = f.errorType().equals("OutOfMemory") ? outOfMemory(config, f) : f;
                exitAfter = g.kind() != InvocationFailure.Kind.FUNCTION_ERROR;
                result = capture.result(g.kind(), g.errorType(), g.getMessage(), g.stack());
            } catch (OutOfMemoryError e) {
                exitAfter = true;
                InvocationFailure g = outOfMemory(config, JavaFailures.classify(e, config.name(), false));
                result = capture.result(g.kind(), g.errorType(), g.getMessage(), List.of());
            }
            synchronized (out) {
                result.write(out);
            }
            if (config.sandbox() == SandboxPolicy.FRESH || exitAfter) {
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
        private final DataOutputStream out;
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
            try {
                synchronized (out) {
                    out.writeByte(WorkerProtocol.EXITING);
                    out.writeInt(Integer.parseInt(m.group(1)));
                    out.flush();
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
                    err.drain(), dropped);
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
