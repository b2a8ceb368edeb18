package io.hotvisor.runtime;

import java.io.IOException;
import java.lang.System.Logger.Level;

/**
 * One handler instance of a Java function (nothing for a static {@code main}), with the class loader it runs in.
 * During an invocation the function's {@code System.out} and {@code System.err} ({@link GuestSystem}) write to this
 * sandbox's {@link GuestOutput}: the function's logger, capped per invocation as a JavaScript or Python guest's,
 * and metered in the same way: the CPU the invoking thread spends logging those lines is the node's work, which
 * {@link #outputCpuNanos()} reports so that warmth leaves it out.
 *
 * <p>Cancellation: {@link #cancel()} marks the invocation cancelled for the polls woven into the function's
 * classes ({@link CancellationPoll}, {@link PollWeaver}) and interrupts the thread running it. The function's next
 * method entry or loop back-edge throws {@link InvocationCancelled}, and keeps throwing it while the function
 * swallows it, so even a loop that ignores interrupts gives its thread back; blocking JDK calls end by the
 * interrupt. Either way the invocation ends as {@link InvocationFailure.Kind#CANCELLED}. What polls cannot stop:
 * a single long call inside the JDK that neither blocks nor checks interrupts (a huge array sort, a regex with
 * catastrophic backtracking), and threads the function starts itself. Untrusted Java code belongs in a worker
 * process that can be killed: deploy it with {@link Isolation#PROCESS} ({@link ProcessSandbox}).
 */
final class JavaSandbox implements Sandbox {
    private static final System.Logger LOG = System.getLogger(JavaSandbox.class.getName());

    private final JavaFunction function;
    private final JavaFunction.LinkedCode code;
    private final Object target;
    private final boolean ownsLoader;
    private final GuestOutput out;
    private final GuestOutput err;
    private final boolean quiet;

    private final Object lock = new Object();
    private Thread runner;
    private CancellationPoll.Flag flag;
    private boolean interruptedRunner;
    private volatile boolean cancelled;
    private volatile boolean closed;

    /**
     * @param ownsLoader whether this sandbox alone uses {@code code}'s class loader and closes it
     *                   ({@link SandboxPolicy#FRESH})
     * @param out        where the function's {@code System.out} writes during this sandbox's invocations
     * @param err        its {@code System.err}, sharing {@code out}'s budget
     * @param quiet      whether the function's logger drops what it is given (warm-up replays)
     */
    JavaSandbox(JavaFunction function, JavaFunction.LinkedCode code, Object target, boolean ownsLoader,
                GuestOutput out, GuestOutput err, boolean quiet) {
        this.quiet = quiet;
        this.function = function;
        this.code = code;
        this.target = target;
        this.ownsLoader = ownsLoader;
        this.out = out;
        this.err = err;
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
            flag = CancellationPoll.enter(name);
        }
        ClassLoader previous = self.getContextClassLoader();
        self.setContextClassLoader(code.loader());
        out.meter(context.ticker());
        err.meter(context.ticker());
        GuestSystem.Scope scope = GuestSystem.enter(code.loader().system(), out, err);
        try {
            return code.shape().invoke(target, eventJson == null ? "" : eventJson, function.context(context, quiet));
        } catch (Throwable t) {
            throw JavaFailures.classify(t, name, cancelled);
        } finally {
            scope.close();
            self.setContextClassLoader(previous);
            boolean clearInterrupt;
            synchronized (lock) {
                flag.close();
                flag = null;
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
    public long outputCpuNanos() {
        return out.sinkCpuNanos() + err.sinkCpuNanos();
    }

    @Override
    public void cancel() {
        synchronized (lock) {
            cancelled = true;
            if (flag != null) {
                flag.cancel();
            }
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
