package io.hotvisor.node;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.hotvisor.runtime.InvocationFailure;
import io.hotvisor.runtime.InvocationResult;

/**
 * Asynchronous invocations ({@code ?mode=async}): accepted at once, run through the function's dispatcher like
 * any other, their outcome kept for {@link #retention} after they end. An async invocation that meets a full queue
 * is retried with back-off rather than refused; only when {@link #maxPending} are waiting is a new one refused.
 */
final class AsyncInvocations {

    /** The state of an async invocation. */
    enum Status { QUEUED, SUCCEEDED, FAILED }

    /** One async invocation. */
    record Entry(String id, String namespace, String function, Status status, Instant submittedAt, Instant finishedAt,
                 String resultJson,
                 InvocationFailure failure, long durationNanos) {
    }

    private static final long FIRST_BACKOFF_MS = 20;
    private static final long MAX_BACKOFF_MS = 2_000;

    private final ScheduledExecutorService scheduler;
    private final Clock clock;
    private final Duration retention;
    private final int maxPending;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicInteger pending = new AtomicInteger();

    AsyncInvocations(ScheduledExecutorService scheduler, Clock clock, Duration retention, int maxPending) {
        this.scheduler = scheduler;
        this.clock = clock;
        this.retention = retention;
        this.maxPending = maxPending;
        scheduler.scheduleWithFixedDelay(this::expire, 1, 1, TimeUnit.MINUTES);
    }

    /**
     * Accepts an invocation.
     *
     * @throws ApiException 404 for an unknown function, 429 when too many async invocations are pending
     */
    String submit(FunctionRegistry registry, String function, String eventJson, String id) {
        if (registry.get(function).isEmpty()) {
            throw registry.unknown(function);
        }
        if (pending.incrementAndGet() > maxPending) {
            pending.decrementAndGet();
            throw new ApiException(429, "Overloaded", "Too many asynchronous invocations pending (limit "
                    + maxPending + "); retry later");
        }
        entries.put(id, new Entry(id, registry.namespace(), function, Status.QUEUED, clock.instant(), null, null,
                null, 0));
        attempt(registry, function, eventJson, id, FIRST_BACKOFF_MS);
        return id;
    }

    private void attempt(FunctionRegistry registry, String function, String eventJson, String id, long backoffMs) {
        try {
            registry.invoke(function, eventJson, id).whenComplete((result, error) -> {
                if (error == null) {
                    finish(id, result, null);
                    return;
                }
                Throwable cause = error instanceof CompletionException ? error.getCause() : error;
                if (cause instanceof InvocationFailure f && f.kind() == InvocationFailure.Kind.OVERLOADED) {
                    scheduler.schedule(() -> attempt(registry, function, eventJson, id,
                                    Math.min(backoffMs * 2, MAX_BACKOFF_MS)),
                            backoffMs, TimeUnit.MILLISECONDS);
                } else if (cause instanceof InvocationFailure f) {
                    finish(id, null, f);
                } else {
                    finish(id, null, InvocationFailure.of(InvocationFailure.Kind.PLATFORM_FAULT,
                            "The invocation failed inside the platform", cause));
                }
            });
        } catch (ApiException e) {
            // deleted meanwhile
            finish(id, null, InvocationFailure.of(InvocationFailure.Kind.CANCELLED, e.getMessage()));
        }
    }

    private void finish(String id, InvocationResult result, InvocationFailure failure) {
        pending.decrementAndGet();
        entries.computeIfPresent(id, (k, e) -> new Entry(id, e.namespace(), e.function(),
                failure == null ? Status.SUCCEEDED : Status.FAILED, e.submittedAt(), clock.instant(),
                result == null ? null : result.json(), failure, result == null ? 0 : result.durationNanos()));
    }

    /** An invocation of {@code namespace}: one of another namespace is as unknown as a missing one. */
    Optional<Entry> get(String namespace, String id) {
        return Optional.ofNullable(entries.get(id)).filter(e -> e.namespace().equals(namespace));
    }

    private void expire() {
        Instant cutoff = clock.instant().minus(retention);
        entries.values().removeIf(e -> e.finishedAt() != null && e.finishedAt().isBefore(cutoff));
    }
}
