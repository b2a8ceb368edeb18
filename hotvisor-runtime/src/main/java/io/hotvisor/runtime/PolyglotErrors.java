package io.hotvisor.runtime;

import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.SourceSection;
import org.graalvm.polyglot.Value;

/**
 * Classifies what a JavaScript or Python guest threw, once, at the sandbox boundary: into an
 * {@link InvocationFailure} when it happened in an invocation, into a {@link DeployException} when it happened
 * while loading the function.
 *
 * <p>Implementation notes:
 * <ul>
 *   <li>Type and message come from the guest itself ({@code describe(e)} in the guest-side wrapper): the class
 *       name of a thrown {@code Error} subclass or Python exception; a thrown non-{@code Error} value is type
 *       {@code Error}. Messages never carry host stack traces; host and internal errors are only logged.</li>
 *   <li>Stacks keep only the function's own frames (its file, or files of its bundle), at most
 *       {@value #MAX_FRAMES}: wrapper, language-internal and host frames are dropped. JavaScript frames come from
 *       {@link PolyglotException#getPolyglotStackTrace()}; Python frames from the guest's {@code traceback},
 *       because GraalPy 25.0.1 reports a polyglot frame's location as the whole function body, not the line that
 *       raised.</li>
 *   <li>A stack overflow is a guest error in both languages (GraalJS {@code RangeError: Maximum call stack size
 *       exceeded}, GraalPy {@code RecursionError}), never {@link PolyglotException#isResourceExhausted()}; both are
 *       classified {@link InvocationFailure.Kind#RESOURCE_EXHAUSTED} {@code StackOverflow} here.</li>
 *   <li>What the sandbox refuses (a process, a thread, a socket, native code) does not always reach the guest as
 *       its own exception: GraalPy lets the host's {@code SecurityException} or "not allowed" error through as an
 *       internal error. {@link SandboxDenials} recognizes those, and they fail the invocation as
 *       {@code SandboxViolation} (a function error, 502), not as a platform fault.</li>
 * </ul>
 */
final class PolyglotErrors {
    private static final System.Logger LOG = System.getLogger(PolyglotErrors.class.getName());
    static final int MAX_FRAMES = 20;

    private static final Pattern JS_SYNTAX_PREFIX = Pattern.compile("^(?:SyntaxError: )?(?:\\S+:\\d+:\\d+ )?");
    private static final Pattern PY_SYNTAX_SUFFIX = Pattern.compile(" \\([^()]*, line \\d+\\)$");
    private static final Pattern JS_MISSING_MODULE = Pattern.compile("Cannot (?:load|find) module:? '([^']+)'");
    private static final Pattern PY_MISSING_MODULE = Pattern.compile("No module named '([^']+)'");

    /** One frame of a guest stack. */
    record GuestFrame(String function, String file, int line, int column) {
    }

    /** What the guest threw, described. */
    record GuestError(String type, String message, List<GuestFrame> frames) {
    }

    private final Language language;

    private PolyglotErrors(Language language) {
        this.language = language;
    }

    static PolyglotErrors javaScript() {
        return new PolyglotErrors(Language.JAVASCRIPT);
    }

    static PolyglotErrors python() {
        return new PolyglotErrors(Language.PYTHON);
    }

    private String languageName() {
        return language == Language.JAVASCRIPT ? "JavaScript" : "Python";
    }

    // ---------------------------------------------------------------- invocation

    /**
     * Classifies a failed invocation.
     *
     * @param api             the guest wrapper, used to describe a guest exception; null when the context is unusable
     * @param cancelRequested whether {@link Sandbox#cancel()} was called
     */
    InvocationFailure invocationFailure(PolyglotException e, Value api, PolyglotFunction function, boolean cancelRequested) {
        String name = function.definition().name();
        if (e.isCancelled() || e.isInterrupted() || (cancelRequested && !e.isGuestException())) {
            return InvocationFailure.of(InvocationFailure.Kind.CANCELLED, "The invocation of function '" + name + "' was cancelled");
        }
        if (e.isResourceExhausted()) {
            return InvocationFailure.resourceExhausted("ResourceExhausted",
                    "Function '" + name + "' exhausted a resource: " + firstLine(e.getMessage()));
        }
        if (e.isGuestException() && !e.isInternalError()) {
            GuestError error = describe(e, api, function);
            if (isStackOverflow(error)) {
                return InvocationFailure.resourceExhausted("StackOverflow",
                        "Function '" + name + "' overflowed its stack: " + error.type() + ": " + error.message());
            }
            if (isSizeLimit(error)) {
                return InvocationFailure.resourceExhausted("MemoryLimitExceeded", "Function '" + name
                        + "' tried to build a value larger than the " + languageName() + " runtime allows: "
                        + error.type() + ": " + error.message());
            }
            return InvocationFailure.functionError(error.type(), error.message(), format(error.frames()));
        }
        String refused = SandboxDenials.refused(e);
        if (refused != null) {
            LOG.log(Level.DEBUG, "Function '" + name + "' was refused by its sandbox: " + refused, e);
            return InvocationFailure.sandboxViolation("Function '" + name + "' tried something its sandbox does not"
                    + " allow: " + refused);
        }
        return platformFault(e, function);
    }

    /** A failure of the platform: logged with its cause, reported without it. */
    InvocationFailure platformFault(Throwable e, PolyglotFunction function) {
        LOG.log(Level.ERROR, "Internal error of the " + languageName() + " runtime in function '"
                + function.definition().name() + "'", e);
        return InvocationFailure.of(InvocationFailure.Kind.PLATFORM_FAULT, "The " + languageName()
                + " runtime failed while running function '" + function.definition().name() + "' (see the node's log)", e);
    }

    private boolean isStackOverflow(GuestError error) {
        return switch (language) {
            case JAVASCRIPT -> error.type().equals("RangeError") && error.message().contains("call stack size exceeded");
            case PYTHON -> error.type().equals("RecursionError");
            case JAVA -> false;
        };
    }

    /**
     * GraalJS refuses strings and arrays past its own size limits (a string doubled in a loop reaches 2^30 chars
     * long before it costs memory, since concatenation builds ropes): a memory bomb too, classified as one.
     */
    private boolean isSizeLimit(GuestError error) {
        return language == Language.JAVASCRIPT && error.type().equals("RangeError")
                && (error.message().startsWith("Invalid string length") || error.message().startsWith("Invalid array length")
                || error.message().startsWith("Array buffer allocation failed"));
    }

    // ---------------------------------------------------------------- deploy

    /** Classifies a failure while evaluating the function's code or resolving its handler. */
    DeployException deployFailure(PolyglotException e, Value api, PolyglotFunction function) {
        String file = function.handler().fileName();
        if (e.isSyntaxError()) {
            SourceSection location = e.getSourceLocation();
            String where = location == null ? file : displayFile(function, sourceFile(location)) + " line " + location.getStartLine();
            return DeployException.code("Syntax error in " + where + ": " + syntaxMessage(e.getMessage()), e);
        }
        if (e.isGuestException() && !e.isInternalError() && !e.isCancelled() && !e.isResourceExhausted()) {
            GuestError error = describe(e, api, function);
            String where = error.frames().isEmpty() ? file
                    : error.frames().getFirst().file() + " line " + error.frames().getFirst().line();
            Matcher missing = (language == Language.JAVASCRIPT ? JS_MISSING_MODULE : PY_MISSING_MODULE).matcher(error.message());
            if (missing.find() && (language == Language.JAVASCRIPT || error.type().equals("ModuleNotFoundError"))) {
                return DeployException.code("Cannot find module '" + missing.group(1) + "' required by " + where
                        + (function.bundleRoot() == null ? " (a single-file function has only the standard library;"
                        + " deploy a bundle to include packages)" : ""), e);
            }
            return DeployException.code("Error loading " + where + ": " + error.type() + ": " + error.message(), e);
        }
        LOG.log(Level.ERROR, "Internal error of the " + languageName() + " runtime loading function '"
                + function.definition().name() + "'", e);
        return DeployException.code("The " + languageName() + " runtime failed while loading " + file
                + (e.isResourceExhausted() ? ": " + firstLine(e.getMessage()) : " (see the node's log)"), e);
    }

    private String syntaxMessage(String message) {
        String line = firstLine(message);
        return switch (language) {
            case PYTHON -> PY_SYNTAX_SUFFIX.matcher(line.replaceFirst("^SyntaxError: ", "")).replaceFirst("");
            default -> JS_SYNTAX_PREFIX.matcher(line).replaceFirst("");
        };
    }

    // ---------------------------------------------------------------- describing

    private GuestError describe(PolyglotException e, Value api, PolyglotFunction function) {
        String type = "Error";
        String message = firstLine(e.getMessage());
        List<GuestFrame> guestFrames = null;
        Value thrown = e.getGuestObject();
        if (api != null && thrown != null) {
            try {
                Value d = api.invokeMember("describe", thrown);
                type = d.getArrayElement(0).asString();
                message = d.getArrayElement(1).asString();
                if (d.getArraySize() > 2) {
                    guestFrames = new ArrayList<>();
                    Value frames = d.getArrayElement(2);
                    for (long i = 0; i < frames.getArraySize(); i++) {
                        Value f = frames.getArrayElement(i);
                        guestFrames.add(new GuestFrame(f.getArrayElement(0).asString(), f.getArrayElement(1).asString(),
                                f.getArrayElement(2).asInt(), 0));
                    }
                }
            } catch (RuntimeException describeFailed) {
                LOG.log(Level.DEBUG, "Could not describe a guest error of function '" + function.definition().name() + "'", describeFailed);
            }
        }
        List<GuestFrame> frames = guestFrames != null ? guestFrames : polyglotFrames(e);
        List<GuestFrame> own = new ArrayList<>();
        for (GuestFrame f : frames) {
            if (own.size() < MAX_FRAMES && isOwn(function, f.file())) {
                own.add(new GuestFrame(f.function(), displayFile(function, f.file()), f.line(), f.column()));
            }
        }
        return new GuestError(type, message, own);
    }

    /** Innermost first. */
    private static List<GuestFrame> polyglotFrames(PolyglotException e) {
        List<GuestFrame> frames = new ArrayList<>();
        for (PolyglotException.StackFrame frame : e.getPolyglotStackTrace()) {
            SourceSection location = frame.getSourceLocation();
            if (!frame.isGuestFrame() || location == null || location.getSource().isInternal()) {
                continue;
            }
            String root = frame.getRootName();
            frames.add(new GuestFrame(root == null || root.isEmpty() || root.equals(":program") ? "<anonymous>" : root,
                    sourceFile(location), location.getStartLine(), location.getStartColumn()));
        }
        return frames;
    }

    private static String sourceFile(SourceSection location) {
        String path = location.getSource().getPath();
        return path != null ? path : location.getSource().getName();
    }

    private static boolean isOwn(PolyglotFunction function, String file) {
        if (file.equals(function.handler().fileName())) {
            return true;
        }
        Path root = function.bundleRoot();
        return root != null && file.startsWith(root + "/");
    }

    private static String displayFile(PolyglotFunction function, String file) {
        Path root = function.bundleRoot();
        return root != null && file.startsWith(root + "/") ? file.substring(root.toString().length() + 1) : file;
    }

    /** In the language's own order and format: innermost first for JavaScript, last for Python. */
    private List<String> format(List<GuestFrame> frames) {
        List<String> lines = new ArrayList<>(frames.size());
        for (GuestFrame f : frames) {
            lines.add(switch (language) {
                case PYTHON -> String.format(Locale.ROOT, "File \"%s\", line %d, in %s", f.file(), f.line(), f.function());
                default -> String.format(Locale.ROOT, "at %s (%s:%d:%d)", f.function(), f.file(), f.line(), f.column());
            });
        }
        return language == Language.PYTHON ? lines.reversed() : lines;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int nl = message.indexOf('\n');
        return (nl < 0 ? message : message.substring(0, nl)).strip();
    }
}
