package io.hotvisor.runtime;

import java.time.Duration;
import java.util.Objects;

/**
 * Node-wide settings of every function's dispatcher.
 *
 * @param queueCapacity           how many invocations of one function may wait for a worker before the next is
 *                                refused as overloaded (HTTP 429); defaults to 256
 * @param keepAlive               how long an idle worker thread or sandbox is kept before it is released; defaults
 *                                to 5 min
 * @param idlePoll                how often an idle worker wakes to check its keep-alive against the ticker;
 *                                defaults to 1 s
 * @param allocationCheckInterval how often the bytes allocated by running invocations are compared with their
 *                                function's {@code memoryMb} (see {@link AllocationMonitor}); {@link Duration#ZERO}
 *                                turns the check off; defaults to 10 ms. One check serves every dispatcher that
 *                                shares a watchdog executor, at the interval of the first of them.
 * @param maxResultBytes          the largest result, in bytes of UTF-8 JSON, an invocation may return; a larger one
 *                                fails as {@code ResultTooLarge}; defaults to 6 MB, AWS Lambda's limit for a
 *                                synchronous response
 * @param heapGuard               refuses new invocations while the node's heap is nearly full; defaults to
 *                                {@link HeapGuard#defaults()} (85% of the maximum heap, after GC)
 */
public record DispatchOptions(int queueCapacity, Duration keepAlive, Duration idlePoll,
                              Duration allocationCheckInterval, int maxResultBytes, HeapGuard heapGuard) {

    /** Default {@link #queueCapacity()}. */
    public static final int DEFAULT_QUEUE_CAPACITY = 256;
    /** Default {@link #keepAlive()}. */
    public static final Duration DEFAULT_KEEP_ALIVE = Duration.ofMinutes(5);
    /** Default {@link #allocationCheckInterval()}: 10 ms. */
    public static final Duration DEFAULT_ALLOCATION_CHECK_INTERVAL = Duration.ofMillis(10);
    /** Default {@link #maxResultBytes()}: 6 MB. */
    public static final int DEFAULT_MAX_RESULT_BYTES = 6 * 1024 * 1024;

    public DispatchOptions {
        if (queueCapacity < 1) {
            throw new IllegalArgumentException("queueCapacity must be at least 1, was " + queueCapacity);
        }
        Objects.requireNonNull(keepAlive, "keepAlive");
        Objects.requireNonNull(idlePoll, "idlePoll");
        Objects.requireNonNull(allocationCheckInterval, "allocationCheckInterval");
        if (allocationCheckInterval.isNegative()) {
            throw new IllegalArgumentException("allocationCheckInterval must not be negative, was "
                    + allocationCheckInterval);
        }
        if (maxResultBytes < 1) {
            throw new IllegalArgumentException("maxResultBytes must be at least 1, was " + maxResultBytes);
        }
        Objects.requireNonNull(heapGuard, "heapGuard");
    }

    /** The first three settings, the others at their defaults. */
    public DispatchOptions(int queueCapacity, Duration keepAlive, Duration idlePoll) {
        this(queueCapacity, keepAlive, idlePoll, DEFAULT_ALLOCATION_CHECK_INTERVAL, DEFAULT_MAX_RESULT_BYTES,
                HeapGuard.defaults());
    }

    /** The defaults. */
    public static DispatchOptions defaults() {
        return new DispatchOptions(DEFAULT_QUEUE_CAPACITY, DEFAULT_KEEP_ALIVE, Duration.ofSeconds(1));
    }

    public DispatchOptions queueCapacity(int capacity) {
        return new DispatchOptions(capacity, keepAlive, idlePoll, allocationCheckInterval, maxResultBytes, heapGuard);
    }

    public DispatchOptions keepAlive(Duration keepAlive) {
        return new DispatchOptions(queueCapacity, keepAlive, idlePoll, allocationCheckInterval, maxResultBytes,
                heapGuard);
    }

    public DispatchOptions idlePoll(Duration idlePoll) {
        return new DispatchOptions(queueCapacity, keepAlive, idlePoll, allocationCheckInterval, maxResultBytes,
                heapGuard);
    }

    public DispatchOptions allocationCheckInterval(Duration interval) {
        return new DispatchOptions(queueCapacity, keepAlive, idlePoll, interval, maxResultBytes, heapGuard);
    }

    public DispatchOptions maxResultBytes(int bytes) {
        return new DispatchOptions(queueCapacity, keepAlive, idlePoll, allocationCheckInterval, bytes, heapGuard);
    }

    public DispatchOptions heapGuard(HeapGuard guard) {
        return new DispatchOptions(queueCapacity, keepAlive, idlePoll, allocationCheckInterval, maxResultBytes, guard);
    }
}
