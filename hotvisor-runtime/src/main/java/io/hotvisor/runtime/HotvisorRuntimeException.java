package io.hotvisor.runtime;

/** The root of the runtime's unchecked exceptions. */
public sealed class HotvisorRuntimeException extends RuntimeException permits AotCacheShareException, DeployException, InvocationFailure {
    private static final long serialVersionUID = 1L;

    HotvisorRuntimeException(String message, Throwable cause) {
        super(message, cause);
    }
}
