package io.hotvisor.runtime;

import java.lang.System.Logger.Level;
import java.util.EnumMap;
import java.util.Map;

import org.graalvm.polyglot.Engine;

/**
 * Routes each function to its language's runtime. Language runtimes are created on first use, so a node that
 * never runs Python never pays for GraalPy.
 */
final class DefaultFunctionRuntime implements FunctionRuntime {
    private static final System.Logger LOG = System.getLogger(DefaultFunctionRuntime.class.getName());
    /** What {@code Engine#getImplementationName()} answers on Truffle's fallback runtime. */
    private static final String FALLBACK_RUNTIME = "Interpreted";

    private final RuntimeOptions options;
    private final String truffleRuntimeName;
    private final Map<Language, LanguageRuntime> runtimes = new EnumMap<>(Language.class);
    private boolean closed;

    private DefaultFunctionRuntime(RuntimeOptions options, String truffleRuntimeName) {
        this.options = options;
        this.truffleRuntimeName = truffleRuntimeName;
    }

    static DefaultFunctionRuntime create(RuntimeOptions options) {
        String name;
        try (Engine probe = Engine.newBuilder().option("engine.WarnInterpreterOnly", "false").build()) {
            name = probe.getImplementationName();
        }
        if (options.eagerCompile().enabled()) {
            checkEagerOptions(options.eagerCompile());
        }
        if (FALLBACK_RUNTIME.equals(name)) {
            if (!options.allowInterpreter()) {
                throw new IllegalStateException("Truffle would run guest code on its fallback runtime, interpreter only"
                        + " and about 10x slower. Start the JVM with JVMCI and the Graal compiler on the upgrade module"
                        + " path (bin/hotvisor does), or pass --allow-interpreter to run slowly on purpose.");
            }
            LOG.log(Level.WARNING, "Running guest code on Truffle's fallback runtime (interpreter only): expect ~10x slower functions");
        }
        return new DefaultFunctionRuntime(options, name);
    }

    /**
     * Builds an engine with the eager engine's options once, so that options this GraalVM does not know (they are
     * experimental and may be renamed in a later release) stop the node at start rather than at the first load of a
     * function known hot.
     */
    private static void checkEagerOptions(EagerCompileOptions eager) {
        Engine.Builder b = Engine.newBuilder().allowExperimentalOptions(true).option("engine.WarnInterpreterOnly", "false");
        eager.engineOptions().forEach(b::option);
        try (Engine probe = b.build()) {
            probe.getImplementationName();
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("Eager compilation is on, but this GraalVM refuses the eager engine's"
                    + " options " + eager.engineOptions() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public LoadedFunction load(FunctionDefinition definition, EngineChoice requested) {
        if (definition.config().isolation() == Isolation.PROCESS && definition.config().language() != Language.JAVA) {
            throw DeployException.field("isolation", "Isolation 'process' is for Java functions only; function '"
                    + definition.name() + "' is " + definition.config().language().id() + ": use 'node'");
        }
        return runtime(definition.config().language()).load(definition, requested);
    }

    @Override
    public EagerCompileOptions eagerCompile() {
        return options.eagerCompile();
    }

    @Override
    public synchronized int eagerFunctions() {
        return runtimes.values().stream().mapToInt(LanguageRuntime::eagerFunctions).sum();
    }

    private synchronized LanguageRuntime runtime(Language language) {
        if (closed) {
            throw new IllegalStateException("The function runtime is closed");
        }
        return runtimes.computeIfAbsent(language, l -> switch (l) {
            case JAVASCRIPT -> JavaScriptRuntime.create(options);
            case PYTHON -> PythonRuntime.create(options);
            case JAVA -> JavaRuntime.create(options);
        });
    }

    @Override
    public String truffleRuntimeName() {
        return truffleRuntimeName;
    }

    @Override
    public boolean optimizing() {
        return !FALLBACK_RUNTIME.equals(truffleRuntimeName);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        runtimes.values().forEach(LanguageRuntime::close);
        runtimes.clear();
    }
}
