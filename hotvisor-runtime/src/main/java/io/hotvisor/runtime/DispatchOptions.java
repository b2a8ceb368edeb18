package io.hotvisor.runtime;

import java.time.Duration;
import java.util.Objects;

/**
 * Node-wide settings of every function's dispatcher.
 *
 * @param queueCapacity how many invocations of one function may wait for a worker before the next is refused
 *                      as overloaded (HTTP 429); defaults to 256
 * @param keepAlive     how long an idle worker thread or sandbox is kept before it is released; defaults to 5 min
 * @param idlePoll      how often an idle worker wakes to check its keep-alive against the ticker; defaults to 1 s
 */
public record DispatchOptions(int queueCapacity, Duration keepAlive, Duration idlePoll) {

    /** Default {@link #queueCapacity()}. */
    public static final int DEFAULT_QUEUE_CAPACITY = 256;
    /** Default {@link #keepAlive()}. */
    public static final Duration DEFAULT_KEEP_ALIVE = Duration.ofMinutes(5);

    public DispatchOptions {
        if (queueCapacity < 1) {
            throw new IllegalArgumentException("queueCapacity must be at least 1, was " + queueCapacity);
        }
        Objects.requireNonNull(keepAlive, "keepAlive");
        Objects.requireNonNull(idlePoll, "idlePoll");
    }

    /** The defaults. */
    public static DispatchOptions defaults() {
        return new DispatchOptions(DEFAULT_QUEUE_CAPACITY, DEFAULT_KEEP_ALIVE, Duration.ofSeconds(1));
    }

    public DispatchOptions queueCapacity(int capacity) {
        return new DispatchOptions(capacity, keepAlive, idlePoll);
    }

    public DispatchOptions keepAlive(Duration keepAlive) {
        return new DispatchOptions(queueCapacity, keepAlive, idlePoll);
    }

    public DispatchOptions idlePoll(Duration idlePoll) {
        return new DispatchOptions(queueCapacity, keepAlive, idlePoll);
    }
}
