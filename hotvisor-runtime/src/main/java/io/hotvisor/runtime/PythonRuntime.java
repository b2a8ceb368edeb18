package io.hotvisor.runtime;

/** Placeholder until the language runtime lands. */
final class PythonRuntime implements LanguageRuntime {
    static PythonRuntime create(RuntimeOptions options) {
        throw new UnsupportedOperationException("PythonRuntime is not implemented yet");
    }

    @Override
    public LoadedFunction load(FunctionDefinition definition) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void close() {
    }
}
