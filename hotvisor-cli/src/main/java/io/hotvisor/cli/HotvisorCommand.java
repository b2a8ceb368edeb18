package io.hotvisor.cli;

import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The top-level {@code hotvisor} command: only its subcommands do anything. */
@Command(name = "hotvisor", mixinStandardHelpOptions = true, versionProvider = HotvisorCommand.Version.class,
        description = "Deploy and invoke functions on a Hotvisor node.",
        subcommands = {DeployCommand.class, InvokeCommand.class, SimpleCommands.ResultCommand.class,
                SimpleCommands.ListCommand.class, SimpleCommands.DescribeCommand.class,
                SimpleCommands.LogsCommand.class, SimpleCommands.DeleteCommand.class,
                SimpleCommands.HealthCommand.class,
                TenantCommands.NamespaceCommand.class, TenantCommands.KeyCommand.class,
                ClusterCommands.ClusterCommand.class,
                CommandLine.HelpCommand.class})
final class HotvisorCommand implements Callable<Integer> {

    private final Terminal terminal;

    @Spec
    private CommandSpec spec;

    HotvisorCommand(Terminal terminal) {
        this.terminal = terminal;
    }

    Terminal terminal() {
        return terminal;
    }

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "Missing required subcommand");
    }

    /** The jar's Implementation-Version, "dev" when run from classes. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = HotvisorCommand.class.getPackage().getImplementationVersion();
            return new String[] {"hotvisor " + (v == null ? "dev" : v)};
        }
    }
}
