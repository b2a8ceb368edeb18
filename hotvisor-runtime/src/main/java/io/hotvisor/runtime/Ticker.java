package io.hotvisor.runtime;

/**
 * A source of nanosecond time, injected wherever the runtime decides by time (keep-alive, deadlines) so that
 * tests advance a fake ticker instead of sleeping, as Caffeine's {@code Ticker}.
 */
@FunctionalInterface
public interface Ticker {

    /** Nanoseconds from an arbitrary origin, monotonic. */
    long read();

    /** The system's monotonic clock. */
    static Ticker system() {
        return System::nanoTime;
    }
}
