package io.hotvisor.runtime;

/** The part of the runtime for one language; package-private, reached through {@link FunctionRuntime}. */
interface LanguageRuntime extends AutoCloseable {

    /** Loads a function of this runtime's language; see {@link FunctionRuntime#load}. */
    LoadedFunction load(FunctionDefinition definition);

    @Override
    void close();
}
