package io.hotvisor.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.security.CodeSigner;
import java.security.CodeSource;

/**
 * The class loader of one function version's jar (or, with {@link SandboxPolicy#FRESH}, of one sandbox).
 * Parent-first through {@link FunctionApiClassLoader}, so the API packages always resolve to the node's copy even
 * when a fat jar bundles its own; every other class comes from the jar. A jar cannot add classes to the API
 * packages either: that would split a package across two loaders.
 *
 * <p>In the node, every class it defines from the jar (a fat jar's libraries included) is woven: it gets
 * cancellation polls ({@link PollWeaver}), so that a cancelled invocation stops even in a loop that ignores
 * interrupts, and its uses of {@code System}'s environment, streams and properties are redirected to the function's
 * own ({@link SystemRedirects}, {@link GuestSystem}; also when reached by reflection, {@link GuestReflection}), held
 * by this loader's {@link #system()}. The API classes come
 * from the node and are not woven. In a worker JVM ({@link JavaWorkerMain}) classes are loaded as they are: a stuck
 * worker is killed, and the worker's process environment and output are already the function's.
 */
final class FunctionClassLoader extends URLClassLoader {
    static {
        registerAsParallelCapable();
    }

    private final CodeSource codeSource;
    private final boolean weaves;
    private final GuestSystem.View system;

    private FunctionClassLoader(String name, URL[] urls, FunctionApiClassLoader parent, GuestSystem.View system) {
        super(name, urls, parent);
        this.codeSource = new CodeSource(urls[0], (CodeSigner[]) null);
        this.weaves = parent.weaves();
        this.system = system;
    }

    /**
     * @param system what {@code java.lang.System} shows the classes of this loader (in the node)
     */
    static FunctionClassLoader create(String name, Path jar, FunctionApiClassLoader parent, GuestSystem.View system) {
        try {
            return new FunctionClassLoader(name, new URL[] {jar.toUri().toURL()}, parent, system);
        } catch (MalformedURLException e) {
            throw DeployException.code("Function jar path '" + jar + "' is not a valid URL", e);
        }
    }

    /** The {@code System} that this loader's classes see. */
    GuestSystem.View system() {
        return system;
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
        if (FunctionApiClassLoader.exposed(name)) {
            throw new ClassNotFoundException(name + " (an API package: the node's copy is used, not the jar's)");
        }
        if (!weaves) {
            return super.findClass(name);
        }
        URL resource = findResource(name.replace('.', '/') + ".class");
        if (resource == null) {
            throw new ClassNotFoundException(name);
        }
        byte[] bytes;
        try (InputStream in = resource.openStream()) {
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new ClassNotFoundException(name + " (could not be read from the function's jar)", e);
        }
        int dot = name.lastIndexOf('.');
        if (dot > 0) {
            String pkg = name.substring(0, dot);
            if (getDefinedPackage(pkg) == null) {
                try {
                    definePackage(pkg, null, null, null, null, null, null, null);
                } catch (IllegalArgumentException raced) {
                    // Defined by another thread loading a class of the same package: fine.
                }
            }
        }
        // Polls may be left out of a class that ASM cannot give them (it is logged); the redirects may not: a class
        // that would see the node's environment or write to its stdout is not loaded (ClassFormatError).
        byte[] woven = SystemRedirects.weave(name, PollWeaver.weave(name, bytes));
        return defineClass(name, woven, 0, woven.length, codeSource);
    }
}
