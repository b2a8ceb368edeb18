package io.hotvisor.runtime;

import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;

/**
 * The class loader of one function version's jar (or, with {@link SandboxPolicy#FRESH}, of one sandbox).
 * Parent-first through {@link FunctionApiClassLoader}, so the API packages always resolve to the node's copy even
 * when a fat jar bundles its own; every other class comes from the jar. A jar cannot add classes to the API
 * packages either: that would split a package across two loaders.
 */
final class FunctionClassLoader extends URLClassLoader {
    static {
        registerAsParallelCapable();
    }

    private FunctionClassLoader(String name, URL[] urls, ClassLoader parent) {
        super(name, urls, parent);
    }

    static FunctionClassLoader create(String name, Path jar, FunctionApiClassLoader parent) {
        try {
            return new FunctionClassLoader(name, new URL[] {jar.toUri().toURL()}, parent);
        } catch (MalformedURLException e) {
            throw DeployException.code("Function jar path '" + jar + "' is not a valid URL", e);
        }
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
        if (FunctionApiClassLoader.exposed(name)) {
            throw new ClassNotFoundException(name + " (an API package: the node's copy is used, not the jar's)");
        }
        return super.findClass(name);
    }
}
