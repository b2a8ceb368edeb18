package io.hotvisor.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.Source;

/**
 * A loaded JavaScript or Python function: its {@link Source}, built once and evaluated by every sandbox, so that
 * all sandboxes share what the engine has parsed and compiled for it. Loading makes the first sandbox (which
 * validates the code and the handler) and keeps it for the first {@link #newSandbox()}.
 */
final class PolyglotFunction implements LoadedFunction {
    private static final System.Logger LOG = System.getLogger(PolyglotFunction.class.getName());

    private final PolyglotLanguage language;
    private final FunctionDefinition definition;
    private final GuestHandler handler;
    private final Path bundleRoot;
    private final Source source;
    private final Engine engine;
    private final EngineChoice choice;
    /** Run once, at the first {@link #close()}, after the kept sandbox is closed. */
    private final Runnable onClose;
    private final AtomicReference<PolyglotSandbox> first = new AtomicReference<>();
    private volatile boolean closed;

    private PolyglotFunction(PolyglotLanguage language, FunctionDefinition definition, GuestHandler handler,
                             Path bundleRoot, Source source, Engine engine, EngineChoice choice, Runnable onClose) {
        this.engine = engine;
        this.choice = choice;
        this.onClose = onClose;
        this.language = language;
        this.definition = definition;
        this.handler = handler;
        this.bundleRoot = bundleRoot;
        this.source = source;
    }

    /** Loads {@code definition} on {@code engine} (chosen by {@code choice}); {@code onClose} runs when it is unloaded. */
    static PolyglotFunction load(PolyglotLanguage language, FunctionDefinition definition, Engine engine,
                                 EngineChoice choice, Runnable onClose) {
        GuestHandler handler = GuestHandler.parse(definition.config().handler(), language.extension(), definition.name());
        Path root = null;
        Source source = switch (definition.code()) {
            case FunctionCode.SourceText text -> language.source(text.text(), handler);
            case FunctionCode.BundleDirectory bundle -> {
                root = BundleFileSystem.of(bundle.root()).root();
                yield language.source(bundleText(root, handler, definition.name()), handler);
            }
            case FunctionCode.JarFile jar -> throw DeployException.code("Function '" + definition.name() + "' is "
                    + language.language() + " but its code is a jar; send the source as code or a zip bundle as archive");
        };
        PolyglotFunction function = new PolyglotFunction(language, definition, handler, root, source, engine, choice,
                onClose);
        function.first.set(PolyglotSandbox.create(function));
        return function;
    }

    private static String bundleText(Path root, GuestHandler handler, String name) {
        Path file = root.resolve(handler.fileName()).normalize();
        if (!file.startsWith(root) || !Files.isRegularFile(file)) {
            throw DeployException.handler("Handler '" + handler.handler() + "' of function '" + name + "' needs file '"
                    + handler.fileName() + "', which is not in the bundle; files at its root: " + rootFiles(root));
        }
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw DeployException.code("Cannot read " + handler.fileName() + " of function '" + name + "': " + e.getMessage(), e);
        }
    }

    private static List<String> rootFiles(Path root) {
        try (Stream<Path> files = Files.list(root)) {
            return files.map(p -> p.getFileName().toString()).sorted().limit(20).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    @Override
    public FunctionDefinition definition() {
        return definition;
    }

    PolyglotLanguage language() {
        return language;
    }

    GuestHandler handler() {
        return handler;
    }

    /** The real path of the bundle's root, or null for a single source file. */
    Path bundleRoot() {
        return bundleRoot;
    }

    /** The engine every sandbox of this function runs on. */
    Engine polyglotEngine() {
        return engine;
    }

    @Override
    public EngineChoice engine() {
        return choice;
    }

    /** The function's code, built once; every sandbox evaluates this very instance. */
    Source source() {
        return source;
    }

    @Override
    public Sandbox newSandbox() {
        if (closed) {
            throw InvocationFailure.of(InvocationFailure.Kind.PLATFORM_FAULT,
                    "Function '" + definition.name() + "' version " + definition.version() + " was unloaded");
        }
        PolyglotSandbox kept = first.getAndSet(null);
        if (kept != null) {
            return kept;
        }
        try {
            return PolyglotSandbox.create(this);
        } catch (DeployException e) {
            // The code loaded at deploy time but not now (it depends on time, randomness or the environment).
            LOG.log(System.Logger.Level.WARNING, "A new sandbox of function '" + definition.name() + "' failed to load", e);
            throw InvocationFailure.functionError("InitError", e.getMessage(), List.of());
        }
    }

    @Override
    public Optional<Sandbox> newThrowawaySandbox() {
        if (closed) {
            throw InvocationFailure.of(InvocationFailure.Kind.PLATFORM_FAULT,
                    "Function '" + definition.name() + "' version " + definition.version() + " was unloaded");
        }
        try {
            return Optional.of(PolyglotSandbox.create(this, true));
        } catch (DeployException e) {
            throw InvocationFailure.functionError("InitError", e.getMessage(), List.of());
        }
    }

    @Override
    public int minIdleSandboxes() {
        return language.minIdleSandboxes();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        PolyglotSandbox kept = first.getAndSet(null);
        if (kept != null) {
            kept.close();
        }
        // Last: it may close an engine of the function's own.
        onClose.run();
    }
}
