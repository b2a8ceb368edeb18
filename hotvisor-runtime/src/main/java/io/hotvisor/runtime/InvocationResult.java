package io.hotvisor.runtime;

import java.util.Objects;

/**
 * What a successful invocation produced.
 *
 * @param json          the function's result as JSON text; the literal {@code null} when it returned nothing
 * @param version       the function version that ran it
 * @param durationNanos how long it ran in its sandbox
 * @param queuedNanos   how long it waited for a worker and a sandbox
 */
public record InvocationResult(String json, long version, long durationNanos, long queuedNanos) {
    public InvocationResult {
        Objects.requireNonNull(json, "json");
    }
}
