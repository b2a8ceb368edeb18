package io.hotvisor.node;

/**
 * A request the node answers with an error: an HTTP status, an error type and a message naming what was wrong.
 * Rendered as {@code {"error": {"type": ..., "message": ...}}}.
 */
final class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String type;

    ApiException(int status, String type, String message) {
        super(message);
        this.status = status;
        this.type = type;
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
}
