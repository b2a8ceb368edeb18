package io.hotvisor.runtime;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One loaded version of a Java function: its jar, checked; its handler class and shape, found; its first sandbox,
 * made (and handed out by the first {@link #newSandbox()}).
 *
 * <p>Class loaders: with {@link SandboxPolicy#REUSE} every sandbox of the version shares one class loader, so
 * classes are loaded, verified and JIT-compiled once for all of them (static fields are shared too, as in
 * Graalvisor). With {@link SandboxPolicy#FRESH} each sandbox gets a class loader of its own, because nothing
 * may persist between invocations, static fields included. That is the price of FRESH for Java: every invocation
 * loads and verifies the function's classes again, runs its static initializers, and starts in the interpreter
 * because compiled code belongs to classes, not to the jar (expect milliseconds per invocation rather than
 * microseconds, and more metaspace churn).
 */
final class JavaFunction implements LoadedFunction {
    private static final System.Logger LOG = System.getLogger(JavaFunction.class.getName());

    /** A handler class in its class loader and how to enter it. */
    record LinkedCode(FunctionClassLoader loader, Class<?> type, JavaHandlerShape shape) {
    }

    private final FunctionDefinition definition;
    private final FunctionJar jar;
    private final FunctionApiClassLoader api;
    private final String className;
    private final String method;
    private final boolean fresh;
    private final JavaFunctionContext.FunctionLogger logger;
    private final JavaFunctionContext.FunctionLogger discarding = JavaFunctionContext.FunctionLogger.discarding();
    private final Runnable onClose;
    /** The class loader of all sandboxes with REUSE; null with FRESH. */
    private final LinkedCode shared;
    private final AtomicReference<JavaSandbox> first = new AtomicReference<>();
    private volatile boolean closed;

    private JavaFunction(FunctionDefinition definition, FunctionJar jar, FunctionApiClassLoader api, String className,
                         String method, Runnable onClose) {
        this.definition = definition;
        this.jar = jar;
        this.api = api;
        this.className = className;
        this.method = method;
        this.onClose = onClose;
        this.fresh = definition.config().sandbox() == SandboxPolicy.FRESH;
        this.logger = new JavaFunctionContext.FunctionLogger(definition.name());
        this.shared = fresh ? null : link("");
    }

    /**
     * Loads the function and makes its first sandbox.
     *
     * @param handler {@code com.acme.Fn::method} or {@code com.acme.Fn}: the config's, or for source code, with the
     *                class the source declares
     * @param onClose what to release with the function (a compiled jar's directory), run once by {@link #close()}
     * @throws DeployException if the handler class or its shape is wrong, or its initializer or constructor throws
     */
    static JavaFunction load(FunctionDefinition definition, String handler, FunctionJar jar,
                             FunctionApiClassLoader api, Runnable onClose) {
        handler = handler.strip();
        int sep = handler.indexOf("::");
        String className = sep < 0 ? handler : handler.substring(0, sep);
        String method = sep < 0 ? "" : handler.substring(sep + 2);
        if (className.isEmpty() || method.contains(":") || sep >= 0 && method.isEmpty()) {
            throw DeployException.handler("Handler '" + handler + "' of function '" + definition.name()
                    + "' is not of the form com.acme.Fn::method or com.acme.Fn");
        }
        JavaFunction function = new JavaFunction(definition, jar, api, className, method, onClose);
        try {
            function.first.set(function.makeSandbox(true, false));
        } catch (RuntimeException | Error e) {
            function.close();
            throw e;
        }
        return function;
    }

    @Override
    public FunctionDefinition definition() {
        return definition;
    }

    @Override
    public Sandbox newSandbox() {
        if (closed) {
            throw InvocationFailure.of(InvocationFailure.Kind.PLATFORM_FAULT,
                    "Function '" + definition.name() + "' version " + definition.version() + " is closed");
        }
        JavaSandbox s = first.getAndSet(null);
        return s != null ? s : makeSandbox(false, false);
    }

    /**
     * A new handler instance for warm-up replays, in the same class loader as the pooled sandboxes (with
     * {@link SandboxPolicy#REUSE}), printing and logging nowhere. The same loader is the point: HotSpot compiles
     * per method of a class, and a class is per loader, so replays in a loader of their own would compile code no
     * invocation ever runs (only the JDK's and the node's shared classes would gain). The cost is the limit of
     * in-node Java replays: a separate instance keeps instance fields apart, but the function's static fields (and
     * whatever the function reaches outside itself) are shared with its invocations. With {@link SandboxPolicy#FRESH}
     * every invocation gets new classes anyway, so replays would warm nothing of the function: empty.
     */
    @Override
    public Optional<Sandbox> newThrowawaySandbox() {
        if (closed) {
            throw InvocationFailure.of(InvocationFailure.Kind.PLATFORM_FAULT,
                    "Function '" + definition.name() + "' version " + definition.version() + " is closed");
        }
        return fresh ? Optional.empty() : Optional.of(makeSandbox(false, true));
    }

    @Override
    public int minIdleSandboxes() {
        return 0;
    }

    JavaFunctionContext context(InvocationContext invocation, boolean quiet) {
        return new JavaFunctionContext(invocation, definition.config().env(), quiet ? discarding : logger);
    }

    /**
     * A sandbox: a new class loader first with FRESH, then the class initialized and a handler instance made,
     * with the thread's context class loader set to the function's. At deploy time a failure is a
     * {@link DeployException}; afterwards an {@link InvocationFailure}. {@code quiet}: what it prints and logs is
     * dropped (warm-up replays).
     */
    private JavaSandbox makeSandbox(boolean deploying, boolean quiet) {
        LinkedCode code = fresh ? link("#" + Long.toHexString(System.nanoTime())) : shared;
        Thread self = Thread.currentThread();
        ClassLoader previous = self.getContextClassLoader();
        self.setContextClassLoader(code.loader());
        GuestOutput.Budget budget = GuestOutput.Budget.perInvocation();
        GuestOutput out = quiet ? GuestOutput.discarded(budget) : GuestOutput.stdout(definition.name(), budget);
        GuestOutput err = quiet ? GuestOutput.discarded(budget) : GuestOutput.stderr(definition.name(), budget);
        // The static initializer and the constructor are the function's code too: they see its System.
        GuestSystem.Scope scope = GuestSystem.enter(code.loader().system(), out, err);
        try {
            Class.forName(code.type().getName(), true, code.loader());
            Object target = code.shape().newTarget();
            return new JavaSandbox(this, code, target, fresh, out, err, quiet);
        } catch (Throwable t) {
            if (fresh) {
                closeQuietly(code.loader());
            }
            if (t instanceof DeployException d) {
                throw d;
            }
            if (!deploying) {
                throw JavaFailures.classify(t, definition.name(), false);
            }
            if (t instanceof LinkageError e && !(t instanceof ExceptionInInitializerError)) {
                throw unloadable(e);
            }
            Throwable cause = t instanceof ExceptionInInitializerError e && e.getCause() != null ? e.getCause() : t;
            String where = t instanceof ExceptionInInitializerError ? "The static initializer of handler class '"
                    : "The constructor of handler class '";
            throw DeployException.code(where + code.type().getName() + "' in function '" + definition.name()
                    + "' threw " + cause.getClass().getName() + ": " + cause.getMessage(), cause);
        } finally {
            scope.close();
            self.setContextClassLoader(previous);
        }
    }

    /** Loads the handler class in a new class loader and finds its shape. */
    private LinkedCode link(String loaderSuffix) {
        String loaderName = definition.name() + "@v" + definition.version() + loaderSuffix;
        FunctionClassLoader loader = FunctionClassLoader.create(loaderName, jar.path(), api,
                new GuestSystem.View(definition.name(), definition.config().env(),
                        jar.scan() == JavaScanPolicy.ENFORCE));
        try {
            Class<?> type = Class.forName(className, false, loader);
            return new LinkedCode(loader, type, JavaHandlerShape.resolve(type, method, definition.name(), loader));
        } catch (ClassNotFoundException e) {
            closeQuietly(loader);
            throw DeployException.handler("Handler class '" + className + "' not found in function '"
                    + definition.name() + "'; classes in the jar: " + jar.listClassesNear(className));
        } catch (LinkageError e) {
            closeQuietly(loader);
            throw unloadable(e);
        } catch (RuntimeException e) {
            closeQuietly(loader);
            throw e;
        }
    }

    private DeployException unloadable(LinkageError e) {
        return DeployException.code("Handler class '" + className + "' of function '" + definition.name()
                + "' cannot be loaded: " + e.getClass().getSimpleName() + ": " + e.getMessage()
                + "; a function sees only the JDK, io.hotvisor.api, com.amazonaws.services.lambda.runtime and"
                + " com.google.gson from the node: bundle other libraries into its (fat) jar", e);
    }

    private void closeQuietly(FunctionClassLoader loader) {
        try {
            loader.close();
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "Could not close a class loader of function '" + definition.name() + "'", e);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        JavaSandbox unused = first.getAndSet(null);
        if (unused != null) {
            unused.close();
        }
        if (shared != null) {
            closeQuietly(shared.loader());
        }
        onClose.run();
    }
}
