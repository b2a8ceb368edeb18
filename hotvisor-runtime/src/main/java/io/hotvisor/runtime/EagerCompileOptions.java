package io.hotvisor.runtime;

import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * <p>Per language: only the functions of {@link #languages()} go to an eager engine; those of another language stay on
 * the default engine (the reason says so). By default that is JavaScript alone. Python is left out because its own
 * measurements speak against it: no gain in the first 200 calls ({@code bench/eager-compile.sh}), and the hot-start
 * benches' Python JSON transform settled on a steady state about twice as slow as its best in 8 of 8 fresh nodes with
 * these thresholds, against 4 of 7 with GraalVM's ({@code bench/settle.py}, {@code bench/results/notes-settle.md}).
 *
 * @param enabled             whether functions known hot may be placed on an eager engine; defaults to false
 * @param languages           the guest languages whose functions may be placed on an eager engine; defaults to
 *                            {@link #DEFAULT_LANGUAGES}; JavaScript and Python only (Java functions have no engine)
 * @param firstTierThreshold  {@code engine.FirstTierCompilationThreshold} of the eager engines; defaults to
 *                            {@value #DEFAULT_FIRST_TIER_THRESHOLD}
 * @param lastTierThreshold   {@code engine.LastTierCompilationThreshold} of the eager engines, at least
 *                            {@code firstTierThreshold}; defaults to {@value #DEFAULT_LAST_TIER_THRESHOLD}
 */
public record EagerCompileOptions(boolean enabled, Set<Language> languages, int firstTierThreshold,
                                  int lastTierThreshold) {

    /** Default {@link #languages()}: JavaScript. */
    public static final Set<Language> DEFAULT_LANGUAGES = Set.of(Language.JAVASCRIPT);

    /** Default {@link #firstTierThreshold()}. */
    public static final int DEFAULT_FIRST_TIER_THRESHOLD = 50;
    /** Default {@link #lastTierThreshold()}. */
    public static final int DEFAULT_LAST_TIER_THRESHOLD = 500;
    /** GraalVM's own first-tier threshold, the default engine's. */
    public static final int GRAAL_FIRST_TIER_THRESHOLD = 400;
    /** GraalVM's own last-tier threshold, the default engine's. */
    public static final int GRAAL_LAST_TIER_THRESHOLD = 10_000;

    public EagerCompileOptions {
        languages = Set.copyOf(languages);
        if (languages.contains(Language.JAVA)) {
            throw new IllegalArgumentException("eager compilation applies to javascript and python functions only;"
                    + " java functions have no Truffle engine");
        }
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
        return new EagerCompileOptions(false, DEFAULT_LANGUAGES, DEFAULT_FIRST_TIER_THRESHOLD,
                DEFAULT_LAST_TIER_THRESHOLD);
    }

    /** On, with the default thresholds. */
    public static EagerCompileOptions on() {
        return off().enabled(true);
    }

    public EagerCompileOptions enabled(boolean on) {
        return new EagerCompileOptions(on, languages, firstTierThreshold, lastTierThreshold);
    }

    public EagerCompileOptions languages(Set<Language> only) {
        return new EagerCompileOptions(enabled, only, firstTierThreshold, lastTierThreshold);
    }

    public EagerCompileOptions firstTierThreshold(int n) {
        return new EagerCompileOptions(enabled, languages, n, lastTierThreshold);
    }

    public EagerCompileOptions lastTierThreshold(int n) {
        return new EagerCompileOptions(enabled, languages, firstTierThreshold, n);
    }

    /** Whether a function of {@code language} may be placed on an eager engine: enabled, and one of the languages. */
    public boolean appliesTo(Language language) {
        return enabled && languages.contains(language);
    }

    /** {@link #languages()} by id, in {@link Language} order: {@code javascript}, {@code python}. */
    public List<String> languageIds() {
        return languages.stream().sorted().map(Language::id).toList();
    }

    /** The engine options that make an engine eager, by GraalVM option name. */
    public Map<String, String> engineOptions() {
        Map<String, String> o = new TreeMap<>();
        o.put("engine.FirstTierCompilationThreshold", Integer.toString(firstTierThreshold));
        o.put("engine.LastTierCompilationThreshold", Integer.toString(lastTierThreshold));
        return o;
    }
}
