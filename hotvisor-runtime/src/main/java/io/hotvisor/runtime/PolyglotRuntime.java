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
 *
 * <p>Engine per function ({@link RuntimeOptions#enginePerFunction()}): a function of a language listed there gets an
 * engine of its own (with the eager engine's options when it is loaded eager), closed when it is unloaded. On a
 * shared engine, other functions' deploys and calls run the same wrapper and standard-library code and change what it
 * was compiled for: a hot Python JSON transform's next 200 calls after another function's deploy cost 1.19-1.91x its
 * steady CPU time on the shared engine, and 0.95-1.09x on an engine of its own
 * (bench/results/python-engine-per-function/README-python-engine-prime.md). An engine costs its first context
 * (seconds for Python) and more heap per function, hence off by default.
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
        boolean eagerLoad = choice.kind() == EngineChoice.Kind.EAGER;
        Engine target;
        // What unloading the function releases besides its count as an eager function: an engine of its own.
        Runnable release;
        if (options.enginePerFunction().contains(language)) {
            Engine own = PolyglotLanguage.engine(language.graalId().orElseThrow(), options,
                    eagerLoad ? options.eagerCompile().engineOptions() : java.util.Map.of());
            target = own;
            release = () -> own.close(true);
            choice = new EngineChoice(choice.kind(), choice.reason() + "; on an engine of its own"
                    + " (engine per function for " + language.id() + ")");
        } else {
            target = eagerLoad ? eagerEngine() : engine;
            release = () -> { };
        }
        if (eagerLoad) {
            eagerFunctions.incrementAndGet();
        }
        Runnable onClose = () -> {
            if (eagerLoad) {
                eagerFunctions.decrementAndGet();
            }
            release.run();
        };
        try {
            return PolyglotFunction.load(this, definition, target, choice, onClose);
        } catch (RuntimeException e) {
            onClose.run();
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
