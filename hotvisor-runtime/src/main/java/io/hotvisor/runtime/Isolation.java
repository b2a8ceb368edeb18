package io.hotvisor.runtime;

import java.util.Locale;
import java.util.Optional;

/** Where a function's code runs. */
public enum Isolation {
    /** Inside the node's JVM: a GraalVM context, or for Java a class loader of its own (the default). */
    NODE,
    /**
     * Java only: in worker JVMs, one invocation at a time each, that the node kills on timeout or memory excess and
     * replaces. A Java loop that ignores interrupts can be stopped only this way.
     */
    PROCESS;

    /** The API name: {@code node} or {@code process}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses an API name. */
    public static Optional<Isolation> parse(String name) {
        for (Isolation i : values()) {
            if (i.id().equals(name)) {
                return Optional.of(i);
            }
        }
        return Optional.empty();
    }
}
