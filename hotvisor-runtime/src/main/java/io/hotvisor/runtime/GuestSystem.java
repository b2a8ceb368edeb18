package io.hotvisor.runtime;

import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.ProtectionDomain;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.ServiceLoader;

/**
 * What {@code java.lang.System} is to an in-node Java function: {@link SystemRedirects} rewrites the function's
 * uses of {@code System.getenv}, {@code System.out/err/in} (and their setters), the system properties,
 * {@code System.console()}, {@code Throwable.printStackTrace()} and the JDK's readers of properties
 * ({@code Integer.getInteger}, {@code Long.getLong}, {@code Boolean.getBoolean}) into calls of the methods here,
 * which answer with the function's own view instead of the node's:
 * <ul>
 * <li>the environment is the function's {@code env} and nothing else, as for JavaScript, Python and worker JVMs;
 * <li>{@code System.out} and {@code System.err} write into the current invocation's {@link GuestOutput}: the
 * function's logger, capped per invocation like a JavaScript or Python guest's output;
 * <li>{@code System.in} is empty and {@code System.console()} is {@code null};
 * <li>the system properties are a copy of the node's that keeps only those naming the Java runtime, the OS and
 * encodings ({@link #VISIBLE_PROPERTIES}: no paths, user name or command line); setting one changes the
 * function's copy, never the node's.
 * <li>no class loader that can see the node's classes: {@code Class}, {@code Module} and
 * {@code ProtectionDomain.getClassLoader()}, {@code Thread.getContextClassLoader()},
 * {@code ClassLoader.getSystemClassLoader()}, {@code getPlatformClassLoader()} and {@code getSystemResource*}
 * answer with the calling function's own loader where the JDK would give another ({@link #hides}), and
 * {@code getParent()} reads as the bootstrap loader there.
 * </ul>
 * {@link GuestReflection} routes reflection and method-handle lookups of the same members here.
 * One {@link View} per function class loader holds this state (the setters act on it, so they persist like the
 * function's static fields); one {@link Scope} per running invocation (or sandbox creation, which runs static
 * initializers and the constructor) says on its thread where output goes. Code that runs outside any scope (the
 * common {@code ForkJoinPool} behind a parallel stream) is matched to its function by the class loader of the
 * nearest function class on its stack; its output goes to the function's logger under a budget of its own.
 *
 * <p>Like {@link CancellationPoll}, this class is exposed to function class loaders by its exact name and must be
 * {@code public} for woven calls to link; its public methods give a function nothing it could not get from
 * {@code java.lang.System} as rewritten. Worker JVMs ({@code "isolation": "process"}) are not woven: their real
 * environment and output are already the function's.
 */
public final class GuestSystem {
    /** The owner name of the class, as woven into function bytecode. */
    static final String INTERNAL_NAME = "io/hotvisor/runtime/GuestSystem";

    /**
     * System properties a function sees with the node's value; every other property reads as unset until the
     * function sets it. None of them is a path, a user name or a command line.
     */
    static final List<String> VISIBLE_PROPERTIES = List.of(
            "java.version", "java.version.date", "java.vendor", "java.vendor.url", "java.vendor.version",
            "java.vm.name", "java.vm.vendor", "java.vm.version", "java.vm.info",
            "java.vm.specification.name", "java.vm.specification.vendor", "java.vm.specification.version",
            "java.specification.name", "java.specification.vendor", "java.specification.version",
            "java.runtime.name", "java.runtime.version", "java.class.version",
            "os.name", "os.arch", "os.version", "sun.arch.data.model", "sun.cpu.endian",
            "file.separator", "path.separator", "line.separator",
            "file.encoding", "native.encoding", "sun.jnu.encoding", "stdout.encoding", "stderr.encoding",
            "user.language", "user.country", "user.variant", "user.script", "user.timezone");

    private static final ThreadLocal<Scope> CURRENT = new ThreadLocal<>();
    private static final StackWalker STACK = StackWalker.getInstance(
            java.util.Set.of(StackWalker.Option.RETAIN_CLASS_REFERENCE, StackWalker.Option.SHOW_HIDDEN_FRAMES));
    /** For code that is no function's (a function handed a method reference to JDK code that calls it elsewhere). */
    private static final View NOBODY = new View("(no function)", Map.of(), true);

    private GuestSystem() {
    }

    // The redirected members of java.lang.System, with its signatures.

    /** {@code System.getenv()}: the function's {@code env}, unmodifiable. */
    public static Map<String, String> getenv() {
        return view().env;
    }

    /** {@code System.getenv(name)}: the function's {@code env} entry, or {@code null}. */
    public static String getenv(String name) {
        return view().env.get(Objects.requireNonNull(name));
    }

    /** {@code System.out}: the function's stdout. */
    public static PrintStream out() {
        return view().out;
    }

    /** {@code System.err}: the function's stderr. */
    public static PrintStream err() {
        return view().err;
    }

    /** {@code System.in}: empty, unless the function set its own. */
    public static InputStream in() {
        return view().in;
    }

    /** {@code System.setOut}: the function's {@code System.out} from now on; the node's is untouched. */
    public static void setOut(PrintStream out) {
        view().out = Objects.requireNonNull(out);
    }

    /** {@code System.setErr}: the function's {@code System.err} from now on. */
    public static void setErr(PrintStream err) {
        view().err = Objects.requireNonNull(err);
    }

    /** {@code System.setIn}: the function's {@code System.in} from now on. */
    public static void setIn(InputStream in) {
        view().in = Objects.requireNonNull(in);
    }

    /** {@code System.console()}: none, as for a JVM without a terminal. */
    public static Console console() {
        return null;
    }

    /** {@code System.getProperties()}: the function's copy (see {@link #VISIBLE_PROPERTIES}). */
    public static Properties getProperties() {
        return view().properties;
    }

    /** {@code System.setProperties}: replaces the function's copy; {@code null} starts it over. */
    public static void setProperties(Properties properties) {
        View v = view();
        v.properties = properties == null ? visibleProperties() : properties;
    }

    /** {@code System.getProperty(key)}. */
    public static String getProperty(String key) {
        return view().properties.getProperty(checkKey(key));
    }

    /** {@code System.getProperty(key, default)}. */
    public static String getProperty(String key, String def) {
        return view().properties.getProperty(checkKey(key), def);
    }

    /** {@code System.setProperty}: sets it in the function's copy only; returns the previous value. */
    public static String setProperty(String key, String value) {
        return (String) view().properties.setProperty(checkKey(key), Objects.requireNonNull(value));
    }

    /** {@code System.clearProperty}: removes it from the function's copy only; returns the previous value. */
    public static String clearProperty(String key) {
        return (String) view().properties.remove(checkKey(key));
    }

    /** {@code Integer.getInteger(name)}: from the function's properties, as the JDK reads the node's. */
    public static Integer getInteger(String name) {
        return getInteger(name, null);
    }

    /** {@code Integer.getInteger(name, default)}. */
    public static Integer getInteger(String name, int def) {
        Integer value = getInteger(name, null);
        return value == null ? Integer.valueOf(def) : value;
    }

    /** {@code Integer.getInteger(name, default)}: a value that is no integer reads as {@code def}. */
    public static Integer getInteger(String name, Integer def) {
        String value = propertyOrNull(name);
        if (value != null) {
            try {
                return Integer.decode(value);
            } catch (NumberFormatException e) {
                // As Integer.getInteger: the default.
            }
        }
        return def;
    }

    /** {@code Long.getLong(name)}: from the function's properties. */
    public static Long getLong(String name) {
        return getLong(name, null);
    }

    /** {@code Long.getLong(name, default)}. */
    public static Long getLong(String name, long def) {
        Long value = getLong(name, null);
        return value == null ? Long.valueOf(def) : value;
    }

    /** {@code Long.getLong(name, default)}: a value that is no long reads as {@code def}. */
    public static Long getLong(String name, Long def) {
        String value = propertyOrNull(name);
        if (value != null) {
            try {
                return Long.decode(value);
            } catch (NumberFormatException e) {
                // As Long.getLong: the default.
            }
        }
        return def;
    }

    /** {@code Boolean.getBoolean(name)}: whether the function's property {@code name} is "true" (any case). */
    public static boolean getBoolean(String name) {
        return Boolean.parseBoolean(propertyOrNull(name));
    }

    /** As the JDK's getters read a property: a null or empty name reads as unset. */
    private static String propertyOrNull(String name) {
        return name == null || name.isEmpty() ? null : getProperty(name);
    }

    /**
     * {@code throwable.printStackTrace()}, which the JDK writes to the node's {@code System.err}: to the function's.
     * Takes {@code Object} so that a woven call verifies whatever the call site's static type (any class named like
     * an exception); an object that is no {@code Throwable} gets its own {@code printStackTrace()} called.
     */
    public static void printStackTrace(Object throwable) throws Throwable {
        if (throwable instanceof Throwable t) {
            t.printStackTrace(err());
            return;
        }
        try {
            Objects.requireNonNull(throwable).getClass().getMethod("printStackTrace").invoke(throwable);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    // Class loaders: a function is never answered with one that can see the node's classes.

    /**
     * {@code type.getClassLoader()}: a function's class loader and the bootstrap loader ({@code null}) as they are;
     * any other (the node's application loader, the platform loader, the function API loader above the function's
     * own) reads as the calling function's loader, which finds the function's classes and resources and the JDK's.
     */
    public static ClassLoader getClassLoader(Class<?> type) {
        return visible(type.getClassLoader());
    }

    /** {@code module.getClassLoader()}, as {@link #getClassLoader(Class)}. */
    public static ClassLoader getClassLoader(Module module) {
        return visible(module.getClassLoader());
    }

    /** {@code domain.getClassLoader()}, as {@link #getClassLoader(Class)}. */
    public static ClassLoader getClassLoader(ProtectionDomain domain) {
        return visible(domain.getClassLoader());
    }

    /** {@code thread.getContextClassLoader()}, as {@link #getClassLoader(Class)}. */
    public static ClassLoader getContextClassLoader(Thread thread) {
        return visible(thread.getContextClassLoader());
    }

    /**
     * {@code loader.getParent()}: the bootstrap loader ({@code null}) where the real parent could see the node's
     * classes, so the function's own loader is the top of every chain it walks (answering the function's loader
     * here would make such a walk endless).
     */
    public static ClassLoader getParent(ClassLoader loader) {
        ClassLoader parent = loader.getParent();
        return hides(parent) ? null : parent;
    }

    /** {@code ClassLoader.getSystemClassLoader()}: the calling function's loader. */
    public static ClassLoader getSystemClassLoader() {
        return functionLoader();
    }

    /** {@code ClassLoader.getPlatformClassLoader()}: the calling function's loader (its parent sees the JDK's). */
    public static ClassLoader getPlatformClassLoader() {
        return functionLoader();
    }

    /** {@code ClassLoader.getSystemResource(name)}: from the calling function's loader. */
    public static URL getSystemResource(String name) {
        ClassLoader l = functionLoader();
        return l == null ? null : l.getResource(name);
    }

    /** {@code ClassLoader.getSystemResources(name)}: from the calling function's loader. */
    public static Enumeration<URL> getSystemResources(String name) throws IOException {
        ClassLoader l = functionLoader();
        return l == null ? Collections.emptyEnumeration() : l.getResources(name);
    }

    /** {@code ClassLoader.getSystemResourceAsStream(name)}: from the calling function's loader. */
    public static InputStream getSystemResourceAsStream(String name) {
        ClassLoader l = functionLoader();
        return l == null ? null : l.getResourceAsStream(name);
    }

    /**
     * {@code ServiceLoader.load(service)}: through the thread's context loader as the function sees it (on the common
     * {@code ForkJoinPool} the real one is the node's application loader).
     */
    public static <S> ServiceLoader<S> load(Class<S> service) {
        return ServiceLoader.load(service, getContextClassLoader(Thread.currentThread()));
    }

    /** {@code ServiceLoader.load(service, loader)}: {@code null}, the JDK's "system class loader", is the function's. */
    public static <S> ServiceLoader<S> load(Class<S> service, ClassLoader loader) {
        return ServiceLoader.load(service, loader == null ? functionLoader() : visible(loader));
    }

    /**
     * Whether a function must not be handed {@code loader}: any but the bootstrap loader and function class
     * loaders can see classes of the node (the API loader holds the runtime classes exposed by name).
     */
    static boolean hides(ClassLoader loader) {
        return loader != null && !(loader instanceof FunctionClassLoader);
    }

    private static ClassLoader visible(ClassLoader loader) {
        return hides(loader) ? functionLoader() : loader;
    }

    /**
     * The loader of the nearest function class on the stack: the function that asked (every redirected call comes
     * from a function class, a lambda of one included); {@code null}, the bootstrap loader, if there is none.
     */
    private static ClassLoader functionLoader() {
        return STACK.walk(frames -> frames
                .map(f -> f.getDeclaringClass().getClassLoader())
                .filter(l -> l instanceof FunctionClassLoader)
                .findFirst()
                .orElse(null));
    }

    private static String checkKey(String key) {
        if (key == null) {
            throw new NullPointerException("key can't be null");
        }
        if (key.isEmpty()) {
            throw new IllegalArgumentException("key can't be empty");
        }
        return key;
    }

    private static Properties visibleProperties() {
        Properties p = new Properties();
        for (String key : VISIBLE_PROPERTIES) {
            String value = System.getProperty(key);
            if (value != null) {
                p.setProperty(key, value);
            }
        }
        return p;
    }

    /** The view of the invocation on this thread, else that of the nearest function class on the stack. */
    private static View view() {
        Scope s = CURRENT.get();
        if (s != null) {
            return s.view;
        }
        return STACK.walk(frames -> frames
                .map(f -> f.getDeclaringClass().getClassLoader())
                .filter(l -> l instanceof FunctionClassLoader)
                .map(l -> ((FunctionClassLoader) l).system())
                .findFirst()
                .orElse(NOBODY));
    }

    /**
     * Runs the function's code on this thread until closed (on the same thread): its {@code System.out} and
     * {@code System.err} write to {@code out} and {@code err}. Closing ends their invocation
     * ({@link GuestOutput#finishInvocation()}) and that of output written outside any scope.
     */
    static Scope enter(View view, GuestOutput out, GuestOutput err) {
        Scope s = new Scope(view, out, err, CURRENT.get());
        CURRENT.set(s);
        return s;
    }

    /** The {@code System} of one function class loader. */
    static final class View {
        private final Map<String, String> env;
        private final GuestOutput strayOut;
        private final GuestOutput strayErr;
        private volatile Properties properties = visibleProperties();
        private volatile PrintStream out;
        private volatile PrintStream err;
        private volatile InputStream in = InputStream.nullInputStream();
        private final boolean refusesForbidden;

        /**
         * @param refusesForbidden whether reflection and method handles refuse the loader's classes what the deploy
         *                         scan forbids ({@link GuestReflection}): under the node's {@code --java-scan enforce}
         */
        View(String functionName, Map<String, String> env, boolean refusesForbidden) {
            this.env = Map.copyOf(env);
            this.refusesForbidden = refusesForbidden;
            GuestOutput.Budget stray = GuestOutput.Budget.perInvocation();
            this.strayOut = GuestOutput.stdout(functionName, stray);
            this.strayErr = GuestOutput.stderr(functionName, stray);
            this.out = new PrintStream(new Routed(this, false), true, StandardCharsets.UTF_8);
            this.err = new PrintStream(new Routed(this, true), true, StandardCharsets.UTF_8);
        }

        boolean refusesForbidden() {
            return refusesForbidden;
        }
    }

    /**
     * The function's default {@code System.out} or {@code System.err}: writes to the output of the invocation on
     * the writing thread, so a stream kept in a static field still writes to the invocation that uses it.
     */
    private static final class Routed extends OutputStream {
        private final View view;
        private final boolean stderr;

        Routed(View view, boolean stderr) {
            this.view = view;
            this.stderr = stderr;
        }

        private GuestOutput target() {
            Scope s = CURRENT.get();
            if (s != null) {
                return stderr ? s.err : s.out;
            }
            return stderr ? view.strayErr : view.strayOut;
        }

        @Override
        public void write(int b) {
            target().write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            Objects.checkFromIndexSize(off, len, b.length);
            target().write(b, off, len);
        }
    }

    /** One invocation's (or sandbox creation's) hold on its thread. */
    static final class Scope implements AutoCloseable {
        private final View view;
        private final GuestOutput out;
        private final GuestOutput err;
        private final Scope previous;

        private Scope(View view, GuestOutput out, GuestOutput err, Scope previous) {
            this.view = view;
            this.out = out;
            this.err = err;
            this.previous = previous;
        }

        @Override
        public void close() {
            if (previous == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(previous);
            }
            out.finishInvocation();
            err.finishInvocation();
            view.strayOut.finishInvocation();
            view.strayErr.finishInvocation();
        }
    }
}
