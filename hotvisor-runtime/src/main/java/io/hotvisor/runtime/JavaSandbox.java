package io.hotvisor.runtime;

import java.io.IOException;
import java.lang.System.Logger.Level;

/**
 * One handler instance of a Java function (nothing for a static {@code main}), with the class loader it runs in.
 *
 * <p>Cancellation: {@link #cancel()} interrupts the thread running the invocation, and an invocation that then
 * ends by {@link InterruptedException} (or an I/O interruption) is {@link InvocationFailure.Kind#CANCELLED}.
 * A Java loop that ignores interrupts cannot be stopped inside the JVM (there is no safe {@code Thread.stop});
 * it keeps its thread until it ends. Untrusted or runaway Java code needs a worker process that can be killed:
 * deploy it with {@link Isolation#PROCESS} ({@link ProcessSandbox}).
 */
final class JavaSandbox implements Sandbox {
    private static final System.Logger LOG = System.getLogger(JavaSandbox.class.getName());

    private final JavaFunction function;
    private final JavaFunction.LinkedCode code;
    private final Object target;
    private final boolean ownsLoader;

    private final Object lock = new Object();
    private Thread runner;
    private boolean interruptedRunner;
    private volatile boolean cancelled;
    private volatile boolean closed;

    /**
     * @param ownsLoader whether this sandbox alone uses {@code code}'s class loader and closes it
     *                   ({@link SandboxPolicy#FRESH})
     */
    JavaSandbox(JavaFunction function, JavaFunction.LinkedCode code, Object target, boolean ownsLoader) {
        this.function = function;
        this.code = code;
        this.target = target;
        this.ownsLoader = ownsLoader;
    }

    @Override
    public String invoke(String eventJson, InvocationContext context) {
        String name = function.definition().name();
        Thread self = Thread.currentThread();
        synchronized (lock) {
            if (cancelled) {
                throw InvocationFailure.of(InvocationFailure.Kind.CANCELLED,
                        "The sandbox of function '" + name + "' was cancelled");
            }
            if (closed) {
                throw InvocationFailure.of(InvocationFailure.Kind.PLATFORM_FAULT,
                        "The sandbox of function '" + name + "' is closed");
            }
            runner = self;
        }
        ClassLoader previous = self.getContextClassLoader();
        self.setContextClassLoader(code.loader());
        try {
            return code.shape().invoke(target, eventJson == null ? "" : eventJson, function.context(context));
        } catch (Throwable t) {
            throw JavaFailures.classify(t, name, cancelled);
        } finally {
            self.setContextClassLoader(previous);
            boolean clearInterrupt;
            synchronized (lock) {
                runner = null;
                clearInterrupt = interruptedRunner;
                interruptedRunner = false;
            }
            if (clearInterrupt) {
                // Our interrupt was meant for the function, not for the worker thread that goes on to other work.
                Thread.interrupted();
            }
        }
    }

    @Override
    public void cancel() {
        synchronized (lock) {
            cancelled = true;
            if (runner != null && !interruptedRunner) {
                interruptedRunner = true;
                runner.interrupt();
            }
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (ownsLoader) {
            try {
                code.loader().close();
            } catch (IOException e) {
                LOG.log(Level.DEBUG, "Could not close a class loader of function '" + function.definition().name() + "'", e);
            }
        }
    }
}
