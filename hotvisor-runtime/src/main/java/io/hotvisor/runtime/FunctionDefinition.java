package io.hotvisor.runtime;

import java.util.Objects;

/**
 * One version of a deployed function: what the runtime loads.
 *
 * @param config  how to run it
 * @param code    its code
 * @param version its version, counting from 1; a replace makes a new version
 */
public record FunctionDefinition(FunctionConfig config, FunctionCode code, long version) {
    public FunctionDefinition {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(code, "code");
    }

    /** The function's name. */
    public String name() {
        return config.name();
    }
}
