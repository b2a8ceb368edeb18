package io.hotvisor.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * What every subcommand shares: {@code --url}, {@code --key} and the rest of {@link NodeOptions}, the output
 * writers of its {@code CommandLine} (so tests capture
 * them) and the {@link Terminal}. A subcommand returns its exit code; failures are thrown as
 * {@link NodeException} or {@link BadInputException} and mapped to exit codes in {@link Main}.
 */
abstract class NodeCommand implements Callable<Integer> {

    @Mixin
    NodeOptions node;

    @Spec
    CommandSpec spec;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    Terminal terminal() {
        return ((HotvisorCommand) spec.root().userObject()).terminal();
    }

    /** A usage error: "Invalid value for option '--file': no such file: x". */
    ParameterException invalid(String option, String message) {
        return new ParameterException(spec.commandLine(), "Invalid value for option '" + option + "': " + message);
    }

    /** A usage error for a required option that is missing. */
    ParameterException missing(String what) {
        return new ParameterException(spec.commandLine(), "Missing required " + what);
    }
}
