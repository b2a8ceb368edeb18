package io.hotvisor.cli;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;

import picocli.CommandLine;

/** Runs the CLI in-process as {@code Main} would, capturing stdout and stderr. */
final class Cli {

    record Run(int exitCode, String out, String err) {
    }

    static Run run(String... args) {
        return runWithStdin("", args);
    }

    static Run runWithStdin(String stdin, String... args) {
        return run(new Terminal(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), false), args);
    }

    /** As on a terminal: progress lines are redrawn in place. */
    static Run runInteractive(String... args) {
        return run(new Terminal(new ByteArrayInputStream(new byte[0]), true), args);
    }

    private static Run run(Terminal terminal, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine(terminal);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private Cli() {
    }
}
