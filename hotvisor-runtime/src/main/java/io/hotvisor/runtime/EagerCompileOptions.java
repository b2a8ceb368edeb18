package io.hotvisor.runtime;

import java.util.Map;
import java.util.TreeMap;

/**
 * The "eager" engine of each guest language (issue 6, mechanism 3): a second GraalVM engine with lowered Truffle
 * compilation thresholds, for the functions the fleet already knows to run hot. A function is placed on it only when
 * its loader asks ({@link FunctionRuntime#load(FunctionDefinition, EngineChoice)}) and this is enabled; every other
 * function stays on the language's shared default engine. The eager engine of a language is built when its first
 * function is placed on it, and gets the node's {@link RuntimeOptions#engineOptions()} too, these thresholds last.
 *
 * <p>Both thresholds are GraalVM 25.0.1 options marked experimental ({@code engine.FirstTierCompilationThreshold},
 * default 400; {@code engine.LastTierCompilationThreshold}, default 10000: calls plus loop iterations of a guest
 * function before it is compiled in the first, quick tier and the last, optimizing tier), so the eager engine is
 * built with {@code allowExperimentalOptions}. Truffle still scales both with the compile queue's load
 * ({@code engine.DynamicCompilationThresholds}).
 *
 * @param enabled             whether functions known hot may be placed on an eager engine; defaults to false
 * @param firstTierThreshold  {@code engine.FirstTierCompilationThreshold} of the eager engines; defaults to
 *                            {@value #DEFAULT_FIRST_TIER_THRESHOLD}
 * @param lastTierThreshold   {@code engine.LastTierCompilationThreshold} of the eager engines, at least
 *                            {@code firstTierThreshold}; defaults to {@value #DEFAULT_LAST_TIER_THRESHOLD}
 */
public record EagerCompileOptions(boolean enabled, int firstTierThreshold, int lastTierThreshold) {

    /** Default {@link #firstTierThreshold()}. */
    public static final int DEFAULT_FIRST_TIER_THRESHOLD = 50;
    /** Default {@link #lastTierThreshold()}. */
    public static final int DEFAULT_LAST_TIER_THRESHOLD = 500;
    /** GraalVM's own first-tier threshold, the default engine's. */
    public static final int GRAAL_FIRST_TIER_THRESHOLD = 400;
    /** GraalVM's own last-tier threshold, the default engine's. */
    public static final int GRAAL_LAST_TIER_THRESHOLD = 10_000;

    public EagerCompileOptions {
        if (firstTierThreshold < 1) {
            throw new IllegalArgumentException("firstTierThreshold must be at least 1, was " + firstTierThreshold);
        }
        if (lastTierThreshold < firstTierThreshold) {
            throw new IllegalArgumentException("lastTierThreshold must be at least firstTierThreshold ("
                    + firstTierThreshold + "), was " + lastTierThreshold);
        }
    }

    /** Off, with the default thresholds. */
    public static EagerCompileOptions off() {
        return new EagerCompileOptions(false, DEFAULT_FIRST_TIER_THRESHOLD, DEFAULT_LAST_TIER_THRESHOLD);
    }

    /** On, with the default thresholds. */
    public static EagerCompileOptions on() {
        return off().enabled(true);
    }

    public EagerCompileOptions enabled(boolean on) {
        return new EagerCompileOptions(on, firstTierThreshold, lastTierThreshold);
    }

    public EagerCompileOptions firstTierThreshold(int n) {
        return new EagerCompileOptions(enabled, n, lastTierThreshold);
    }

    public EagerCompileOptions lastTierThreshold(int n) {
        return new EagerCompileOptions(enabled, firstTierThreshold, n);
    }

    /** The engine options that make an engine eager, by GraalVM option name. */
    public Map<String, String> engineOptions() {
        Map<String, String> o = new TreeMap<>();
        o.put("engine.FirstTierCompilationThreshold", Integer.toString(firstTierThreshold));
        o.put("engine.LastTierCompilationThreshold", Integer.toString(lastTierThreshold));
        return o;
    }
}
