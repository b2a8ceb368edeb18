package io.hotvisor.runtime;

import org.graalvm.polyglot.PolyglotException;

/**
 * Recognizes a guest's attempt at something its context does not allow, when GraalVM reports it as a host or
 * internal error rather than as an exception of the guest's own language.
 *
 * <p>Workarounds for GraalPy 25.0.1, all in this one place: with {@code allowCreateProcess(false)},
 * {@code allowCreateThread(false)} and the Java POSIX backend, {@code os.system}/{@code posix.system} surface the
 * host's {@code SecurityException}, {@code threading.Thread.start} the host's "Creating threads is not allowed",
 * {@code socket}/{@code urllib} an {@code UnsupportedPosixFeatureException} ("getaddrinfo was excluded"),
 * {@code _ctypes.dlopen} a {@code ShouldNotReachHere} from loading the C API, and {@code os._exit} a
 * {@code ThreadDeath}; none of them is catchable by the guest, all of them are refusals, not faults of the node.
 * GraalJS reports nothing this way: what it refuses is a guest {@code TypeError}/{@code ReferenceError}.
 */
final class SandboxDenials {
    private SandboxDenials() {
    }

    /** What was refused, in words, or null if {@code e} is not a refusal by the sandbox. */
    static String refused(PolyglotException e) {
        String message = e.getMessage() == null ? "" : e.getMessage();
        if (message.contains("SecurityException") && message.contains("Process creation is not allowed")) {
            return "creating a process";
        }
        if (message.contains("Creating threads is not allowed")) {
            return "creating a thread";
        }
        if (message.contains("UnsupportedPosixFeatureException")) {
            String feature = message.substring(message.indexOf("UnsupportedPosixFeatureException") + 33).strip();
            return "the operating system call behind '" + feature.replace(" was excluded", "")
                    + "' (network and native POSIX calls are not available)";
        }
        if (message.contains("SecurityException")) {
            return message.substring(message.indexOf("SecurityException") + 19).strip();
        }
        for (StackTraceElement frame : e.getStackTrace()) {
            String at = frame.getClassName() + "." + frame.getMethodName();
            if (at.contains("CApiContext.ensureCapiWasLoaded") || at.contains("ctypes.")) {
                return "loading native code (ctypes / the C API)";
            }
            if (at.contains("PosixModuleBuiltins$ExitNode")) {
                return "exiting the process (os._exit)";
            }
        }
        return null;
    }
}
