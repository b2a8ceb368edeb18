package io.hotvisor.runtime;

import java.io.OutputStream;
import java.lang.System.Logger.Level;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.io.FileSystem;
import org.graalvm.polyglot.io.IOAccess;

/**
 * Runs Python functions on one shared GraalPy engine.
 *
 * <p>The function's file is evaluated in {@code __main__}, renamed by the wrapper to the file's module name
 * ({@code index}), so {@code if __name__ == "__main__":} blocks do not run, as under Lambda. A bundle's root is put
 * first on {@code sys.path} by the wrapper rather than by {@code python.PythonPath}: every context then has the same
 * options, which keeps all of them on one code-sharing layer of the engine. The handler gets {@code (event, context)}
 * when it declares two or more positional parameters (or {@code *args}), else {@code (event)} (OpenWhisk's
 * {@code main(args)}).
 *
 * <p>A GraalPy context takes 0.3-5 s to create (see DESIGN.md), so Python functions keep one idle sandbox
 * ({@link #minIdleSandboxes()}) and refuse {@link SandboxPolicy#FRESH}.
 *
 * <p>Sandboxes have no host access, no native access (GraalPy's Java POSIX backend), no processes, no threads, only
 * the function's environment in {@code os.environ}, and read-only file access to their bundle and to GraalPy's own
 * standard library.
 *
 * <p>Engine priming ({@link RuntimeOptions#pythonEnginePrime()}, off by default): the wrapper, the import machinery
 * and the standard library are shared by every context of the engine, and their call sites specialize on the
 * contexts they have seen. In an experiment, each new context, of any function, deoptimized such code compiled for a
 * hot function until about seven contexts had been seen. With priming on, the runtime makes that many throw-away
 * contexts of a built-in primer function ({@code engine_primer.py}), each invoked a few times, when it is created,
 * before any function is loaded. Measured (bench/results/README-python-engine-prime.md): it costs 5-9 s of wall time
 * and 10-18 s of CPU at the first Python load, and did not make a hot function reliably faster after other functions'
 * deploys; hence off.
 */
final class PythonRuntime extends PolyglotRuntime {
    private static final System.Logger LOG = System.getLogger(PythonRuntime.class.getName());
    /** How often each primer context is invoked. */
    private static final int PRIMER_INVOCATIONS = 3;
    private static final String PRIMER_EVENT = "{\"text\": \"the quick brown fox jumps over the lazy dog's back,"
            + " the end\", \"n\": 3, \"ratio\": 0.25, \"ok\": true, \"none\": null,"
            + " \"items\": [1, \"two\", {\"three\": 3}]}";

    /** The primer contexts that ran all their invocations. */
    private int primedContexts;
    private final long primeNanos;

    private PythonRuntime(RuntimeOptions options) {
        super(Language.PYTHON, options, "wrapper.py", PolyglotErrors.python(), 1);
        // Functions on engines of their own never use the shared engine: nothing to prime.
        this.primeNanos = primeEngine(options.enginePerFunction().contains(Language.PYTHON) ? 0
                : options.pythonEnginePrime());
    }

    static PythonRuntime create(RuntimeOptions options) {
        return new PythonRuntime(options);
    }

    /**
     * Makes {@code contexts} throw-away contexts of the primer function on the default engine, invokes each
     * {@link #PRIMER_INVOCATIONS} times and closes it; returns the time it took. A failure is logged, never thrown:
     * the engine then runs unprimed.
     */
    private long primeEngine(int contexts) {
        if (contexts == 0) {
            return 0;
        }
        long start = System.nanoTime();
        FunctionDefinition primer = new FunctionDefinition(FunctionConfig.builder("hotvisor-engine-primer",
                Language.PYTHON, "engine_primer.handler").build(), new FunctionCode.SourceText(
                PolyglotLanguage.resourceText("engine_primer.py")), 1);
        try (LoadedFunction function = PolyglotFunction.load(this, primer, engine(),
                EngineChoice.standard("engine primer"), () -> { })) {
            for (int i = 0; i < contexts; i++) {
                try (Sandbox sandbox = function.newSandbox()) {
                    for (int run = 0; run < PRIMER_INVOCATIONS; run++) {
                        sandbox.invoke(PRIMER_EVENT, new InvocationContext("engine-prime-" + i + "-" + run,
                                primer.name(), 1, primer.config().memoryMb(), System.nanoTime() + 30_000_000_000L,
                                Ticker.system()));
                    }
                }
                primedContexts++;
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "Priming the GraalPy engine failed; it runs unprimed", e);
        }
        long took = System.nanoTime() - start;
        LOG.log(Level.INFO, "Primed the GraalPy engine with " + primedContexts + " of " + contexts + " contexts in "
                + took / 1_000_000 + " ms");
        return took;
    }

    /** How many primer contexts ran all their invocations when the runtime was created. */
    int primedContexts() {
        return primedContexts;
    }

    /** How long priming the engine took when the runtime was created; 0 when it was off. */
    long primeNanos() {
        return primeNanos;
    }

    @Override
    public LoadedFunction load(FunctionDefinition definition, EngineChoice requested) {
        if (definition.config().sandbox() == SandboxPolicy.FRESH) {
            throw DeployException.field("sandbox", "Python function '" + definition.name() + "' cannot use sandbox '"
                    + SandboxPolicy.FRESH.id() + "': a new GraalPy context takes hundreds of milliseconds to create,"
                    + " which every invocation would pay; use '" + SandboxPolicy.REUSE.id() + "'");
        }
        return super.load(definition, requested);
    }

    @Override
    public Context newContext(PolyglotFunction function, OutputStream out, OutputStream err) {
        FileSystem files = function.bundleRoot() == null ? FileSystem.newDenyIOFileSystem()
                : BundleFileSystem.of(function.bundleRoot());
        Context.Builder builder = sandboxContext(function, out, err)
                .allowIO(IOAccess.newBuilder().fileSystem(FileSystem.allowLanguageHomeAccess(files)).build())
                // No native code in a sandbox: POSIX calls are emulated in Java.
                .option("python.PosixModuleBackend", "java")
                // The bundle is read-only: never try to write __pycache__.
                .option("python.DontWriteBytecodeFlag", "true");
        if (function.bundleRoot() != null) {
            builder.currentWorkingDirectory(function.bundleRoot());
        }
        return builder.build();
    }

    @Override
    public String extension() {
        return "py";
    }
}
