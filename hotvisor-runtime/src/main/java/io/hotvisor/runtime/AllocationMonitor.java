package io.hotvisor.runtime;

import java.lang.System.Logger.Level;
import java.lang.management.ManagementFactory;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongUnaryOperator;

/**
 * Enforces a function's {@code memoryMb} per invocation: one periodic check, shared by every dispatcher of a
 * node, compares the bytes each running invocation's worker thread has allocated since the invocation began with
 * the invocation's limit, and calls the invocation's stop action once it is over.
 *
 * <p>What is measured: {@link com.sun.management.ThreadMXBean#getThreadAllocatedBytes(long)}, the bytes the
 * thread has <em>allocated</em> (cumulative, garbage included), not the live heap it holds. Live heap per
 * invocation cannot be measured cheaply inside one JVM; allocation can, and it stops a memory bomb (a growing
 * array, a string doubled in a loop) long before the node's heap is at risk. Because garbage counts too (a
 * CPU-bound loop in Truffle's interpreter allocates hundreds of MB a second), the dispatcher enforces the limit
 * only while the node's heap is under pressure ({@link HeapGuard#enforcesMemoryLimits()}): a memory bomb creates
 * that pressure itself and is then stopped first, being over its limit; a function that only makes garbage is
 * left alone. JavaScript and Python guest
 * code runs on the worker thread and is counted; allocation by other threads (Truffle's compiler, threads a Java
 * function starts) is not.
 *
 * <p>Stopping is the dispatcher's: like a timeout it fails the caller's future at once and cancels the sandbox.
 * An in-node Java function stops at its next woven cancellation poll, even if it ignores interrupts (see
 * {@link JavaSandbox}); one that is stuck in a single long JDK call keeps allocating until it returns, and the
 * node's {@link HeapGuard} then refuses new work before the heap is exhausted.
 *
 * <p>Scheduling: the check runs on the node's watchdog executor every {@link DispatchOptions#allocationCheckInterval()}
 * while at least one invocation is watched, and is cancelled when none is, so an idle node does not wake up.
 */
final class AllocationMonitor {
    private static final System.Logger LOG = System.getLogger(AllocationMonitor.class.getName());
    /** One monitor per watchdog executor, i.e. per node; weak so that a stopped node's executor can go. */
    private static final Map<ScheduledExecutorService, AllocationMonitor> SHARED = new WeakHashMap<>();

    private final WeakReference<ScheduledExecutorService> scheduler;
    private final long intervalNanos;
    private final LongUnaryOperator allocatedBytes;
    private final Set<Watch> watches = ConcurrentHashMap.newKeySet();
    private final Object lock = new Object();
    private ScheduledFuture<?> task;

    /**
     * @param allocatedBytes bytes allocated so far by the thread of the given id, negative if unknown
     */
    AllocationMonitor(ScheduledExecutorService scheduler, Duration interval, LongUnaryOperator allocatedBytes) {
        this.scheduler = new WeakReference<>(scheduler);
        this.intervalNanos = Math.max(1, interval.toNanos());
        this.allocatedBytes = allocatedBytes;
    }

    /**
     * The monitor of the node whose watchdog is {@code scheduler}; the first caller's interval holds.
     *
     * @return empty when the interval is zero or the JVM cannot measure allocation per thread
     */
    static Optional<AllocationMonitor> shared(ScheduledExecutorService scheduler, Duration interval) {
        if (interval.isZero() || interval.isNegative()) {
            return Optional.empty();
        }
        LongUnaryOperator reader = ThreadAllocation.READER;
        if (reader == null) {
            return Optional.empty();
        }
        synchronized (SHARED) {
            return Optional.of(SHARED.computeIfAbsent(scheduler,
                    s -> new AllocationMonitor(s, interval, reader)));
        }
    }

    /**
     * Starts watching the invocation running on the current thread.
     *
     * @param limitBytes  how much it may allocate
     * @param onExceeded  called once, on the monitor's thread, when it allocated more; must be quick
     * @return closed by the caller when the invocation ends
     */
    Watch watch(long limitBytes, Runnable onExceeded) {
        return watch(limitBytes, () -> true, onExceeded);
    }

    /**
     * As {@link #watch(long, Runnable)}, but an invocation over its limit is stopped only while {@code enforce}
     * says so (see {@link HeapGuard#enforcesMemoryLimits()}); until then it is checked again at every pass.
     */
    Watch watch(long limitBytes, java.util.function.BooleanSupplier enforce, Runnable onExceeded) {
        long threadId = Thread.currentThread().threadId();
        Watch w = new Watch(threadId, allocatedBytes.applyAsLong(threadId), limitBytes, enforce, onExceeded);
        watches.add(w);
        synchronized (lock) {
            if (task == null) {
                ScheduledExecutorService s = scheduler.get();
                if (s != null) {
                    try {
                        task = s.scheduleWithFixedDelay(this::check, intervalNanos, intervalNanos, TimeUnit.NANOSECONDS);
                    } catch (RejectedExecutionException e) {
                        LOG.log(Level.DEBUG, "The node is stopping; allocation is not checked", e);
                    }
                }
            }
        }
        return w;
    }

    /** One pass over the running invocations; the periodic task, and tests, call it. */
    void check() {
        try {
            for (Watch w : watches) {
                long now = allocatedBytes.applyAsLong(w.threadId);
                if (now >= 0 && w.baseline >= 0 && now - w.baseline > w.limitBytes && w.enforce.getAsBoolean()
                        && w.fired.compareAndSet(false, true)) {
                    try {
                        w.onExceeded.run();
                    } catch (RuntimeException e) {
                        LOG.log(Level.ERROR, "Stopping an invocation over its memory limit failed", e);
                    }
                }
            }
        } catch (RuntimeException e) {
            // A periodic task that throws is never run again: log and go on.
            LOG.log(Level.ERROR, "Checking the allocation of running invocations failed", e);
        }
    }

    /** Invocations watched now. */
    int watched() {
        return watches.size();
    }

    private void unwatch(Watch w) {
        watches.remove(w);
        synchronized (lock) {
            if (watches.isEmpty() && task != null) {
                task.cancel(false);
                task = null;
            }
        }
    }

    /** One watched invocation. */
    final class Watch implements AutoCloseable {
        private final long threadId;
        private final long baseline;
        private final long limitBytes;
        private final java.util.function.BooleanSupplier enforce;
        private final Runnable onExceeded;
        private final AtomicBoolean fired = new AtomicBoolean();

        private Watch(long threadId, long baseline, long limitBytes, java.util.function.BooleanSupplier enforce,
                      Runnable onExceeded) {
            this.enforce = enforce;
            this.threadId = threadId;
            this.baseline = baseline;
            this.limitBytes = limitBytes;
            this.onExceeded = onExceeded;
        }

        /** Whether the invocation went over its limit. */
        boolean exceeded() {
            return fired.get();
        }

        @Override
        public void close() {
            unwatch(this);
        }
    }

    /** The JVM's per-thread allocation counter; {@code null} where the JVM has none. */
    private static final class ThreadAllocation {
        static final LongUnaryOperator READER = reader();

        private static LongUnaryOperator reader() {
            if (!(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean mx)
                    || !mx.isThreadAllocatedMemorySupported()) {
                LOG.log(Level.WARNING, "This JVM cannot measure allocation per thread: memoryMb is not enforced");
                return null;
            }
            if (!mx.isThreadAllocatedMemoryEnabled()) {
                mx.setThreadAllocatedMemoryEnabled(true);
            }
            return mx::getThreadAllocatedBytes;
        }
    }
}
