package io.hotvisor.runtime;

import java.util.Optional;

/**
 * A function cannot be loaded: a syntax error, a missing handler, a broken bundle or jar. The message names
 * what was wrong and what exists, for example
 * {@code "Handler 'index.hndler' not found in function 'resize'; exported: [handler, main]"} or
 * {@code "Syntax error in index.js line 3: Expected ) but found {"}.
 */
public final class DeployException extends HotvisorRuntimeException {
    private static final long serialVersionUID = 1L;

    private final String field;

    private DeployException(String field, String message, Throwable cause) {
        super(message, cause);
        this.field = field;
    }

    /** A problem with the function's code (syntax, missing module, bad archive). */
    public static DeployException code(String message) {
        return new DeployException("code", message, null);
    }

    /** A problem with the function's code, caused by {@code cause}. */
    public static DeployException code(String message, Throwable cause) {
        return new DeployException("code", message, cause);
    }

    /** A problem with the handler: it does not exist or has an unsupported shape. */
    public static DeployException handler(String message) {
        return new DeployException("handler", message, null);
    }

    /** A problem with another field of the function's config, named by {@code field}. */
    public static DeployException field(String field, String message) {
        return new DeployException(field, message, null);
    }

    /** The field of the deploy request at fault: {@code code}, {@code handler}, or another config field. */
    public Optional<String> field() {
        return Optional.ofNullable(field);
    }
}
