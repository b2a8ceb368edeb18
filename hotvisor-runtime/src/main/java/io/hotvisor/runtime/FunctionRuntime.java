package io.hotvisor.runtime;

/**
 * Loads functions of every language. One per node: it owns the shared GraalVM engine of each guest language,
 * so that every sandbox of a function runs the code that any other sandbox of it has already compiled.
 */
public interface FunctionRuntime extends AutoCloseable {

    /**
     * Creates the runtime.
     *
     * @throws IllegalStateException if Truffle runs on its fallback (interpreter-only) runtime and
     *                               {@link RuntimeOptions#allowInterpreter()} is false
     */
    static FunctionRuntime create(RuntimeOptions options) {
        return DefaultFunctionRuntime.create(options);
    }

    /**
     * Loads one version of a function: parses its code, finds its handler (in a first sandbox, which is kept and
     * handed out by the first {@link LoadedFunction#newSandbox()}).
     *
     * @throws DeployException naming what is wrong: syntax error (file, line), handler not found (and what
     *                         exists), unsupported handler shape, broken bundle or jar
     */
    default LoadedFunction load(FunctionDefinition definition) {
        return load(definition, EngineChoice.standard("not known hot"));
    }

    /**
     * As {@link #load(FunctionDefinition)}, asking for an engine: a JavaScript or Python function asked onto
     * {@link EngineChoice.Kind#EAGER} runs on its language's eager engine when {@link RuntimeOptions#eagerCompile()}
     * is enabled, else on the default engine ({@link LoadedFunction#engine()} says which, and why). The choice holds
     * for this loaded version: a function never moves between engines while loaded (what one engine compiled is
     * lost on another).
     */
    LoadedFunction load(FunctionDefinition definition, EngineChoice requested);

    /** How eager engines are configured on this runtime. */
    EagerCompileOptions eagerCompile();

    /** How many loaded, not yet closed functions run on an eager engine, over all languages. */
    int eagerFunctions();

    /** The Truffle runtime in use, e.g. {@code GraalVM CE}; {@code Interpreted} for the fallback. */
    String truffleRuntimeName();

    /** Whether guest code is compiled by the optimizing Truffle runtime. */
    boolean optimizing();

    /** Closes every engine; idempotent. */
    @Override
    void close();
}
