package io.hotvisor.runtime;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.TimeUnit;

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

    /**
     * Gives the CPU away for {@code nanos}: what {@link WarmUpReplay} does while compiled code is awaited. A fake ticker
     * sleeps for real unless it overrides this to advance itself.
     *
     * @throws InterruptedException if the thread is interrupted meanwhile
     */
    default void pause(long nanos) throws InterruptedException {
        TimeUnit.NANOSECONDS.sleep(nanos);
    }

    /**
     * The system's monotonic clock, and the thread CPU time the JVM measures. A JVM that cannot measure it (HotSpot on
     * Linux can; it may be switched off) gets it switched on, and where that fails, its CPU time is wall time, so that
     * warmth never sees invocations that cost nothing.
     */
    static Ticker system() {
        return system(ManagementFactory.getThreadMXBean());
    }

    /** {@link #system()} with the CPU time of {@code threads}. */
    static Ticker system(ThreadMXBean threads) {
        boolean cpu = threads.isCurrentThreadCpuTimeSupported();
        try {
            if (cpu && !threads.isThreadCpuTimeEnabled()) {
                threads.setThreadCpuTimeEnabled(true);
            }
        } catch (UnsupportedOperationException | SecurityException e) {
            cpu = false;
        }
        if (!cpu) {
            System.getLogger(Ticker.class.getName()).log(System.Logger.Level.WARNING, "This JVM does not measure"
                    + " thread CPU time: warmth is judged by wall-clock time, though reported as \"cpu\"");
        }
        return cpu ? new Ticker() {
            @Override
            public long read() {
                return System.nanoTime();
            }

            @Override
            public long threadCpu() {
                return threads.getCurrentThreadCpuTime();
            }
        } : System::nanoTime;
    }
}
