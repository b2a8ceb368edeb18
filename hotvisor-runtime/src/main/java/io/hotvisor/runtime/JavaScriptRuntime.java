package io.hotvisor.runtime;

import java.io.OutputStream;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.io.IOAccess;

/**
 * Runs JavaScript functions on one shared GraalJS engine.
 *
 * <p>The function's file is wrapped as Node wraps a CommonJS module, {@code (function (exports, require, module,
 * __filename, __dirname) {...})}, with the wrapper's opening on the file's first line so that line numbers stay
 * true (columns of line 1 are off by the wrapper's length). Its end returns a lookup of the file's top-level
 * bindings, so OpenWhisk's un-exported {@code function main(params)} is found as well as Lambda's
 * {@code exports.handler = ...} / {@code module.exports = {handler}}. {@code require} is GraalJS's CommonJS
 * support rooted at the bundle; {@code process} is a minimal stand-in (only {@code process.env} carries data: the
 * function's {@code env}); timers are the wrapper's. ES modules ({@code export const handler}) are not supported yet.
 *
 * <p>Handlers always get {@code (event, context)}; one that declares three parameters gets Lambda's callback too.
 *
 * <p>Sandboxes have no host access, no native access, no processes, no threads, only the function's environment,
 * and read-only file access to their own bundle only ({@link BundleFileSystem}); a single-file function has none.
 */
final class JavaScriptRuntime extends PolyglotRuntime {
    private static final String ID = "js";

    private JavaScriptRuntime(RuntimeOptions options) {
        super(Language.JAVASCRIPT, options, "wrapper.js", PolyglotErrors.javaScript(), 0);
    }

    static JavaScriptRuntime create(RuntimeOptions options) {
        return new JavaScriptRuntime(options);
    }

    @Override
    public Source source(String text, GuestHandler handler) {
        String name = handler.function();
        String wrapped = "(function (exports, require, module, __filename, __dirname) {" + text
                + "\n;return function (which) { return which === 0 ? (typeof " + name + " === 'undefined' ? undefined : " + name
                + ") : (typeof main === 'function' ? main : undefined); };\n})";
        return Source.newBuilder(ID, wrapped, handler.fileName()).buildLiteral();
    }

    @Override
    public Context newContext(PolyglotFunction function, OutputStream out, OutputStream err) {
        Context.Builder builder = sandboxContext(function, out, err);
        if (function.bundleRoot() == null) {
            builder.allowIO(IOAccess.NONE);
        } else {
            String root = function.bundleRoot().toString();
            builder.allowIO(IOAccess.newBuilder().fileSystem(BundleFileSystem.of(function.bundleRoot())).build())
                    .currentWorkingDirectory(function.bundleRoot())
                    // Workaround: GraalJS 25.0.1 marks its CommonJS require() options experimental, so they need
                    // allowExperimentalOptions; Node-style bundles cannot load without them.
                    // https://www.graalvm.org/latest/reference-manual/js/Modules/#commonjs-modules
                    .allowExperimentalOptions(true)
                    .option("js.commonjs-require", "true")
                    .option("js.commonjs-require-cwd", root);
        }
        return builder.build();
    }

    @Override
    public String extension() {
        return "js";
    }
}
