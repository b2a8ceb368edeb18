package io.hotvisor.runtime;

import java.time.Duration;
import java.util.Objects;

/**
 * One invocation as a sandbox sees it.
 *
 * @param invocationId  the id the caller gets back
 * @param functionName  the function's name
 * @param version       the function's version
 * @param memoryMb      the function's memory limit
 * @param deadlineNanos when the invocation times out, on the {@link Ticker} that made it
 * @param ticker        the clock of {@code deadlineNanos}
 */
public record InvocationContext(String invocationId, String functionName, long version, int memoryMb,
                                long deadlineNanos, Ticker ticker) {
    public InvocationContext {
        Objects.requireNonNull(invocationId, "invocationId");
        Objects.requireNonNull(functionName, "functionName");
        Objects.requireNonNull(ticker, "ticker");
    }

    /** Time left before the deadline, never negative. */
    public Duration remaining() {
        return Duration.ofNanos(Math.max(0, deadlineNanos - ticker.read()));
    }
}
