package io.hotvisor.runtime;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;

/**
 * A guest's stdout or stderr ({@code console.log}, {@code print}): each line goes to the function's
 * {@code System.Logger} ({@code hotvisor.function.<name>}), never to the node's own stdout, and to the invocation's
 * listener ({@link OutputTap}).
 *
 * <p>Bounded, so that a flood fills neither the log nor memory: lines longer than {@value #MAX_LINE_BYTES} bytes
 * are cut, and stdout and stderr of one sandbox share a {@link Budget} of {@value #MAX_INVOCATION_BYTES} bytes per
 * invocation. Past it, output is dropped (costing no more than counting it), and when the invocation ends,
 * {@link #finishInvocation()} logs one line saying how much was dropped.
 *
 * <p>Logging a line is the node's work, not the function's, and it runs on the invoking thread: while a
 * {@link #meter(Ticker) meter} is set, the thread CPU time spent in the sink is counted ({@link #sinkCpuNanos()}) so
 * that warmth can leave it out. It is worth leaving out: a JDK logger that has logged only a few hundred lines is
 * not yet compiled and takes 0.4-1.2 ms of CPU per line, which a function's warm-up replays (whose output is
 * discarded) neither pay nor warm up.
 */
final class GuestOutput extends OutputStream {
    static final int MAX_LINE_BYTES = 8 * 1024;
    /** How much stdout and stderr together may write in one invocation: 1 MB. */
    static final long MAX_INVOCATION_BYTES = 1024 * 1024;
    private static final String TRUNCATED = " [line truncated]";

    /** Where lines go; the function's logger, or a list in tests. */
    @FunctionalInterface
    interface Sink {
        void line(Level level, String text);
    }

    private final Sink sink;
    private final Level level;
    private final Budget budget;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
    private boolean truncated;
    private Ticker meter;
    private long sinkCpuNanos;

    GuestOutput(Sink sink, Level level, Budget budget) {
        this.sink = sink;
        this.level = level;
        this.budget = budget;
    }

    /** The stdout ({@code INFO}) of a function. */
    static GuestOutput stdout(String functionName, Budget budget) {
        return new GuestOutput(sink(functionName), Level.INFO, budget);
    }

    /** The stderr ({@code WARNING}) of a function. */
    static GuestOutput stderr(String functionName, Budget budget) {
        return new GuestOutput(sink(functionName), Level.WARNING, budget);
    }

    /** Output that goes nowhere: a warm-up replay's. */
    static GuestOutput discarded(Budget budget) {
        return new GuestOutput((level, text) -> { }, Level.INFO, budget);
    }

    static System.Logger logger(String functionName) {
        return System.getLogger("hotvisor.function." + functionName);
    }

    /** Times the sink from now on with {@code ticker}'s {@link Ticker#threadCpu()}; {@code null} stops timing. */
    synchronized void meter(Ticker ticker) {
        meter = ticker;
    }

    /** The thread CPU time spent logging lines while a meter was set, in ns, summed over invocations. */
    synchronized long sinkCpuNanos() {
        return sinkCpuNanos;
    }

    /** The function's logger, and the invocation's listener if a tap is open on the writing thread. */
    private static Sink sink(String functionName) {
        System.Logger logger = logger(functionName);
        return (lineLevel, text) -> OutputTap.log(logger, lineLevel, text);
    }

    @Override
    public synchronized void write(int b) {
        if (budget.take(1) == 1) {
            append(b);
        }
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        int allowed = budget.take(len);
        for (int i = off; i < off + allowed; i++) {
            append(b[i]);
        }
    }

    private void append(int b) {
        if (b == '\n') {
            emit();
        } else if (line.size() < MAX_LINE_BYTES) {
            line.write(b);
        } else {
            truncated = true;
        }
    }

    /**
     * Ends an invocation's output: logs its unterminated last line, and once per budget the line saying how much
     * was dropped; the next invocation has the whole budget again. Call it on stdout and stderr alike.
     */
    synchronized void finishInvocation() {
        flushLine();
        long dropped = budget.reset();
        if (dropped > 0) {
            log(Level.WARNING, capped(dropped, budget.limit));
        }
    }

    /** The line saying that {@code dropped} bytes of an invocation's output were dropped beyond {@code limit}. */
    static String capped(long dropped, long limit) {
        return "[output capped: " + dropped + " bytes dropped beyond the limit of " + limit + " bytes per invocation]";
    }

    /** Logs what is left of an unterminated last line. */
    @Override
    public synchronized void close() {
        flushLine();
    }

    private void flushLine() {
        if (line.size() > 0 || truncated) {
            emit();
        }
    }

    private void emit() {
        int size = line.size();
        byte[] bytes = line.toByteArray();
        if (size > 0 && bytes[size - 1] == '\r') {
            size--;
        }
        String text = new String(bytes, 0, size, StandardCharsets.UTF_8);
        log(level, truncated ? text + TRUNCATED : text);
        line.reset();
        truncated = false;
    }

    private void log(Level lineLevel, String text) {
        if (meter == null) {
            sink.line(lineLevel, text);
            return;
        }
        long start = meter.threadCpu();
        try {
            sink.line(lineLevel, text);
        } finally {
            sinkCpuNanos += meter.threadCpu() - start;
        }
    }

    /** The bytes one sandbox's stdout and stderr may still write in the current invocation. */
    static final class Budget {
        private final long limit;
        private long used;
        private long dropped;

        Budget(long limit) {
            this.limit = limit;
        }

        /** A budget of {@value #MAX_INVOCATION_BYTES} bytes. */
        static Budget perInvocation() {
            return new Budget(MAX_INVOCATION_BYTES);
        }

        /** Takes up to {@code n} bytes; returns how many may be written, counting the rest as dropped. */
        synchronized int take(int n) {
            int allowed = (int) Math.max(0, Math.min(n, limit - used));
            used += allowed;
            dropped += n - allowed;
            return allowed;
        }

        /** Starts over; returns the bytes dropped since the last reset, and counts them only once. */
        synchronized long reset() {
            long d = dropped;
            used = 0;
            dropped = 0;
            return d;
        }
    }
}
