package io.hotvisor.runtime;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The handler of a JavaScript or Python function, parsed: {@code index.handler} is function {@code handler} in
 * file {@code index.js} / {@code index.py}; a bare {@code main} is function {@code main} in {@code function.js} /
 * {@code function.py} (the name {@link FunctionCode.SourceText} gives a single file without a file part).
 *
 * @param handler  the handler as deployed
 * @param fileName the handler's file, relative to the bundle root, with the language's extension
 * @param function the function's name in that file
 */
record GuestHandler(String handler, String fileName, String function) {
    /** A file part (may name a sub-directory: {@code src/app.handler}) and an identifier. */
    private static final Pattern SHAPE = Pattern.compile("(?:([A-Za-z0-9_$][A-Za-z0-9_$./-]*)\\.)?([A-Za-z_$][A-Za-z0-9_$]*)");
    private static final String DEFAULT_FILE = "function";

    static GuestHandler parse(String handler, String extension, String functionName) {
        Matcher m = SHAPE.matcher(handler);
        if (!m.matches() || handler.contains("..") || (extension.equals("py") && m.group(2).contains("$"))) {
            throw DeployException.handler("Handler '" + handler + "' of function '" + functionName
                    + "' is not of the form file.function (e.g. index.handler) or function (e.g. main)");
        }
        String file = m.group(1) == null ? DEFAULT_FILE : m.group(1);
        return new GuestHandler(handler, file + "." + extension, m.group(2));
    }

    /** The Python module name of the handler's file: {@code src/app.py} is {@code src.app}. */
    String moduleName() {
        return fileName.substring(0, fileName.lastIndexOf('.')).replace('/', '.');
    }
}
