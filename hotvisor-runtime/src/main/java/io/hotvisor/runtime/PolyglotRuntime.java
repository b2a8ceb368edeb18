package io.hotvisor.runtime;

import java.io.InputStream;
import java.io.OutputStream;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.EnvironmentAccess;
import org.graalvm.polyglot.HostAccess;
import org.graalvm.polyglot.PolyglotAccess;
import org.graalvm.polyglot.Source;

/**
 * What the runtimes of the GraalVM guest languages share: one engine per language, the guest-side wrapper parsed
 * once on it, and the locked-down context every sandbox starts from.
 */
abstract sealed class PolyglotRuntime implements LanguageRuntime, PolyglotLanguage
        permits JavaScriptRuntime, PythonRuntime {

    private final Language language;
    private final Engine engine;
    private final Source wrapper;
    private final PolyglotErrors errors;
    private final int minIdleSandboxes;

    PolyglotRuntime(Language language, RuntimeOptions options, String wrapperResource, PolyglotErrors errors,
                    int minIdleSandboxes) {
        String id = language.graalId().orElseThrow();
        this.language = language;
        this.engine = PolyglotLanguage.engine(id, options);
        this.wrapper = PolyglotLanguage.wrapperSource(id, wrapperResource);
        this.errors = errors;
        this.minIdleSandboxes = minIdleSandboxes;
    }

    @Override
    public LoadedFunction load(FunctionDefinition definition) {
        return PolyglotFunction.load(this, definition);
    }

    /**
     * A context builder on the shared engine with nothing of the host: no host classes or access, no native
     * access, no processes, no threads, no other language, and only the function's own environment variables.
     * Each language adds its file access and options.
     *
     * <p>Not GraalVM's {@code SandboxPolicy.CONSTRAINED}, which would have GraalVM check this configuration itself:
     * that policy refuses {@code js.commonjs-require} (allowed only under {@code TRUSTED} in GraalJS 25.0.1), which
     * JavaScript bundles need, and an engine's contexts must all share its policy. What it would check is set here
     * by hand, and hotvisor-it's GuestIsolationTest proves each permission refused from inside a guest.
     */
    Context.Builder sandboxContext(PolyglotFunction function, OutputStream out, OutputStream err) {
        return Context.newBuilder(language.graalId().orElseThrow())
                .engine(engine)
                .allowHostAccess(HostAccess.NONE)
                .allowHostClassLookup(className -> false)
                .allowHostClassLoading(false)
                .allowNativeAccess(false)
                .allowCreateProcess(false)
                .allowCreateThread(false)
                .allowPolyglotAccess(PolyglotAccess.NONE)
                .allowEnvironmentAccess(EnvironmentAccess.NONE)
                .environment(function.definition().config().env())
                .in(InputStream.nullInputStream())
                .out(out)
                .err(err);
    }

    @Override
    public Language language() {
        return language;
    }

    @Override
    public Engine engine() {
        return engine;
    }

    @Override
    public Source wrapper() {
        return wrapper;
    }

    @Override
    public PolyglotErrors errors() {
        return errors;
    }

    @Override
    public int minIdleSandboxes() {
        return minIdleSandboxes;
    }

    @Override
    public void close() {
        engine.close(true);
    }
}
