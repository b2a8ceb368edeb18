package io.hotvisor.runtime;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.atomic.AtomicInteger;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.EnvironmentAccess;
import org.graalvm.polyglot.HostAccess;
import org.graalvm.polyglot.PolyglotAccess;
import org.graalvm.polyglot.Source;

/**
 * What the runtimes of the GraalVM guest languages share: one default engine per language, the guest-side wrapper
 * parsed once on it, and the locked-down context every sandbox starts from.
 *
 * <p>Eager engine (issue 6, mechanism 3): a function loaded with {@link EngineChoice.Kind#EAGER} while
 * {@link RuntimeOptions#eagerCompile()} {@linkplain EagerCompileOptions#appliesTo applies to} its language runs on a
 * second engine of the language, built on first use, with lowered compilation thresholds
 * ({@link EagerCompileOptions}). Compiled code is shared only within one engine (DESIGN.md), so each function stays on
 * the engine it was loaded on until it is unloaded.
 */
abstract sealed class PolyglotRuntime implements LanguageRuntime, PolyglotLanguage
        permits JavaScriptRuntime, PythonRuntime {

    private final Language language;
    private final RuntimeOptions options;
    private final Engine engine;
    /** Built on the first eager load; guarded by {@code this}. */
    private Engine eagerEngine;
    private final AtomicInteger eagerFunctions = new AtomicInteger();
    private final Source wrapper;
    private final PolyglotErrors errors;
    private final int minIdleSandboxes;

    PolyglotRuntime(Language language, RuntimeOptions options, String wrapperResource, PolyglotErrors errors,
                    int minIdleSandboxes) {
        String id = language.graalId().orElseThrow();
        this.language = language;
        this.options = options;
        this.engine = PolyglotLanguage.engine(id, options);
        this.wrapper = PolyglotLanguage.wrapperSource(id, wrapperResource);
        this.errors = errors;
        this.minIdleSandboxes = minIdleSandboxes;
    }

    @Override
    public LoadedFunction load(FunctionDefinition definition, EngineChoice requested) {
        EngineChoice choice = requested;
        EagerCompileOptions eager = options.eagerCompile();
        if (requested.kind() == EngineChoice.Kind.EAGER && !eager.enabled()) {
            choice = EngineChoice.standard("eager compilation is off on this node (asked for: " + requested.reason() + ")");
        } else if (requested.kind() == EngineChoice.Kind.EAGER && !eager.appliesTo(language)) {
            String eagerLanguages = eager.languages().isEmpty() ? "none" : String.join(",", eager.languageIds());
            choice = EngineChoice.standard("eager compilation is off for " + language.id() + " on this node (eager"
                    + " languages: " + eagerLanguages + "; asked for: " + requested.reason() + ")");
        } else if (requested.kind() == EngineChoice.Kind.JVM) {
            choice = EngineChoice.standard(requested.reason());
        }
        if (choice.kind() == EngineChoice.Kind.DEFAULT) {
            return PolyglotFunction.load(this, definition, engine, choice, () -> { });
        }
        Engine lowered = eagerEngine();
        eagerFunctions.incrementAndGet();
        try {
            return PolyglotFunction.load(this, definition, lowered, choice, eagerFunctions::decrementAndGet);
        } catch (RuntimeException e) {
            eagerFunctions.decrementAndGet();
            throw e;
        }
    }

    private synchronized Engine eagerEngine() {
        if (eagerEngine == null) {
            eagerEngine = PolyglotLanguage.engine(language.graalId().orElseThrow(), options,
                    options.eagerCompile().engineOptions());
        }
        return eagerEngine;
    }

    @Override
    public int eagerFunctions() {
        return eagerFunctions.get();
    }

    /**
     * A context builder on the shared engine with nothing of the host: no host classes or access, no native
     * access, no processes, no threads, no other language, and only the function's own environment variables.
     * Each language adds its file access and options. The context is on the engine the function was loaded on.
     *
     * <p>Not GraalVM's {@code SandboxPolicy.CONSTRAINED}, which would have GraalVM check this configuration itself:
     * that policy refuses {@code js.commonjs-require} (allowed only under {@code TRUSTED} in GraalJS 25.0.1), which
     * JavaScript bundles need, and an engine's contexts must all share its policy. What it would check is set here
     * by hand, and hotvisor-it's GuestIsolationTest proves each permission refused from inside a guest.
     */
    Context.Builder sandboxContext(PolyglotFunction function, OutputStream out, OutputStream err) {
        return Context.newBuilder(language.graalId().orElseThrow())
                .engine(function.polyglotEngine())
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
        synchronized (this) {
            if (eagerEngine != null) {
                eagerEngine.close(true);
            }
        }
    }
}
