package io.hotvisor.cli;

import java.util.LinkedHashMap;
import java.util.Map;

/** The process exit codes of every command, and the "Exit codes:" section of each command's help. */
final class ExitCodes {

    /** The command did what was asked. */
    static final int OK = 0;
    /** The node rejected the request (HTTP 4xx): unknown function, bad deploy, payload too large, overloaded. */
    static final int CLIENT_ERROR = 1;
    /** The node or the function failed (HTTP 5xx): function error, timeout, platform fault. */
    static final int SERVER_ERROR = 2;
    /** No node answered at the URL: connection refused, unknown host or connect timeout. */
    static final int UNREACHABLE = 3;
    /** Bad command-line input: unknown option, missing file, malformed value (sysexits' EX_USAGE). */
    static final int USAGE = 64;
    /** An unexpected failure inside the client itself (sysexits' EX_SOFTWARE). */
    static final int INTERNAL = 70;

    static Map<String, String> help() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(OK + "", "Success.");
        m.put(CLIENT_ERROR + "", "The node rejected the request (HTTP 4xx).");
        m.put(SERVER_ERROR + "", "The node or the function failed (HTTP 5xx).");
        m.put(UNREACHABLE + "", "No node answered at the URL (is it running?).");
        m.put(USAGE + "", "Bad command-line input.");
        m.put(INTERNAL + "", "Unexpected failure in the client.");
        return m;
    }

    private ExitCodes() {
    }
}
