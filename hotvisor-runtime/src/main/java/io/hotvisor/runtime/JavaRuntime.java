package io.hotvisor.runtime;

/** Placeholder until the language runtime lands. */
final class JavaRuntime implements LanguageRuntime {
    static JavaRuntime create(RuntimeOptions options) {
        throw new UnsupportedOperationException("JavaRuntime is not implemented yet");
    }

    @Override
    public LoadedFunction load(FunctionDefinition definition) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void close() {
    }
}
