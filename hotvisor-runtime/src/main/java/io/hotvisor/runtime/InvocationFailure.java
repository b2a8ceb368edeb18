package io.hotvisor.runtime;

import java.util.List;
import java.util.Objects;

/**
 * Why an invocation did not produce a result, classified once at the sandbox boundary.
 * Each {@link Kind} maps to its own HTTP status in the node.
 */
public final class InvocationFailure extends HotvisorRuntimeException {
    private static final long serialVersionUID = 1L;

    /** The classes of failure. */
    public enum Kind {
        /** The function threw or rejected: its own error (HTTP 502). */
        FUNCTION_ERROR,
        /** The invocation ran past its timeout and was stopped (HTTP 504). */
        TIMEOUT,
        /** The invocation exhausted a resource: memory, stack, output (HTTP 502, own error type). */
        RESOURCE_EXHAUSTED,
        /** The function's queue was full (HTTP 429). */
        OVERLOADED,
        /** The invocation was cancelled before it finished, for example because the node is stopping (HTTP 503). */
        CANCELLED,
        /** The platform failed, not the function (HTTP 500). */
        PLATFORM_FAULT
    }

    private final Kind kind;
    private final String errorType;
    private final List<String> stack;
    private final boolean sandboxSpoiled;

    private InvocationFailure(Kind kind, String errorType, String message, List<String> stack, Throwable cause) {
        this(kind, errorType, message, stack, cause, false);
    }

    private InvocationFailure(Kind kind, String errorType, String message, List<String> stack, Throwable cause,
                              boolean sandboxSpoiled) {
        super(message, cause);
        this.kind = Objects.requireNonNull(kind);
        this.errorType = Objects.requireNonNull(errorType);
        this.stack = List.copyOf(stack);
        this.sandboxSpoiled = sandboxSpoiled;
    }

    /**
     * The function tried something its sandbox refuses (a process, a thread, the network, native code): a function
     * error of type {@code SandboxViolation}. The refusal came up through the language runtime's internals, so the
     * sandbox is not trusted again ({@link #sandboxSpoiled()}).
     */
    static InvocationFailure sandboxViolation(String message) {
        return new InvocationFailure(Kind.FUNCTION_ERROR, "SandboxViolation", message, List.of(), null, true);
    }

    /** True if the sandbox that failed must be discarded even though the failure is the function's own. */
    boolean sandboxSpoiled() {
        return sandboxSpoiled;
    }

    /** The function failed with its own error of type {@code errorType} (e.g. {@code TypeError}, {@code ValueError}). */
    public static InvocationFailure functionError(String errorType, String message, List<String> stack) {
        return new InvocationFailure(Kind.FUNCTION_ERROR, errorType, message, stack, null);
    }

    /** Any other kind, with a generic error type derived from the kind. */
    public static InvocationFailure of(Kind kind, String message) {
        return of(kind, message, null);
    }

    /** Any other kind, with its cause (kept for logs, never shown to callers). */
    public static InvocationFailure of(Kind kind, String message, Throwable cause) {
        return new InvocationFailure(kind, defaultType(kind), message, List.of(), cause);
    }

    /** A resource-exhausted failure with a specific type such as {@code MemoryLimitExceeded}. */
    public static InvocationFailure resourceExhausted(String errorType, String message) {
        return new InvocationFailure(Kind.RESOURCE_EXHAUSTED, errorType, message, List.of(), null);
    }

    private static String defaultType(Kind kind) {
        return switch (kind) {
            case FUNCTION_ERROR -> "Error";
            case TIMEOUT -> "Timeout";
            case RESOURCE_EXHAUSTED -> "ResourceExhausted";
            case OVERLOADED -> "Overloaded";
            case CANCELLED -> "Cancelled";
            case PLATFORM_FAULT -> "PlatformFault";
        };
    }

    public Kind kind() {
        return kind;
    }

    /** The error's type as the caller sees it in {@code error.type}. */
    public String errorType() {
        return errorType;
    }

    /** The guest's stack, trimmed to the function's own frames; empty when there is none. */
    public List<String> stack() {
        return stack;
    }
}
