package io.hotvisor.runtime;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * A source of nanosecond time, injected wherever the runtime decides by time (keep-alive, deadlines) so that
 * tests advance a fake ticker instead of sleeping, as Caffeine's {@code Ticker}.
 */
@FunctionalInterface
public interface Ticker {

    /** Nanoseconds from an arbitrary origin, monotonic. */
    long read();

    /**
     * The CPU time the calling thread has used, in nanoseconds: what an invocation that runs on that thread costs,
     * whether or not it had to wait for a core. A fake ticker's is its {@link #read()}, so tests advance one clock.
     */
    default long threadCpu() {
        return read();
    }

    /** The system's monotonic clock, and the thread CPU time the JVM measures. */
    static Ticker system() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        return new Ticker() {
            @Override
            public long read() {
                return System.nanoTime();
            }

            @Override
            public long threadCpu() {
                return threads.getCurrentThreadCpuTime();
            }
        };
    }
}
