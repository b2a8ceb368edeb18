package io.hotvisor.runtime;

import java.util.Locale;
import java.util.Objects;

/**
 * Which GraalVM engine a function is compiled on, and why: asked for by whoever loads it
 * ({@link FunctionRuntime#load(FunctionDefinition, EngineChoice)}), answered by {@link LoadedFunction#engine()}.
 *
 * @param kind   the engine
 * @param reason why, for people (e.g. "hot on node n1 at version 3 (steady state 1.2 ms)")
 */
public record EngineChoice(Kind kind, String reason) {

    public EngineChoice {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(reason, "reason");
    }

    /** The engines a function may run on. */
    public enum Kind {
        /** The language's shared engine, GraalVM's compilation thresholds. */
        DEFAULT,
        /** The language's eager engine, lowered thresholds ({@link EagerCompileOptions}). */
        EAGER,
        /** No Truffle engine: a Java function runs as JVM bytecode. */
        JVM;

        /** {@code default}, {@code eager} or {@code jvm}, as the API spells it. */
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The shared default engine, because {@code reason}. */
    public static EngineChoice standard(String reason) {
        return new EngineChoice(Kind.DEFAULT, reason);
    }

    /** The eager engine, because {@code reason}. */
    public static EngineChoice eager(String reason) {
        return new EngineChoice(Kind.EAGER, reason);
    }
}
