package io.hotvisor.runtime;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;

/**
 * A guest's stdout or stderr ({@code console.log}, {@code print}): each line goes to the function's
 * {@code System.Logger} ({@code hotvisor.function.<name>}), never to the node's own stdout. Lines longer than
 * {@value #MAX_LINE_BYTES} bytes are cut, so one huge print cannot flood the log.
 */
final class GuestOutput extends OutputStream {
    static final int MAX_LINE_BYTES = 8 * 1024;
    private static final String TRUNCATED = " [line truncated]";

    private final System.Logger logger;
    private final Level level;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
    private boolean truncated;

    private GuestOutput(System.Logger logger, Level level) {
        this.logger = logger;
        this.level = level;
    }

    /** The stdout ({@code INFO}) of a function. */
    static GuestOutput stdout(String functionName) {
        return new GuestOutput(logger(functionName), Level.INFO);
    }

    /** The stderr ({@code WARNING}) of a function. */
    static GuestOutput stderr(String functionName) {
        return new GuestOutput(logger(functionName), Level.WARNING);
    }

    static System.Logger logger(String functionName) {
        return System.getLogger("hotvisor.function." + functionName);
    }

    @Override
    public synchronized void write(int b) {
        if (b == '\n') {
            emit();
        } else if (line.size() < MAX_LINE_BYTES) {
            line.write(b);
        } else {
            truncated = true;
        }
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        for (int i = off; i < off + len; i++) {
            write(b[i]);
        }
    }

    /** Logs what is left of an unterminated last line. */
    @Override
    public synchronized void close() {
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
        logger.log(level, truncated ? text + TRUNCATED : text);
        line.reset();
        truncated = false;
    }
}
