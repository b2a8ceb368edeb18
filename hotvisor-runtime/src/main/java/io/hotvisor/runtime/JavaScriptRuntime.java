package io.hotvisor.runtime;

/** Placeholder until the language runtime lands. */
final class JavaScriptRuntime implements LanguageRuntime {
    static JavaScriptRuntime create(RuntimeOptions options) {
        throw new UnsupportedOperationException("JavaScriptRuntime is not implemented yet");
    }

    @Override
    public LoadedFunction load(FunctionDefinition definition) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void close() {
    }
}
