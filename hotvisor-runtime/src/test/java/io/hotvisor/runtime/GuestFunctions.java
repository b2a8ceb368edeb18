package io.hotvisor.runtime;

import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Loads and invokes guest functions of one language on one runtime, for the JavaScript and Python runtime tests.
 * Every function is named {@code fn}, version 3, with 512 MB; fixtures live under {@code /fixtures/<language>/}.
 */
final class GuestFunctions implements AutoCloseable {
    private final Language language;
    private final FunctionRuntime runtime = FunctionRuntime.create(RuntimeOptions.defaults());

    GuestFunctions(Language language) {
        this.language = language;
    }

    FunctionRuntime runtime() {
        return runtime;
    }

    LoadedFunction load(String handler, FunctionCode code, Map<String, String> env) {
        FunctionConfig config = FunctionConfig.builder("fn", language, handler).env(env).memoryMb(512).build();
        return runtime.load(new FunctionDefinition(config, code, 3));
    }

    /** Loads {@code source} with {@code warmupInputs} declared (the first one primes its serving sandboxes). */
    LoadedFunction load(String handler, String source, List<String> warmupInputs) {
        FunctionConfig config = FunctionConfig.builder("fn", language, handler).memoryMb(512)
                .warmupInputs(warmupInputs).build();
        return runtime.load(new FunctionDefinition(config, new FunctionCode.SourceText(source), 3));
    }

    LoadedFunction load(String handler, String source) {
        return load(handler, new FunctionCode.SourceText(source), Map.of());
    }

    Path fixture(String name) throws URISyntaxException {
        return Path.of(GuestFunctions.class.getResource("/fixtures/" + language.id().toLowerCase(Locale.ROOT) + "/"
                + name).toURI());
    }

    /** Invokes a function once, in a new sandbox closed afterwards. */
    static String invoke(LoadedFunction function, String event) {
        try (Sandbox sandbox = function.newSandbox()) {
            return invoke(sandbox, event);
        }
    }

    static String invoke(Sandbox sandbox, String event) {
        Ticker ticker = Ticker.system();
        return sandbox.invoke(event, new InvocationContext("inv-1", "fn", 3, 512,
                ticker.read() + Duration.ofSeconds(30).toNanos(), ticker));
    }

    static InvocationFailure failure(LoadedFunction function, String event) {
        return catchThrowableOfType(InvocationFailure.class, () -> invoke(function, event));
    }

    @Override
    public void close() {
        runtime.close();
    }
}
