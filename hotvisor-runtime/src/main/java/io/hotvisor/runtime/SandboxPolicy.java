package io.hotvisor.runtime;

import java.util.Locale;
import java.util.Optional;

/** Whether a function's sandboxes are reused across invocations. */
public enum SandboxPolicy {
    /** A sandbox serves many invocations, one at a time (the default, as in Graalvisor): globals persist. */
    REUSE,
    /** Every invocation gets a new sandbox that is discarded afterwards: nothing persists between invocations. */
    FRESH;

    /** The API name: {@code reuse} or {@code fresh}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses an API name. */
    public static Optional<SandboxPolicy> parse(String name) {
        for (SandboxPolicy p : values()) {
            if (p.id().equals(name)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
