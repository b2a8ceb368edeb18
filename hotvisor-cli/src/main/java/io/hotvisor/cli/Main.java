package io.hotvisor.cli;

import java.io.PrintWriter;
import java.util.Map;

import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code hotvisor} command: {@code java -cp hotvisor-cli.jar:lib/* io.hotvisor.cli.Main --help}.
 * Exit codes: 0 success, 1 the node rejected the request (4xx), 2 the node or function failed (5xx), 3 no node
 * at the URL, 64 bad command-line input, 70 a failure inside the client.
 */
public final class Main {

    public static void main(String[] args) {
        System.exit(commandLine(Terminal.system()).execute(args));
    }

    /** The whole command tree, wired to {@code terminal}; its writers default to System.out and System.err. */
    static CommandLine commandLine(Terminal terminal) {
        CommandLine cl = new CommandLine(new HotvisorCommand(terminal));
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler(Main::executionFailure);
        cl.setParameterExceptionHandler(Main::usageError);
        Map<String, String> exitCodes = ExitCodes.help();
        configure(cl, exitCodes);
        return cl;
    }

    private static void configure(CommandLine cl, Map<String, String> exitCodes) {
        cl.getCommandSpec().exitCodeOnInvalidInput(ExitCodes.USAGE);
        cl.getCommandSpec().exitCodeOnExecutionException(ExitCodes.INTERNAL);
        cl.getCommandSpec().usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(exitCodes);
        cl.getSubcommands().values().forEach(sub -> configure(sub, exitCodes));
    }

    /** A failure while a command ran: the node's error, no node, bad input found late, or a bug. */
    private static int executionFailure(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        PrintWriter err = cl.getErr();
        return switch (e) {
            case NodeException n -> {
                err.println(n.getMessage());
                yield n.exitCode();
            }
            case BadInputException b -> {
                err.println("Error: " + b.getMessage());
                yield ExitCodes.USAGE;
            }
            default -> {
                err.println("Error: the client failed: " + e);
                e.printStackTrace(err);
                yield ExitCodes.INTERNAL;
            }
        };
    }

    /** Bad input: the message, a suggestion for a typo, and where to find help; not the whole usage text. */
    private static int usageError(ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        PrintWriter err = cl.getErr();
        err.println("Error: " + e.getMessage());
        UnmatchedArgumentException.printSuggestions(e, err);
        err.println("Try '" + cl.getCommandSpec().qualifiedName() + " --help' for more information.");
        err.flush();
        return cl.getCommandSpec().exitCodeOnInvalidInput();
    }

    private Main() {
    }
}
