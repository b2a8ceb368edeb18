package io.hotvisor.runtime;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Loads Java test functions built by {@link TestJars} on one {@link JavaRuntime}, and closes them all. */
final class TestFunctions implements AutoCloseable {
    private final JavaRuntime runtime;
    private final Path dir;
    private final List<LoadedFunction> loaded = new ArrayList<>();

    TestFunctions(Path dir) {
        this(dir, RuntimeOptions.defaults());
    }

    TestFunctions(Path dir, RuntimeOptions options) {
        this.dir = dir;
        this.runtime = JavaRuntime.create(options);
    }

    /** Compiles {@code sources} into a jar named after the function and loads it with REUSE. */
    LoadedFunction load(String name, String handler, Map<String, String> sources) {
        return load(name, handler, SandboxPolicy.REUSE, sources);
    }

    LoadedFunction load(String name, String handler, SandboxPolicy policy, Map<String, String> sources) {
        return load(definition(name, handler, policy, new FunctionCode.JarFile(TestJars.jar(dir, name, sources))));
    }

    LoadedFunction load(FunctionDefinition definition) {
        LoadedFunction f = runtime.load(definition);
        loaded.add(f);
        return f;
    }

    Path dir() {
        return dir;
    }

    static FunctionDefinition definition(String name, String handler, SandboxPolicy policy, FunctionCode code) {
        return new FunctionDefinition(FunctionConfig.builder(name, Language.JAVA, handler).sandbox(policy)
                .env(Map.of("GREETING", "hi")).memoryMb(512).build(), code, 1);
    }

    /** One invocation as the dispatcher would describe it: id {@code inv-1}, version 1, 512 MB, 30 s left. */
    static InvocationContext invocation(String functionName) {
        return new InvocationContext("inv-1", functionName, 1, 512, System.nanoTime() + 30_000_000_000L,
                Ticker.system());
    }

    /** Invokes {@code function} once in a sandbox of its own, closed afterwards. */
    static String invokeOnce(LoadedFunction function, String eventJson) {
        try (Sandbox s = function.newSandbox()) {
            return s.invoke(eventJson, invocation(function.definition().name()));
        }
    }

    @Override
    public void close() {
        loaded.forEach(LoadedFunction::close);
    }
}
