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
    LoadedFunction load(FunctionDefinition definition);

    /** The Truffle runtime in use, e.g. {@code GraalVM CE}; {@code Interpreted} for the fallback. */
    String truffleRuntimeName();

    /** Whether guest code is compiled by the optimizing Truffle runtime. */
    boolean optimizing();

    /** Closes every engine; idempotent. */
    @Override
    void close();
}
