package io.hotvisor.runtime;

import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * A fake thread CPU clock that advances only while a function's logger handles a line, by a fixed cost per line:
 * what the node's logging of a guest's output costs the invoking thread, with nothing else on the clock. Its
 * {@link #ticker()} reads the real wall clock. Closing it stops the charging.
 */
final class LoggingCpu implements AutoCloseable {
    private final AtomicLong cpu = new AtomicLong();
    private final Logger logger;
    private final Handler charge;

    private LoggingCpu(String functionName, long nanosPerLine) {
        this.logger = Logger.getLogger(GuestOutput.logger(functionName).getName());
        this.charge = new Handler() {
            @Override
            public void publish(LogRecord record) {
                cpu.addAndGet(nanosPerLine);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(charge);
    }

    /** Charges {@code nanosPerLine} of thread CPU for each line function {@code functionName}'s logger handles. */
    static LoggingCpu charging(String functionName, long nanosPerLine) {
        return new LoggingCpu(functionName, nanosPerLine);
    }

    /** The wall clock, and this fake thread CPU clock. */
    Ticker ticker() {
        return new Ticker() {
            @Override
            public long read() {
                return System.nanoTime();
            }

            @Override
            public long threadCpu() {
                return cpu.get();
            }
        };
    }

    /** The CPU charged so far. */
    long cpu() {
        return cpu.get();
    }

    @Override
    public void close() {
        logger.removeHandler(charge);
    }
}
