package io.hotvisor.runtime;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The cancellation check woven into in-node Java functions: {@link PollWeaver} inserts a call to {@link #poll()}
 * at the entry of every method of a function's classes and before every backward branch (loop back-edge), and
 * {@link JavaSandbox#cancel()} marks the invocation running on a thread as cancelled. From then on every poll on
 * that thread throws {@link InvocationCancelled}, until the invocation has unwound into the runtime: a function
 * that catches the error ({@code catch (Throwable t)}) and loops again is thrown at by its next poll.
 *
 * <p>This is the one runtime class that a function's class loader sees ({@link FunctionApiClassLoader} exposes it
 * by its exact name): it must be {@code public} for the woven call to link from another class loader, but its only
 * public member is {@link #poll()}. Setting and clearing the flag is package-private, so a function cannot cancel
 * or un-cancel any invocation. It is not in the {@code io.hotvisor.api} package because it is no API: functions
 * are not meant to call it, and it needs the runtime's package-private hooks.
 *
 * <p>Cost: the fast path is one opaque read of a static counter of cancelled invocations still running in this
 * JVM (zero almost always), which the JIT keeps in the loop as a plain load and a never-taken branch; only while
 * some invocation is cancelled and still unwinding does a poll read its thread's flag (a {@code ThreadLocal}).
 * The interrupt status is not the signal because functions and JDK code clear it. See
 * bench/results/notes-poll.md.
 * Threads that a function starts itself carry no flag and are not stopped by polls.
 */
public final class CancellationPoll {
    /** Invocations cancelled and not yet unwound, in this JVM: while zero, {@link #poll()} reads nothing else. */
    @SuppressWarnings("unused") // through PENDING
    private static int pending;
    private static final VarHandle PENDING;

    static {
        try {
            PENDING = MethodHandles.lookup().findStaticVarHandle(CancellationPoll.class, "pending", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final ThreadLocal<Flag> CURRENT = new ThreadLocal<>();

    /** The owner name of the class, as woven into function bytecode. */
    static final String INTERNAL_NAME = "io/hotvisor/runtime/CancellationPoll";
    /** The woven method. */
    static final String METHOD = "poll";

    private CancellationPoll() {
    }

    /**
     * Throws {@link InvocationCancelled} when the invocation running on this thread was cancelled; else nothing.
     * Called by woven function code only.
     */
    public static void poll() {
        // Opaque, not volatile: it must not be hoisted out of a loop, but it needs no ordering with other memory,
        // which leaves the JIT free to unroll the loop around it (see bench/results/notes-poll.md).
        if ((int) PENDING.getOpaque() != 0) {
            check();
        }
    }

    private static void check() {
        Flag f = CURRENT.get();
        if (f != null && f.cancelled) {
            throw new InvocationCancelled(f.functionName);
        }
    }

    /** Whether the invocation on this thread was cancelled (a test and classification aid). */
    static boolean cancelledHere() {
        Flag f = CURRENT.get();
        return f != null && f.cancelled;
    }

    /** Marks the current thread as running one invocation of {@code functionName}; close it on the same thread. */
    static Flag enter(String functionName) {
        Flag f = new Flag(functionName, CURRENT.get());
        CURRENT.set(f);
        return f;
    }

    /** Cancelled invocations still running (for tests). */
    static int pending() {
        return (int) PENDING.getVolatile();
    }

    /** One invocation's cancellation flag. */
    static final class Flag implements AutoCloseable {
        private final String functionName;
        private final Flag previous;
        private volatile boolean cancelled;
        private boolean closed;

        private Flag(String functionName, Flag previous) {
            this.functionName = functionName;
            this.previous = previous;
        }

        /** Cancels the invocation: its thread's next poll throws, and every one after, until it is closed. */
        synchronized void cancel() {
            if (!cancelled && !closed) {
                PENDING.getAndAdd(1);
                cancelled = true;
            }
        }

        /** The invocation has ended; called on its thread. */
        @Override
        public void close() {
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
                if (cancelled) {
                    PENDING.getAndAdd(-1);
                }
            }
            if (previous == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(previous);
            }
        }
    }
}
