package io.hotvisor.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Runs Java functions inside the node's JVM: each function version's jar in a class loader of its own, whose parent
 * ({@link FunctionApiClassLoader}) shows only the JDK and the function API packages. See {@link JavaFunction} for
 * how sandboxes share or do not share class loaders, {@link JavaHandlerShape} for the handler shapes accepted and
 * {@link JavaSandbox} for cancellation and its limits. Functions with {@link Isolation#PROCESS} run in worker JVMs
 * instead ({@link ProcessFunction}).
 */
final class JavaRuntime implements LanguageRuntime {
    private static final System.Logger LOG = System.getLogger(JavaRuntime.class.getName());

    private final FunctionApiClassLoader api;
    private final RuntimeOptions options;
    private final JavaScanPolicy scan;
    private WorkerJvm workerJvm;
    private final TrainingWorkers training = new TrainingWorkers();

    private JavaRuntime(FunctionApiClassLoader api, RuntimeOptions options) {
        this.api = api;
        this.options = options;
        this.scan = options.javaScan();
    }

    static JavaRuntime create(RuntimeOptions options) {
        refuseExternalXmlByDefault();
        WorkerSnapshot.removeLeftovers(options);
        TrainingWorkers.removeLeftovers(options);
        return new JavaRuntime(new FunctionApiClassLoader(JavaRuntime.class.getClassLoader()), options);
    }

    /**
     * The JDK's XML parsers (DOM, SAX, StAX, XSLT, schemas) follow external entities and DTDs by default, so an
     * in-node function that parses XML from its event, {@code <!ENTITY e SYSTEM "file:///...">} and all, hands the
     * event's sender the node's files (seen: {@code /etc/hostname} read that way, 2026-11-26). JAXP's system
     * properties make no protocol allowed unless the node's operator set them; a function that sets the factory's
     * own {@code XMLConstants.ACCESS_EXTERNAL_DTD} still can (docs/security.md).
     */
    static void refuseExternalXmlByDefault() {
        for (String property : List.of("javax.xml.accessExternalDTD", "javax.xml.accessExternalSchema",
                "javax.xml.accessExternalStylesheet")) {
            if (System.getProperty(property) == null) {
                System.setProperty(property, "");
            }
        }
    }

    private synchronized WorkerJvm workerJvm() {
        if (workerJvm == null) {
            workerJvm = WorkerJvm.current(options.aotCacheDir().resolve("classpath"));
        }
        return workerJvm;
    }

    @Override
    public LoadedFunction load(FunctionDefinition definition, EngineChoice requested) {
        String name = definition.name();
        return switch (definition.code()) {
            case FunctionCode.JarFile(Path jar) -> loadJar(definition, definition.config().handler(), jar, () -> { });
            case FunctionCode.SourceText(String text) -> loadSource(definition, text);
            case FunctionCode.BundleDirectory(Path root) -> throw DeployException.code("Function '" + name
                    + "' is Java: deploy a jar (archive) or one source file (code), not a bundle directory " + root);
        };
    }

    private LoadedFunction loadSource(FunctionDefinition definition, String source) {
        String handler = JavaSourceCompiler.handlerWithClass(definition.config().handler(), source);
        String className = handler.contains("::") ? handler.substring(0, handler.indexOf("::")) : handler;
        Path dir;
        try {
            dir = Files.createTempDirectory("hotvisor-java-" + definition.name().replaceAll("[^A-Za-z0-9_-]", "_") + "-");
        } catch (IOException e) {
            throw new UncheckedIOException("Could not make a directory to compile function '" + definition.name() + "'", e);
        }
        Runnable cleanup = () -> deleteTree(dir);
        try {
            Path jar = JavaSourceCompiler.compile(definition.name(), className, source, dir);
            return loadJar(definition, handler, jar, cleanup);
        } catch (RuntimeException | Error e) {
            cleanup.run();
            throw e;
        }
    }

    /** In-node (scanned, in a class loader of its own) or in worker JVMs, as the function's isolation says. */
    private LoadedFunction loadJar(FunctionDefinition definition, String handler, Path jar, Runnable cleanup) {
        if (definition.config().isolation() == Isolation.PROCESS) {
            FunctionDefinition withHandler = new FunctionDefinition(definition.config().toBuilder().handler(handler)
                    .build(), definition.code(), definition.version());
            return ProcessFunction.load(withHandler, jar, workerJvm(), options, training, cleanup);
        }
        return JavaFunction.load(definition, handler, FunctionJar.open(jar, definition.name(), scan), api, cleanup);
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    LOG.log(Level.DEBUG, "Could not delete " + p, e);
                }
            });
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "Could not delete " + dir, e);
        }
    }

    /**
     * Kills the AOT training workers still running (the node is stopping: they would outlive it); each function
     * closes its own class loaders and workers.
     */
    @Override
    public void close() {
        training.killAll();
    }
}
