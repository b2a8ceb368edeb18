package io.hotvisor.runtime;

import java.io.IOException;
import java.net.URL;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

/**
 * The parent of every Java function's class loader: it exposes the JDK's platform classes and the function API
 * packages ({@code io.hotvisor.api}, AWS Lambda's {@code com.amazonaws.services.lambda.runtime}, Gson's
 * {@code com.google.gson}) from the node, and nothing else of the node: not Jackson, not GraalVM, not the
 * runtime's own classes.
 *
 * <p>Why the platform loader is not simply the parent: the JDK's built-in loaders share one package-to-module
 * map of the boot layer, so the platform loader also answers for named modules that the application loader
 * defines, such as the GraalVM polyglot jars that the node puts on the module path. Classes from any loader
 * other than the boot or platform loader are therefore refused here. The JDK tool modules (for example
 * {@code jdk.compiler}) are defined to the application loader and so are not visible to functions either.
 *
 * <p>Three runtime classes are exposed too, by their exact names: {@link CancellationPoll}, which the polls woven into
 * function classes call, and {@link GuestSystem} and {@link GuestReflection}, which their redirected uses of
 * {@code System} and of reflection call. They are the
 * runtime's own class objects, so they read the state the runtime sets.
 */
final class FunctionApiClassLoader extends ClassLoader {
    /** Packages (with their sub-packages) that a function sees from the node, whatever its jar bundles. */
    static final List<String> EXPOSED_PACKAGES = List.of(
            "io.hotvisor.api.", "com.amazonaws.services.lambda.runtime.", "com.google.gson.");
    private static final List<String> EXPOSED_PATHS = EXPOSED_PACKAGES.stream().map(p -> p.replace('.', '/')).toList();

    private final ClassLoader host;
    private final boolean weaves;
    private final ClassLoader platform = ClassLoader.getPlatformClassLoader();

    /** In the node: function classes are woven. */
    FunctionApiClassLoader(ClassLoader host) {
        this(host, true);
    }

    /**
     * @param host        the node's loader that holds the API packages
     * @param weaves whether the function class loaders under this one weave their classes (cancellation polls,
     *               {@link PollWeaver}; {@code System} redirects, {@link SystemRedirects}); a worker JVM does not (it
     *               is killed instead, its environment and output are the function's, and it has no ASM)
     */
    FunctionApiClassLoader(ClassLoader host, boolean weaves) {
        super("hotvisor-function-api", null);
        this.host = host;
        this.weaves = weaves;
    }

    boolean weaves() {
        return weaves;
    }

    static boolean exposed(String className) {
        for (String p : EXPOSED_PACKAGES) {
            if (className.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    private static boolean exposedResource(String path) {
        for (String p : EXPOSED_PATHS) {
            if (path.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (exposed(name)) {
            return host.loadClass(name);
        }
        if (name.equals(CancellationPoll.class.getName())) {
            return CancellationPoll.class;
        }
        if (name.equals(GuestSystem.class.getName())) {
            return GuestSystem.class;
        }
        if (name.equals(GuestReflection.class.getName())) {
            return GuestReflection.class;
        }
        Class<?> c = platform.loadClass(name);
        ClassLoader definer = c.getClassLoader();
        if (definer != null && definer != platform) {
            throw new ClassNotFoundException(name + " (not visible to functions)");
        }
        return c;
    }

    @Override
    protected URL findResource(String name) {
        return exposedResource(name) ? host.getResource(name) : platform.getResource(name);
    }

    @Override
    protected Enumeration<URL> findResources(String name) throws IOException {
        return exposedResource(name) ? host.getResources(name) : Collections.emptyEnumeration();
    }
}
