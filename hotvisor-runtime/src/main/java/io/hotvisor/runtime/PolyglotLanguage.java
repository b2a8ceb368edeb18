package io.hotvisor.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.TreeMap;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.Source;

/**
 * What differs between the guest languages that run on GraalVM (JavaScript, Python); everything else of loading
 * a function and running its sandboxes is shared, in {@link PolyglotFunction} and {@link PolyglotSandbox}.
 *
 * <p>The guest-side wrapper of each language ({@code wrapper.js}, {@code wrapper.py} beside this class) is
 * evaluated first in every sandbox and answers the same members: {@code init(envJson, mainFile, bundleRoot)},
 * {@code load(value)} (given what evaluating the function's source returned),
 * {@code resolve(name)} ({@code "ok"}, {@code "missing:<json list of names>"} or {@code "notfunction:<type>"}),
 * {@code invoke(eventJson, invocationId, functionName, version, memoryMb, remainingMs)} (the result's JSON text,
 * null, or for JavaScript a pending marker, then {@code poll()}, {@code runTimers()} and {@code result()}),
 * {@code describe(error)} ({@code [type, message]} or {@code [type, message, frames]}), and optionally
 * {@code prime(eventJson)} (Python only: runs invoke's path once with a stand-in for the handler; called when a
 * serving sandbox is made; {@code "primed"} or {@code "skipped: <why>"}).
 */
interface PolyglotLanguage {

    Language language();

    /** The source file extension, without the dot. */
    String extension();

    /** The default engine, shared by every function of the language not placed on the eager engine. */
    Engine engine();

    /** The source to evaluate for the text of the handler's file; by default the text itself. */
    default Source source(String text, GuestHandler handler) {
        return Source.newBuilder(language().graalId().orElseThrow(), text, handler.fileName()).buildLiteral();
    }

    /** The guest-side wrapper, parsed once per engine. */
    Source wrapper();

    PolyglotErrors errors();

    /** A new context for a sandbox of {@code function}, on the engine it was loaded on. */
    Context newContext(PolyglotFunction function, OutputStream out, OutputStream err);

    /** See {@link LoadedFunction#minIdleSandboxes()}. */
    int minIdleSandboxes();

    /** Builds the default engine for one language with the node's engine options that apply to it. */
    static Engine engine(String languageId, RuntimeOptions options) {
        return engine(languageId, options, Map.of());
    }

    /**
     * Builds an engine for one language with the node's engine options that apply to it, then {@code overrides}
     * (the eager engine's thresholds). Options GraalVM marks experimental are allowed: the operator (or the eager
     * engine) set each of them on purpose, and most of Truffle's compilation options are experimental.
     */
    static Engine engine(String languageId, RuntimeOptions options, Map<String, String> overrides) {
        Map<String, String> all = new TreeMap<>(options.engineOptions());
        all.putAll(overrides);
        Engine.Builder builder = Engine.newBuilder(languageId).out(OutputStream.nullOutputStream())
                .allowExperimentalOptions(!all.isEmpty());
        for (Map.Entry<String, String> option : all.entrySet()) {
            String key = option.getKey();
            // Options of the other guest language would make this engine fail to build.
            if (key.startsWith("engine.") || key.startsWith("compiler.") || key.startsWith("log.")
                    || key.startsWith(languageId + ".")) {
                builder.option(key, option.getValue());
            }
        }
        if (options.allowInterpreter()) {
            builder.option("engine.WarnInterpreterOnly", "false");
        }
        return builder.build();
    }

    /** Reads a wrapper shipped beside this class, as an internal (never user-visible) source. */
    static Source wrapperSource(String languageId, String resource) {
        return Source.newBuilder(languageId, resourceText(resource), "<hotvisor>/" + resource).internal(true)
                .buildLiteral();
    }

    /** The text of one of hotvisor-runtime's resources next to this class (the wrappers, Python's engine primer). */
    static String resourceText(String resource) {
        try (InputStream in = PolyglotLanguage.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("Missing resource " + resource + " in hotvisor-runtime");
            }
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
