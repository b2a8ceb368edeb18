package io.hotvisor.runtime;

/** The part of the runtime for one language; package-private, reached through {@link FunctionRuntime}. */
interface LanguageRuntime extends AutoCloseable {

    /** Loads a function of this runtime's language; see {@link FunctionRuntime#load}. */
    LoadedFunction load(FunctionDefinition definition, EngineChoice requested);

    /** Loads a function on the default engine. */
    default LoadedFunction load(FunctionDefinition definition) {
        return load(definition, EngineChoice.standard("not known hot"));
    }

    /** How many loaded, not yet closed functions of this language run on its eager engine. */
    default int eagerFunctions() {
        return 0;
    }

    @Override
    void close();
}
