package io.hotvisor.cluster;

/** The cluster store could not do what was asked: Redis unreachable, or data in it that makes no sense. */
public final class ClusterException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ClusterException(String message, Throwable cause) {
        super(message, cause);
    }

    ClusterException(String message) {
        super(message);
    }
}
