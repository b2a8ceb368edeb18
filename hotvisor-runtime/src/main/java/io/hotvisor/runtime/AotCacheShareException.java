package io.hotvisor.runtime;

/** A shared AOT cache could not be fetched or stored: the share is unreachable, too slow, or refused it. */
public final class AotCacheShareException extends HotvisorRuntimeException {
    private static final long serialVersionUID = 1L;

    private AotCacheShareException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A failure of the share, with its cause (may be null). */
    public static AotCacheShareException of(String message, Throwable cause) {
        return new AotCacheShareException(message, cause);
    }
}
