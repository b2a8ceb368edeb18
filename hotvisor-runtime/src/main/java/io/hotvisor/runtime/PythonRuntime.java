package io.hotvisor.runtime;

import java.io.OutputStream;

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
 */
final class PythonRuntime extends PolyglotRuntime {
    private PythonRuntime(RuntimeOptions options) {
        super(Language.PYTHON, options, "wrapper.py", PolyglotErrors.python(), 1);
    }

    static PythonRuntime create(RuntimeOptions options) {
        return new PythonRuntime(options);
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
