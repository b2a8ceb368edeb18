package io.hotvisor.bench;

/** A trace replay that cannot go on: a trace directory or file that is missing or malformed, a bad option, a side that
 * cannot be started. The message names the offending value. */
final class TraceException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TraceException(String message) {
        super(message);
    }

    TraceException(String message, Throwable cause) {
        super(message, cause);
    }
}
