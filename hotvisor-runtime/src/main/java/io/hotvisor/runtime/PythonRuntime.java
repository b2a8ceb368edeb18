package io.hotvisor.runtime;

import java.io.InputStream;
import java.io.OutputStream;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.EnvironmentAccess;
import org.graalvm.polyglot.HostAccess;
import org.graalvm.polyglot.PolyglotAccess;
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
 */
final class PythonRuntime implements LanguageRuntime, PolyglotLanguage {
    private static final String ID = "python";

    private final Engine engine;
    private final Source wrapper;
    private final PolyglotErrors errors = PolyglotErrors.python();

    private PythonRuntime(Engine engine) {
        this.engine = engine;
        this.wrapper = PolyglotLanguage.wrapperSource(ID, "wrapper.py");
    }

    static PythonRuntime create(RuntimeOptions options) {
        return new PythonRuntime(PolyglotLanguage.engine(ID, options));
    }

    @Override
    public LoadedFunction load(FunctionDefinition definition) {
        if (definition.config().sandbox() == SandboxPolicy.FRESH) {
            throw DeployException.field("sandbox", "Python function '" + definition.name() + "' cannot use sandbox '"
                    + SandboxPolicy.FRESH.id() + "': a new GraalPy context takes hundreds of milliseconds to create,"
                    + " which every invocation would pay; use '" + SandboxPolicy.REUSE.id() + "'");
        }
        return PolyglotFunction.load(this, definition);
    }

    @Override
    public Context newContext(PolyglotFunction function, OutputStream out, OutputStream err) {
        FileSystem files = function.bundleRoot() == null ? FileSystem.newDenyIOFileSystem()
                : BundleFileSystem.of(function.bundleRoot());
        Context.Builder builder = Context.newBuilder(ID)
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
                .allowIO(IOAccess.newBuilder().fileSystem(FileSystem.allowLanguageHomeAccess(files)).build())
                .in(InputStream.nullInputStream())
                .out(out)
                .err(err)
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
    public Language language() {
        return Language.PYTHON;
    }

    @Override
    public String extension() {
        return "py";
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
        return 1;
    }

    @Override
    public void close() {
        engine.close(true);
    }
}
