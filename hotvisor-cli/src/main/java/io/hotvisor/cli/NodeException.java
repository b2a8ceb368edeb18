package io.hotvisor.cli;

import java.net.URI;
import java.util.Optional;

/**
 * A request the node did not fulfil: an error response, or no node at the URL. The message is what the user
 * sees; {@link #exitCode()} is the process exit code (see {@link ExitCodes}).
 */
final class NodeException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int exitCode;
    private final int status;
    private final String retryAfter;

    private NodeException(String message, int exitCode, int status, String retryAfter, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
        this.status = status;
        this.retryAfter = retryAfter;
    }

    /**
     * An error response. The message is "Error 404 (NotFound): Function 'x' not found", taken from the
     * node's {@code {"error": {"type", "message"}}} body, or from the raw body when it is not that shape.
     */
    static NodeException response(int status, String type, String message) {
        StringBuilder b = new StringBuilder("Error ").append(status);
        if (type != null && !type.isBlank()) {
            b.append(" (").append(type).append(')');
        }
        b.append(": ").append(message == null || message.isBlank() ? "(the node gave no message)" : message);
        return new NodeException(b.toString(), status >= 500 ? ExitCodes.SERVER_ERROR : ExitCodes.CLIENT_ERROR,
                status, null, null);
    }

    /** {@code e} with a hint line added to its message. */
    static NodeException response(NodeException e, String hint) {
        return new NodeException(e.getMessage() + System.lineSeparator() + hint, e.exitCode, e.status, e.retryAfter,
                null);
    }

    /** {@code e}, an error response that carried {@code Retry-After: value}. */
    static NodeException retryAfter(NodeException e, String value) {
        return new NodeException(e.getMessage(), e.exitCode, e.status, value, null);
    }

    /** No node answered at {@code base}. */
    static NodeException unreachable(URI base, String why, Throwable cause) {
        return new NodeException("Cannot reach a Hotvisor node at " + base + " (" + why + "). Is the node running?"
                + " Start one, or point --url or HOTVISOR_URL at a running node.", ExitCodes.UNREACHABLE, 0, null,
                cause);
    }

    /** The process exit code for this failure. */
    int exitCode() {
        return exitCode;
    }

    /** The HTTP status, or 0 when no node answered. */
    int status() {
        return status;
    }

    /** The error response's {@code Retry-After} header, as sent; empty when it had none or no node answered. */
    Optional<String> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
