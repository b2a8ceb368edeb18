package io.hotvisor.runtime;

import java.io.InterruptedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.UndeclaredThrowableException;
import java.nio.channels.ClosedByInterruptException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;

/** Classifies what a Java function threw, once, as an {@link InvocationFailure}. */
final class JavaFailures {
    /** How many of the function's frames a failure keeps. */
    static final int MAX_FRAMES = 20;
    /** Frames of these packages are the JVM's plumbing between the runtime and the function: dropped. */
    private static final List<String> PLUMBING = List.of(
            "java.lang.reflect.", "java.lang.invoke.", "jdk.internal.", "sun.reflect.");
    /** The runtime's own package: every frame from the first of it down is the platform's, not the function's. */
    private static final String RUNTIME_PACKAGE = "io.hotvisor.runtime.";

    private JavaFailures() {
    }

    /**
     * Classifies {@code thrown}.
     *
     * @param cancelled whether {@link Sandbox#cancel()} interrupted the invocation
     *                  (an {@link InvocationCancelled} from a woven poll is a cancellation either way)
     */
    static InvocationFailure classify(Throwable thrown, String functionName, boolean cancelled) {
        Throwable t = unwrap(thrown);
        if (t instanceof InvocationFailure f) {
            return f;
        }
        if (cancelled && interruption(t) || cancellation(t)) {
            return InvocationFailure.of(InvocationFailure.Kind.CANCELLED,
                    "Function '" + functionName + "' was cancelled", t);
        }
        if (t instanceof StackOverflowError) {
            return InvocationFailure.resourceExhausted("StackOverflow",
                    "Function '" + functionName + "' overflowed its stack (recursion too deep)");
        }
        if (t instanceof OutOfMemoryError) {
            return InvocationFailure.resourceExhausted("OutOfMemory",
                    "Function '" + functionName + "' ran out of memory: " + t.getMessage());
        }
        if (t instanceof VirtualMachineError) {
            return InvocationFailure.of(InvocationFailure.Kind.PLATFORM_FAULT,
                    "The JVM failed while running function '" + functionName + "'", t);
        }
        return InvocationFailure.functionError(errorType(t), message(t), stack(t));
    }

    /** The error type callers see: the exception's simple name, as the JavaScript and Python runtimes do. */
    static String errorType(Throwable t) {
        String simple = t.getClass().getSimpleName();
        return simple.isEmpty() ? t.getClass().getName() : simple;
    }

    private static String message(Throwable t) {
        String m = t.getMessage();
        return m == null ? t.getClass().getName() : m;
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof InvocationTargetException || t instanceof UndeclaredThrowableException
                || t instanceof ExceptionInInitializerError || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** Thrown by a woven poll, possibly wrapped by the function: always a cancellation, whoever asks. */
    private static boolean cancellation(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof InvocationCancelled) {
                return true;
            }
        }
        return false;
    }

    private static boolean interruption(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof InterruptedException || c instanceof InterruptedIOException
                    || c instanceof ClosedByInterruptException) {
                return true;
            }
        }
        return false;
    }

    /**
     * The function's own frames of {@code t}: from the top down to where the runtime called it, without reflection
     * and method-handle frames, at most {@link #MAX_FRAMES}; then one {@code Caused by:} line per cause.
     */
    static List<String> stack(Throwable t) {
        List<String> lines = new ArrayList<>();
        StackTraceElement[] frames = t.getStackTrace();
        int kept = 0;
        for (int i = 0; i < frames.length; i++) {
            StackTraceElement f = frames[i];
            String c = f.getClassName();
            if (c.startsWith(RUNTIME_PACKAGE)) {
                break;
            }
            if (PLUMBING.stream().anyMatch(c::startsWith)) {
                continue;
            }
            if (kept == MAX_FRAMES) {
                lines.add("... " + (frames.length - i) + " more");
                break;
            }
            lines.add(format(f));
            kept++;
        }
        int causes = 0;
        for (Throwable c = t.getCause(); c != null && c != t && causes < 5; c = c.getCause(), causes++) {
            lines.add("Caused by: " + c.getClass().getName() + (c.getMessage() == null ? "" : ": " + c.getMessage()));
        }
        return lines;
    }

    /** {@code com.acme.Fn.handle(Fn.java:12)}, without the class loader and module prefixes of the JDK's format. */
    private static String format(StackTraceElement f) {
        String where = f.getFileName() == null ? "Unknown Source"
                : f.getLineNumber() >= 0 ? f.getFileName() + ":" + f.getLineNumber() : f.getFileName();
        return f.getClassName() + "." + f.getMethodName() + "(" + where + ")";
    }
}
