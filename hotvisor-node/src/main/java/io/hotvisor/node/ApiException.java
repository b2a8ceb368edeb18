package io.hotvisor.node;

import java.time.Duration;
import java.util.Optional;

/**
 * A request the node answers with an error: an HTTP status, an error type and a message naming what was wrong.
 * Rendered as {@code {"error": {"type": ..., "message": ...}}}, with a {@code Retry-After} header when the request
 * is worth repeating later ({@link #retryAfter()}).
 */
final class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String type;
    /** When the client may try again, in whole seconds; 0: no advice (no header). */
    private final long retryAfterSeconds;

    ApiException(int status, String type, String message) {
        this(status, type, message, Duration.ZERO);
    }

    /** @param retryAfter when the client may try again (rounded up to whole seconds); zero: no advice */
    ApiException(int status, String type, String message, Duration retryAfter) {
        super(message);
        this.status = status;
        this.type = type;
        this.retryAfterSeconds = retryAfter.isZero() ? 0 : Math.max(1, (retryAfter.toMillis() + 999) / 1000);
    }

    static ApiException badRequest(String message) {
        return new ApiException(400, "BadRequest", message);
    }

    static ApiException notFound(String message) {
        return new ApiException(404, "NotFound", message);
    }

    int status() {
        return status;
    }

    String type() {
        return type;
    }

    /** When the client may try again ({@code Retry-After}), in whole seconds; empty when not worth repeating. */
    Optional<Long> retryAfter() {
        return retryAfterSeconds == 0 ? Optional.empty() : Optional.of(retryAfterSeconds);
    }
}
